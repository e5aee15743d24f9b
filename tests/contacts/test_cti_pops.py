"""Screen pops: only the ringing extension's member sees them, in that tenant; logging the
outcome and creating an unknown caller from the pop."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from contacts.cti import services
from contacts.cti.models import CtiCall
from contacts.models import Contact, Interaction
from contacts.services import timeline_add
from crm.core.context import tenant_context
from tests.contacts.cti_helpers import post_event
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db
POPS = "/api/v1/cti/pops/"


@pytest.fixture
def secret(tenant: Any) -> str:
    with tenant_context(tenant):
        return services.cti_secret_rotate(tenant=tenant).secret


def member_with_extension(tenant: Any, extension: str, role: str = "support") -> Client:
    user = make_member(tenant, role, email=f"ext{extension}@{tenant.slug}.example.com")
    with tenant_context(tenant):
        services.cti_extension_set(tenant=tenant, user_id=user.pk, extension=extension)
    client = Client()
    client.force_login(user)
    return client


def ring(secret: str, caller: str = "03-1234-5678", to: str = "201", call_id: str = "c-1") -> None:
    response = post_event(
        Client(),
        "alpha",
        secret,
        {"call_id": call_id, "from": caller, "to": to, "event": "ringing"},
    )
    assert response.status_code == 200


def test_the_pop_shows_the_contact_company_and_latest_three_entries(tenant, secret) -> None:
    from contacts.services import company_create

    agent = member_with_extension(tenant, "201")
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="山田商事")
    contact = make_contact(
        tenant, last_name="佐藤", first_name="花子", phone="03-1234-5678", company=company.pk
    )
    import datetime as dt

    from django.utils import timezone

    with tenant_context(tenant):
        for n in range(5):
            timeline_add(
                tenant=tenant,
                contact=contact,
                kind="note",
                occurred_at=timezone.now() - dt.timedelta(days=10 - n),
                subject=f"メモ{n}",
            )
    ring(secret)
    response = agent.get(POPS)
    assert response.status_code == 200
    pops = response.json()["pops"]
    assert len(pops) == 1 and pops[0]["contact"] == contact.pk
    html = pops[0]["html"]
    assert "佐藤 花子" in html and "山田商事" in html
    assert "メモ4" in html and "メモ3" in html and "メモ2" in html and "メモ1" not in html
    assert reverse("contacts:detail", kwargs={"contact_id": contact.pk}) in html
    assert 'href="tel:+81312345678"' in html


def test_the_pop_lists_the_other_contacts_with_the_same_number(tenant, secret) -> None:
    agent = member_with_extension(tenant, "201")
    make_contact(tenant, last_name="一郎", phone="03-1234-5678")
    make_contact(tenant, last_name="二郎", mobile="03-1234-5678")  # newest: the main match
    ring(secret)
    html = agent.get(POPS).json()["pops"][0]["html"]
    assert "二郎" in html and "一郎" in html and 'data-testid="cti-others"' in html


def test_only_the_ringing_extensions_member_sees_the_pop(tenant, secret) -> None:
    make_contact(tenant, last_name="佐藤", phone="03-1234-5678")
    ringing_agent = member_with_extension(tenant, "201")
    colleague = member_with_extension(tenant, "202")
    no_extension = Client()
    no_extension.force_login(make_member(tenant, "sales"))
    ring(secret, to="201")
    assert len(ringing_agent.get(POPS).json()["pops"]) == 1
    assert colleague.get(POPS).json()["pops"] == []
    assert no_extension.get(POPS).json()["pops"] == []


def test_another_tenants_member_with_the_same_extension_sees_nothing(
    tenant, other_tenant, secret, outsider_client, outsider
) -> None:
    member_with_extension(tenant, "201")
    with tenant_context(other_tenant):
        services.cti_extension_set(tenant=other_tenant, user_id=outsider.pk, extension="201")
    make_contact(tenant, last_name="佐藤", phone="03-1234-5678")
    ring(secret, to="201")
    body = outsider_client.get(POPS).content.decode()
    assert "佐藤" not in body and outsider_client.get(POPS).json()["pops"] == []


def test_a_member_of_two_tenants_sees_each_tenants_pops_only_in_that_tenant(
    tenant, other_tenant, secret, outsider
) -> None:
    from crm.core.services.tenants import membership_add

    membership_add(tenant=tenant, user=outsider, role="support")
    with tenant_context(tenant):
        services.cti_extension_set(tenant=tenant, user_id=outsider.pk, extension="201")
    make_contact(tenant, last_name="佐藤", phone="03-1234-5678")
    ring(secret)
    client = Client()
    client.force_login(outsider)
    session = client.session
    session["crm_tenant_id"] = other_tenant.pk  # working in tenant B
    session.save()
    assert client.get(POPS).json()["pops"] == []
    client.post(reverse("switch_tenant"), {"tenant_id": tenant.pk, "next": "/"})
    assert len(client.get(POPS).json()["pops"]) == 1


def test_an_api_key_sees_no_pops(tenant, secret, api_client) -> None:
    member_with_extension(tenant, "201")
    make_contact(tenant, phone="03-1234-5678")
    ring(secret)
    response = api_client.get(POPS)
    assert response.status_code == 200 and response.json()["pops"] == []


def test_logging_the_outcome_updates_the_calls_timeline_entry_and_closes_the_pop(
    tenant, secret
) -> None:
    agent = member_with_extension(tenant, "201")
    contact = make_contact(tenant, last_name="佐藤", phone="03-1234-5678")
    ring(secret)
    pop_id = agent.get(POPS).json()["pops"][0]["id"]
    response = agent.post(
        f"/api/v1/cti/pops/{pop_id}/outcome/",
        {"outcome": "connected", "body": "見積もりを送る"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    with tenant_context(tenant):
        entries = list(Interaction.objects.filter(contact=contact, kind="call"))
    assert len(entries) == 1
    assert entries[0].data["outcome"] == "connected" and entries[0].body == "見積もりを送る"
    assert agent.get(POPS).json()["pops"] == []


def test_a_bad_outcome_is_refused_with_a_field_message_and_nothing_changes(tenant, secret) -> None:
    agent = member_with_extension(tenant, "201")
    make_contact(tenant, phone="03-1234-5678")
    ring(secret)
    pop_id = agent.get(POPS).json()["pops"][0]["id"]
    response = agent.post(
        f"/api/v1/cti/pops/{pop_id}/outcome/",
        {"outcome": "great"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "outcome" in response.json()["error"]["fields"]
    with tenant_context(tenant):
        assert CtiCall.objects.get().outcome == ""
        assert Interaction.objects.get(kind="call").data["outcome"] == ""


def test_a_colleague_cannot_log_or_dismiss_someone_elses_pop(tenant, secret) -> None:
    member_with_extension(tenant, "201")
    colleague = member_with_extension(tenant, "202")
    make_contact(tenant, phone="03-1234-5678")
    ring(secret, to="201")
    with tenant_context(tenant):
        pop_id = CtiCall.objects.get().pk
    for action in ("outcome", "dismiss", "contact"):
        response = colleague.post(
            f"/api/v1/cti/pops/{pop_id}/{action}/",
            {"outcome": "connected"},
            content_type="application/json",
        )
        assert response.status_code == 404, action
    with tenant_context(tenant):
        call = CtiCall.objects.get()
    assert call.outcome == "" and call.dismissed_at is None


def test_an_unknown_caller_pop_offers_to_create_the_contact_with_the_number(tenant, secret) -> None:
    agent = member_with_extension(tenant, "201")
    ring(secret, caller="０６－９８７６－５４３２")
    pop = agent.get(POPS).json()["pops"][0]
    assert pop["contact"] is None and 'data-testid="cti-create"' in pop["html"]
    response = agent.post(f"/api/v1/cti/pops/{pop['id']}/contact/")
    assert response.status_code == 200
    with tenant_context(tenant):
        contact = Contact.objects.get()
        assert contact.phone == "+81698765432"
        assert Interaction.objects.filter(contact=contact, kind="call").count() == 1
    assert response.json()["edit_url"] == reverse(
        "contacts:edit", kwargs={"contact_id": contact.pk}
    )
    # The pop now offers the outcome buttons for the new contact.
    assert agent.get(POPS).json()["pops"][0]["contact"] == contact.pk


def test_dismissing_hides_the_pop(tenant, secret) -> None:
    agent = member_with_extension(tenant, "201")
    ring(secret)
    pop_id = agent.get(POPS).json()["pops"][0]["id"]
    assert agent.post(f"/api/v1/cti/pops/{pop_id}/dismiss/").status_code == 204
    assert agent.get(POPS).json()["pops"] == []


def test_a_contact_hidden_by_record_visibility_is_not_shown_in_the_pop(tenant, secret) -> None:
    from crm.core.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
    agent = member_with_extension(tenant, "201", role="sales")
    make_contact(tenant, last_name="秘密", phone="03-1234-5678")  # owned by nobody
    ring(secret)
    html = agent.get(POPS).json()["pops"][0]["html"]
    assert "秘密" not in html
    assert "cti-create" not in html  # the number is on file: no second record


def test_the_poller_script_is_on_pages_only_for_members_with_an_extension(
    tenant, member_client
) -> None:
    assert "js/cti.js" not in member_client.get("/contacts/").content.decode()
    agent = member_with_extension(tenant, "201")
    page = agent.get("/contacts/").content.decode()
    assert "js/cti.js" in page and 'data-pops-url="/api/v1/cti/pops/"' in page


def test_the_poll_endpoint_runs_a_fixed_number_of_queries(
    tenant, secret, django_assert_max_num_queries
) -> None:
    agent = member_with_extension(tenant, "201")
    for n in range(3):
        make_contact(tenant, last_name=f"客{n}", phone=f"03-1234-56{n}0")
        ring(secret, caller=f"03-1234-56{n}0", call_id=f"c-{n}")
    with django_assert_max_num_queries(20):
        assert len(agent.get(POPS).json()["pops"]) == 3
