"""Inbound mail from a new customer when contacts have a required custom field: a mail
cannot ask for that field, so the contact is created without it (the required rule is for
people editing in the app) and the inquiry is linked to it; the mail is never refused."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from contacts.models import Contact
from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition, ObjectType
from support.mail import services
from support.tickets.models import Ticket
from tests.support.mail_helpers import DOMAIN, build_mail, smtp_send

URL = "/api/v1/support/inbound-mail/"


def _required(tenant: Any) -> None:
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant, object_type=ObjectType.CONTACT, key="member_no", label="会員番号",
            field_type="text", required=True,
        )  # fmt: skip


def _ticket_and_contact(tenant: Any) -> tuple[Ticket, Contact]:
    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("contact").get(tenant=tenant)
        return ticket, Contact.objects.get(tenant=tenant)


@pytest.mark.django_db
def test_a_webhook_mail_from_a_new_customer_creates_the_contact(settings: Any, tenant) -> None:
    settings.SUPPORT_INBOUND_DOMAIN = DOMAIN
    _required(tenant)
    with tenant_context(tenant):
        token = services.webhook_token_regenerate(tenant=tenant)
    raw = build_mail(message_id="<req-1@example.jp>").as_bytes()
    response = APIClient().generic(
        "POST", URL, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 202
    ticket, contact = _ticket_and_contact(tenant)
    assert ticket.contact_id == contact.pk and contact.email == "customer@example.jp"
    assert contact.last_name == "山田" and "member_no" not in contact.custom_fields


@pytest.mark.django_db(transaction=True)
def test_an_smtp_mail_from_a_new_customer_creates_the_contact(tenant, inbound_smtp) -> None:
    _required(tenant)
    assert smtp_send(inbound_smtp, build_mail(message_id="<req-2@example.jp>")) == {}
    ticket, contact = _ticket_and_contact(tenant)
    assert ticket.contact_id == contact.pk and contact.source == "inquiry"


@pytest.mark.django_db
def test_an_auto_reply_still_creates_no_contact(settings: Any, tenant) -> None:
    settings.SUPPORT_INBOUND_DOMAIN = DOMAIN
    _required(tenant)
    with tenant_context(tenant):
        token = services.webhook_token_regenerate(tenant=tenant)
    raw = build_mail(headers={"Auto-Submitted": "auto-replied"}).as_bytes()
    response = APIClient().generic(
        "POST", URL, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 202
    with tenant_context(tenant):
        assert Ticket.objects.get(tenant=tenant).contact_id is None
        assert not Contact.objects.exists()
