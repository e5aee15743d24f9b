"""The support mail settings page: admins only, clear errors, the token shown once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.mail import services
from support.mail.models import MailSettings
from tests.factories import make_member
from tests.support.helpers import make_ticket

pytestmark = pytest.mark.django_db
URL = "/support/settings/mail/"

VALID = {
    "support_address": "support@alpha.example.jp",
    "from_name": "Alpha サポート",
    "signature": "Alpha 株式会社",
    "auto_ack_enabled": "on",
    "auto_ack_subject_ja": "受付 #{{ticket.number}}",
    "auto_ack_body_ja": "{{contact.last_name}} 様",
    "auto_ack_subject_en": "Received #{{ticket.number}}",
    "auto_ack_body_en": "Dear {{contact.last_name}}",
    "max_attachment_mb": "5",
}


def test_the_url_name_is_the_one_the_menu_uses() -> None:
    assert reverse("support:mail_settings") == URL


def _outbox_rows(tenant: Any, n: int) -> None:
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        for i in range(n):
            services.mail_to_customer(
                tenant=tenant, ticket=ticket, subject=f"s{i}", body="b", kind="test"
            )


def test_an_admin_sees_the_defaults_and_the_inbound_address(
    member_client: Any, tenant: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.SUPPORT_INBOUND_DOMAIN = "inbound.localhost"
    _outbox_rows(tenant, 1)
    with django_assert_max_num_queries(12) as few:
        member_client.get(URL)
    _outbox_rows(tenant, 6)
    # the outbox table costs one query however many rows it shows
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = member_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "alpha@inbound.localhost" in html
    assert "/api/v1/support/inbound-mail/" in html
    assert 'data-testid="regenerate-token"' in html


def test_a_support_agent_may_not_open_it(tenant: Any) -> None:
    client = Client()
    client.force_login(make_member(tenant, Role.SUPPORT))
    assert client.get(URL).status_code == 403


def test_saving_valid_settings(member_client: Any, tenant: Any) -> None:
    response = member_client.post(URL, VALID)
    assert response.status_code == 302
    with tenant_context(tenant):
        row = MailSettings.objects.get(tenant=tenant)
    assert row.support_address == "support@alpha.example.jp" and row.max_attachment_mb == 5
    assert row.auto_ack_enabled


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("auto_ack_body_ja", "{{ticket.requester_email}} 様", "Unknown merge field"),
        ("auto_ack_subject_en", "{{ settings.SECRET_KEY }}", "Unknown merge field"),
        ("max_attachment_mb", "500", "between 1 and 40"),
        ("support_address", "not-an-address", "e-mail address"),
    ],
)
def test_bad_input_says_what_to_fix_and_stores_nothing(
    member_client: Any, tenant: Any, field: str, value: str, message: str
) -> None:
    response = member_client.post(URL, {**VALID, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'data-testid="error-{field}"' in html
    assert "Alpha サポート" in html  # what was typed is kept
    with tenant_context(tenant):
        assert not MailSettings.objects.filter(tenant=tenant).exists()


def test_acknowledgements_need_a_support_address(member_client: Any, tenant: Any) -> None:
    response = member_client.post(URL, {**VALID, "support_address": ""})
    assert response.status_code == 400
    assert "acknowledgements are sent from it" in response.content.decode()


def test_the_webhook_token_is_shown_once_and_only_its_hash_is_kept(
    member_client: Any, tenant: Any
) -> None:
    response = member_client.post(URL, {"action": "regenerate"})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="webhook-token"')
    token = html[html.rindex('value="', 0, start) + 7 :].split('"', 1)[0]
    assert token.startswith("alpha.")
    assert services.webhook_tenant(token=token) == tenant
    with tenant_context(tenant):
        row = MailSettings.objects.get(tenant=tenant)
    assert token not in (row.webhook_token_hash, row.webhook_token_hint)
    again = member_client.get(URL).content.decode()
    assert token not in again and f"…{token[-4:]}" in again
