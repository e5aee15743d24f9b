"""CSAT: one request per resolution, the link in a real mail, the public page (one-time,
forged, expired, reused), and nothing changing on a second try."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.core.context import tenant_context
from support.csat import services
from support.csat.models import CsatRequest
from support.tickets import services as ticket_services
from support.tickets.models import Status
from tests.support.helpers import make_agent, make_category, make_ticket

LINK = re.compile(r"https?://\S+/portal/(?P<slug>[\w-]+)/csat/(?P<token>[\w-]+)/")


def resolve(tenant: Any, ticket: Any, actor: Any = None, status: str = Status.RESOLVED) -> Any:
    with tenant_context(tenant):
        return ticket_services.ticket_update(
            tenant=tenant, ticket=ticket, actor=actor, status=status
        )


def deliver(tenant: Any) -> None:
    """Sends what the resolution queued: through the mail part's outbox when it is there
    (its worker task calls the same service), else the on-commit send already ran."""
    from support.mail import services as mail_services

    send = getattr(mail_services, "outbox_send", None)
    if send is not None:
        with tenant_context(tenant):
            send(tenant=tenant)


def csat_rows(tenant: Any) -> list[CsatRequest]:
    with tenant_context(tenant):
        return list(CsatRequest.objects.filter(tenant=tenant).order_by("id"))


@pytest.fixture
def resolved(tenant: Any, inbox: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    agent = make_agent(tenant, "agent@example.jp")
    category = make_category(tenant, "請求")
    ticket = make_ticket(
        tenant,
        requester_email="hanako@example.jp",
        requester_name="佐藤 花子",
        language="en",
        assignee=agent,
        category=category,
    )
    with django_capture_on_commit_callbacks(execute=True):
        resolve(tenant, ticket, agent)
    deliver(tenant)
    mail = inbox.wait_for("hanako@example.jp")
    match = LINK.search(inbox.body(mail))
    assert match, inbox.body(mail)
    return {
        "ticket": ticket,
        "agent": agent,
        "category": category,
        "mail": mail,
        **match.groupdict(),
    }


def url(slug: str, token: str) -> str:
    return reverse("portal:csat", kwargs={"tenant_slug": slug, "token": token})


def test_it_mails_a_one_time_link_when_a_ticket_is_resolved(tenant: Any, resolved: Any) -> None:
    (request,) = csat_rows(tenant)
    assert resolved["slug"] == tenant.slug
    assert "How did we do?" in str(resolved["mail"]["Subject"])
    assert f"#{resolved['ticket'].number}" in str(resolved["mail"]["Subject"])
    # Only the hash is stored, never the token.
    assert request.token_hash == services.token_hash(resolved["token"])
    assert resolved["token"] not in request.token_hash
    assert len(resolved["token"]) >= 43  # 32 random bytes, URL-safe base64
    assert request.agent_id == resolved["agent"].pk
    assert request.category_id == resolved["category"].pk
    assert request.expires_at - request.created_at == dt.timedelta(days=14)


def test_the_mail_speaks_the_tickets_language(
    tenant: Any, inbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(tenant, requester_email="ja@example.jp", language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        resolve(tenant, ticket)
    deliver(tenant)
    body = inbox.body(inbox.wait_for("ja@example.jp"))
    assert LINK.search(body)
    from django.utils import translation

    with translation.override("ja"):
        expected = translation.gettext("The link works once and for %(days)s days.")
    assert expected % {"days": 14} in body


def test_a_customer_rates_once(client: Any, tenant: Any, resolved: Any) -> None:
    page = client.get(url(resolved["slug"], resolved["token"]))
    assert page.status_code == 200
    assert b'name="rating"' in page.content
    done = client.post(
        url(resolved["slug"], resolved["token"]), {"rating": "4", "comment": "  助かりました  "}
    )
    assert done.status_code == 200
    assert b"csat-thanks" in done.content
    (request,) = csat_rows(tenant)
    assert (request.rating, request.comment) == (4, "助かりました")
    assert request.rated_at is not None


def test_a_reused_link_says_already_rated_and_changes_nothing(
    client: Any, tenant: Any, resolved: Any
) -> None:
    client.post(url(resolved["slug"], resolved["token"]), {"rating": "5", "comment": "good"})
    (before,) = csat_rows(tenant)
    again = client.post(url(resolved["slug"], resolved["token"]), {"rating": "1", "comment": "x"})
    assert again.status_code == 200
    assert b"csat-state-rated" in again.content
    assert b"Already rated, thank you" in again.content
    (after,) = csat_rows(tenant)
    assert (after.rating, after.comment, after.rated_at) == (5, "good", before.rated_at)
    assert b"csat-state-rated" in client.get(url(resolved["slug"], resolved["token"])).content


def test_a_forged_link_answers_404(client: Any, tenant: Any, resolved: Any) -> None:
    forged = resolved["token"][:-2] + ("AA" if not resolved["token"].endswith("AA") else "BB")
    response = client.post(url(resolved["slug"], forged), {"rating": "1"})
    assert response.status_code == 404
    # The tenant's language (the link found no request to take the customer's from).
    assert b"csat-state-invalid" in response.content
    assert csat_rows(tenant)[0].rating is None


def test_a_link_does_not_work_under_another_tenants_slug(
    client: Any, tenant: Any, other_tenant: Any, resolved: Any
) -> None:
    response = client.post(url(other_tenant.slug, resolved["token"]), {"rating": "1"})
    assert response.status_code == 404
    assert csat_rows(tenant)[0].rating is None
    assert client.get(url("no-such-tenant", resolved["token"])).status_code == 404


def test_an_expired_link_says_so_and_takes_nothing(client: Any, tenant: Any, resolved: Any) -> None:
    with tenant_context(tenant):
        CsatRequest.objects.filter(tenant=tenant).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    response = client.post(url(resolved["slug"], resolved["token"]), {"rating": "3"})
    assert response.status_code == 410
    assert b"csat-state-expired" in response.content
    assert csat_rows(tenant)[0].rating is None


def test_a_bad_rating_says_what_to_fix_and_keeps_the_comment(
    client: Any, tenant: Any, resolved: Any
) -> None:
    response = client.post(
        url(resolved["slug"], resolved["token"]), {"rating": "9", "comment": "<script>x</script>"}
    )
    assert response.status_code == 400
    assert b"Choose a rating from 1" in response.content
    assert b"&lt;script&gt;x&lt;/script&gt;" in response.content  # kept, escaped
    assert b"<script>x</script>" not in response.content
    assert csat_rows(tenant)[0].rating is None
    too_long = client.post(
        url(resolved["slug"], resolved["token"]), {"rating": "3", "comment": "あ" * 2001}
    )
    assert too_long.status_code == 400
    assert csat_rows(tenant)[0].rated_at is None


def test_one_request_per_resolution(
    tenant: Any, inbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(tenant, requester_email="twice@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(tenant, ticket)
        ticket = resolve(tenant, ticket, status=Status.CLOSED)  # resolved → closed: no new ask
    assert len(csat_rows(tenant)) == 1
    with tenant_context(tenant):
        again = services.csat_request_for_resolution(tenant=tenant, ticket=ticket)
    assert again is None
    assert len(csat_rows(tenant)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(tenant, ticket, status=Status.OPEN)  # reopened …
        resolve(tenant, ticket)  # … and resolved again: a new resolution, a new ask
    deliver(tenant)
    assert len(csat_rows(tenant)) == 2
    assert len(inbox.to("twice@example.jp")) == 2


def test_a_rating_prefilled_from_the_mail_is_only_a_preselection(
    client: Any, tenant: Any, resolved: Any
) -> None:
    page = client.get(url(resolved["slug"], resolved["token"]) + "?rating=5")
    assert re.search(rb'value="5"[^>]*checked', page.content)
    assert csat_rows(tenant)[0].rating is None


@pytest.mark.django_db(transaction=True)
def test_two_racing_submissions_store_one_rating(tenant: Any) -> None:
    ticket = make_ticket(tenant, requester_email="race@example.jp")
    resolve(tenant, ticket)
    with tenant_context(tenant):
        ticket.refresh_from_db()
        created = services.csat_request_for_resolution(tenant=tenant, ticket=ticket, send=False)
    assert created is None  # the hook asked already for this resolution
    with tenant_context(tenant):
        request = CsatRequest.objects.get(tenant=tenant)
        token = "known-token-for-the-test"
        CsatRequest.objects.filter(pk=request.pk).update(token_hash=services.token_hash(token))
        services.csat_submit(tenant=tenant, token=token, rating=5)
        with pytest.raises(services.CsatError) as second:
            services.csat_submit(tenant=tenant, token=token, rating=1)
    assert second.value.code == "rated"
    assert csat_rows(tenant)[0].rating == 5
