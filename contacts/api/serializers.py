from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.core.api.records import CustomFieldsSerializerMixin, FastReadSerializerMixin
from crm.core.normalize import format_phone

from ..models import Company, Contact, Interaction

# Values people type ('０３-１２３４-５６７８', 'Yamada@Example.JP ', '令和6年1月2日') are taken
# as text here and normalized by the service, whose messages come back per field.


def _loose(max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=False
    )


@extend_schema_field(OpenApiTypes.DATE)
class LooseDateField(serializers.Field):
    """Reads any date spelling the normalizer accepts; writes YYYY-MM-DD."""

    def to_internal_value(self, data: Any) -> Any:
        if data is None:
            return None
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Send the date as text, like 2024-01-02."))
        return data

    def to_representation(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        "description": "Read: {id, name}. Write: the company id (or null).",
    }
)
class CompanyRefField(serializers.Field):
    def to_internal_value(self, data: Any) -> Any:
        if data in (None, ""):
            return None
        if isinstance(data, dict):
            data = data.get("id")
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            raise serializers.ValidationError(_("Send the company id as a number."))
        return int(data)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else {"id": value.pk, "name": value.name}

    def get_attribute(self, instance: Any) -> Any:
        return instance.company


class ContactSerializer(
    FastReadSerializerMixin, CustomFieldsSerializerMixin, serializers.ModelSerializer
):
    company = CompanyRefField(required=False, allow_null=True)
    email = _loose(254)
    phone = _loose(40)
    mobile = _loose(40)
    postal_code = _loose(20)
    prefecture = _loose(10)
    birth_date = LooseDateField(required=False, allow_null=True)
    customer_code = _loose(50)
    owner = serializers.IntegerField(required=False, allow_null=True, source="owner_id")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    phone_display = serializers.SerializerMethodField()
    custom_fields = serializers.JSONField(required=False)

    class Meta:
        model = Contact
        fields = [
            "id",
            "last_name",
            "first_name",
            "last_name_kana",
            "first_name_kana",
            "company",
            "department",
            "title",
            "email",
            "phone",
            "phone_display",
            "mobile",
            "postal_code",
            "prefecture",
            "address",
            "birth_date",
            "gender",
            "lifecycle_stage",
            "source",
            "customer_code",
            "owner",
            "tags",
            "do_not_email",
            "do_not_call",
            "do_not_mail",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_phone_display(self, instance: Contact) -> str:
        return format_phone(instance.phone)

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        if "owner_id" in attrs:  # the service takes `owner`
            attrs["owner"] = attrs.pop("owner_id")
        return attrs

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        return self._with_custom_fields(super().to_representation(instance), instance)


class CompanySerializer(
    FastReadSerializerMixin, CustomFieldsSerializerMixin, serializers.ModelSerializer
):
    phone = _loose(40)
    postal_code = _loose(20)
    prefecture = _loose(10)
    corporate_number = _loose(20)
    website = _loose(200)
    owner = serializers.IntegerField(required=False, allow_null=True, source="owner_id")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    phone_display = serializers.SerializerMethodField()
    custom_fields = serializers.JSONField(required=False)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "name_kana",
            "corporate_number",
            "industry",
            "size",
            "postal_code",
            "prefecture",
            "address",
            "phone",
            "phone_display",
            "website",
            "owner",
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_phone_display(self, instance: Company) -> str:
        return format_phone(instance.phone)

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        if "owner_id" in attrs:
            attrs["owner"] = attrs.pop("owner_id")
        return attrs

    def to_representation(self, instance: Company) -> dict[str, Any]:
        return self._with_custom_fields(super().to_representation(instance), instance)


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = [
            "id",
            "contact",
            "company",
            "kind",
            "occurred_at",
            "subject",
            "body",
            "data",
            "actor",
            "ref_type",
            "ref_id",
            "created_at",
        ]
        read_only_fields = fields


# The older name (moved to crm.core.api.records).
_CustomFieldsMixin = CustomFieldsSerializerMixin
