from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from crm.core.customfields import CustomFieldErrors, clean_custom_fields

from ..models import Contact


class ContactSerializer(serializers.ModelSerializer):
    """`custom_fields` is an object keyed by the tenant's contact field keys. Keys sent are
    set (null clears), keys not sent keep their value; unknown keys are refused. Read back,
    every defined key is present (null when empty)."""

    custom_fields = serializers.JSONField(required=False)

    class Meta:
        model = Contact
        fields = [
            "id",
            "last_name",
            "first_name",
            "last_name_kana",
            "first_name_kana",
            "email",
            "phone",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def _definitions(self) -> list[Any]:
        return self.context["custom_field_definitions"]()

    def validate_custom_fields(self, value: Any) -> Any:
        try:
            clean_custom_fields(
                definitions=self._definitions(),
                data=value,
                existing=self.instance.custom_fields if self.instance is not None else None,
                creating=self.instance is None,
            )
        except CustomFieldErrors as exc:
            raise serializers.ValidationError(exc.by_key) from None
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        # The service merges and stores (and checks uniqueness in its transaction).
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "custom_fields" not in attrs:
            # Defaults and required fields apply to a new contact even when the object is
            # left out; the service reports what is missing.
            attrs["custom_fields"] = {}
        return attrs

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data = super().to_representation(instance)
        stored = instance.custom_fields or {}
        data["custom_fields"] = {d.key: stored.get(d.key) for d in self._definitions()}
        return data
