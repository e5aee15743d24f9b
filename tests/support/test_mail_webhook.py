"""The inbound-mail webhook: token auth, raw RFC 822 and multipart bodies, the same inbound
path as SMTP, clear 400s, and a token that only ever reaches its own tenant."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from support.mail import services
from support.mail.inbound import BAD_SENDER
from support.tickets.models import Ticket, TicketMessage
from tests.support.helpers import make_ticket
from tests.support.mail_helpers import DOMAIN, build_mail

pytestmark = pytest.mark.django_db
URL = "/api/v1/support/inbound-mail/"


@pytest.fixture(autouse=True)
def _domain(settings: Any) -> None:
    settings.SUPPORT_INBOUND_DOMAIN = DOMAIN


def _token(tenant: Any) -> str:
    with tenant_context(tenant):
        return services.webhook_token_regenerate(tenant=tenant)


def _post_raw(raw: bytes, token: str = "", query: str = "") -> Any:
    client = APIClient()
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.generic("POST", URL + query, raw, content_type="message/rfc822", **extra)


def _count(tenant: Any) -> int:
    with tenant_context(tenant):
        return Ticket.objects.filter(tenant=tenant).count()


def test_the_route_is_where_the_docs_say() -> None:
    assert reverse("support-inbound-mail") == URL


def test_without_a_token_it_answers_401(tenant: Any) -> None:
    response = _post_raw(build_mail().as_bytes())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "Bearer" in response.json()["error"]["message"]
    assert _count(tenant) == 0


@pytest.mark.parametrize("token", ["alpha.wrong", "nosuchtenant.abc", "garbage"])
def test_a_wrong_token_answers_401_and_stores_nothing(tenant: Any, token: str) -> None:
    _token(tenant)
    response = _post_raw(build_mail().as_bytes(), token)
    assert response.status_code == 401
    assert _count(tenant) == 0


def test_an_old_token_stops_working_when_regenerated(tenant: Any) -> None:
    old = _token(tenant)
    new = _token(tenant)
    assert _post_raw(build_mail().as_bytes(), old).status_code == 401
    assert _post_raw(build_mail().as_bytes(), new).status_code == 202


def test_a_raw_mail_opens_a_ticket_and_answers_202(tenant: Any) -> None:
    response = _post_raw(build_mail(message_id="<wh-1@example.jp>").as_bytes(), _token(tenant))
    assert response.status_code == 202
    body = response.json()
    with tenant_context(tenant):
        ticket = Ticket.objects.get(tenant=tenant)
    assert body["ticket"] == ticket.number and body["created"] is True
    assert body["duplicate"] is False


def test_the_token_also_works_as_a_query_parameter(tenant: Any) -> None:
    token = _token(tenant)
    response = _post_raw(build_mail().as_bytes(), query=f"?token={token}")
    assert response.status_code == 202


@pytest.mark.parametrize("field", ["email", "body-mime"])
def test_multipart_raw_mime_fields_are_accepted(tenant: Any, field: str) -> None:
    ticket = make_ticket(tenant)
    token = _token(tenant)
    raw = build_mail(subject="追記です").as_bytes()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        URL,
        {field: raw.decode(), "to": f"alpha+{ticket.mail_key}@{DOMAIN}"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    assert response.json()["ticket"] == ticket.number and response.json()["created"] is False
    upload = SimpleUploadedFile("mail.eml", raw.replace(b"Message-ID: <", b"Message-ID: <u"))
    response = client.post(URL, {field: upload}, format="multipart")
    assert response.status_code == 202


def test_the_same_mail_twice_is_one_message(tenant: Any) -> None:
    token = _token(tenant)
    raw = build_mail(message_id="<twice-wh@example.jp>").as_bytes()
    assert _post_raw(raw, token).json()["duplicate"] is False
    assert _post_raw(raw, token).json()["duplicate"] is True
    with tenant_context(tenant):
        assert TicketMessage.objects.filter(tenant=tenant).count() == 1


def test_a_mail_without_a_sender_answers_400_with_the_reason(tenant: Any) -> None:
    response = _post_raw(build_mail(sender="").as_bytes(), _token(tenant))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_sender"
    assert error["message"] == "sender address missing or unreadable"
    assert _count(tenant) == 0


def test_an_empty_body_answers_400(tenant: Any) -> None:
    response = _post_raw(b"", _token(tenant))
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_mail"


def test_the_400_speaks_the_callers_language(tenant: Any) -> None:
    client = APIClient()
    response = client.generic(
        "POST",
        URL,
        build_mail(sender="").as_bytes(),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {_token(tenant)}",
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    with translation.override("ja"):
        expected = gettext(BAD_SENDER)
    assert response.json()["error"]["message"] == expected


def test_tenant_as_token_cannot_post_into_tenant_b(tenant: Any, other_tenant: Any) -> None:
    theirs = make_ticket(other_tenant, requester_email="customer@example.jp")
    token_a = _token(tenant)
    # Addressed to B's plus address and carrying B's ticket token: it still lands in A,
    # as a new ticket, and B's ticket is untouched.
    raw = build_mail(
        to=f"beta+{theirs.mail_key}@{DOMAIN}", subject=f"Re: [#{theirs.number}] 請求書"
    ).as_bytes()
    response = _post_raw(raw, token_a)
    assert response.status_code == 202 and response.json()["created"] is True
    assert _count(tenant) == 1
    with tenant_context(other_tenant):
        assert TicketMessage.objects.filter(tenant=other_tenant, ticket=theirs).count() == 1
    # and B's own token is no key to A
    token_b = _token(other_tenant)
    assert _post_raw(build_mail(to=f"alpha@{DOMAIN}").as_bytes(), token_b).status_code == 202
    assert _count(tenant) == 1


def test_iso_2022_jp_mail_from_a_japanese_client_is_read(tenant: Any) -> None:
    from email.header import Header
    from email.mime.text import MIMEText

    msg = MIMEText("お世話になっております。\n請求書の件です。", "plain", "iso-2022-jp")
    msg["Subject"] = Header("請求書について", "iso-2022-jp")
    msg["From"] = Header("山田 太郎", "iso-2022-jp").encode() + " <yamada@example.jp>"
    msg["To"] = f"alpha@{DOMAIN}"
    msg["Message-ID"] = "<jis-1@example.jp>"
    assert _post_raw(msg.as_bytes(), _token(tenant)).status_code == 202
    with tenant_context(tenant):
        ticket = Ticket.objects.get(tenant=tenant)
        message = TicketMessage.objects.get(tenant=tenant, ticket=ticket)
    assert ticket.subject == "請求書について" and ticket.requester_name == "山田 太郎"
    assert message.body == "お世話になっております。\n請求書の件です。"
