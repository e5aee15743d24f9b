"""FastReadSerializerMixin (crm.core.api.records) must represent a record exactly as DRF's
ModelSerializer.to_representation does: compared on contacts and companies with every kind
of value, empty ones included, in the tenant's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from contacts.api.serializers import CompanySerializer, ContactSerializer
from contacts.models import Company, Contact
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.customfields import definitions_for
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


def drf_representation(serializer: Any, instance: Any) -> dict[str, Any]:
    """What DRF's generic path gives, custom fields added the same way."""
    data = serializers.ModelSerializer.to_representation(serializer, instance)
    return serializer._with_custom_fields(data, instance)


def test_contacts_and_companies_read_as_drf_reads_them(tenant) -> None:
    rep = make_member(tenant)
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="contact", key="memo", label="メモ", field_type="text"
        )
        company = company_create(
            tenant=tenant, name="青空商事", name_kana="あおぞらしょうじ", phone="03-1234-5678"
        )
        company_create(tenant=tenant, name="空欄株式会社")
    make_contact(
        tenant,
        last_name="佐藤",
        first_name="花子",
        last_name_kana="さとう",
        company=company.pk,
        email="Hanako@Example.JP",
        phone="0312345678",
        mobile="090-1234-5678",
        postal_code="1000001",
        birth_date="令和2年1月2日",
        gender="female",
        lifecycle_stage="customer",
        customer_code="C-001",
        owner=rep.pk,
        tags=["VIP", "展示会"],
        do_not_email=True,
        custom_fields={"memo": "=1+1"},
    )
    make_contact(tenant, last_name="鈴木", first_name="")
    make_contact(tenant, last_name="Smith", phone="+1 202 555 0123", tags=[])
    with tenant_context(tenant), timezone.override(tenant.zone):
        Contact.objects.filter(last_name="鈴木").update(
            updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        )
        contacts = list(Contact.objects.select_related("company").order_by("id"))
        companies = list(Company.objects.order_by("id"))
        context = {
            "custom_field_definitions": lambda: definitions_for(
                tenant=tenant, object_type="contact"
            )
        }
        fast = ContactSerializer(contacts, many=True, context=context).data
        child = ContactSerializer(context=context)
        assert [dict(row) for row in fast] == [drf_representation(child, c) for c in contacts]
        company_context = {
            "custom_field_definitions": lambda: definitions_for(
                tenant=tenant, object_type="company"
            )
        }
        fast_companies = CompanySerializer(companies, many=True, context=company_context).data
        company_child = CompanySerializer(context=company_context)
        assert [dict(row) for row in fast_companies] == [
            drf_representation(company_child, c) for c in companies
        ]
    first = fast[0]
    assert first["company"] == {"id": company.pk, "name": "青空商事"}
    assert first["tags"] == ["VIP", "展示会"]
    assert first["owner"] == rep.pk
    assert first["do_not_email"] is True
    assert first["phone_display"] == "03-1234-5678"
    assert first["custom_fields"] == {"memo": "=1+1"}
    assert fast[1]["company"] is None and fast[1]["owner"] is None
