"""/api/v1/custom-fields/: the tenant's custom field definitions.

The serializer only shapes input; every rule about a definition lives in the service
(crm/core/services/customfields.py), whose field errors come back as a 400 in the standard
error format."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from .. import customfields as cf
from ..http import TenantAPIMixin
from ..models import CustomFieldDefinition, FieldType, ObjectType
from ..services import customfields as services


@extend_schema_field({"type": "string", "nullable": True, "example": "10"})
class BoundField(serializers.Field):
    """min / max: a number ("12.5", 10) or, for date fields, a date ("2024-04-01").
    Read back as a string (or null)."""

    def to_internal_value(self, data: Any) -> Any:
        if data is None or isinstance(data, bool) or not isinstance(data, str | int | float):
            if data is None:
                return None
            raise serializers.ValidationError(
                _("Send a number, or a date such as 2024-04-01 for date fields.")
            )
        return str(data)

    def to_representation(self, value: Any) -> Any:
        return value  # replaced per definition in the serializer


class CustomFieldDefinitionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    object_type = serializers.ChoiceField(choices=ObjectType.choices)
    key = serializers.CharField(max_length=63, help_text="Lowercase slug, e.g. membership_rank.")
    label = serializers.CharField(max_length=100, help_text="Label in Japanese.")  # type: ignore[assignment]
    label_en = serializers.CharField(max_length=100, required=False, allow_blank=True)
    field_type = serializers.ChoiceField(choices=FieldType.choices)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    unique = serializers.BooleanField(required=False)
    choices = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False
    )
    min = BoundField(required=False, allow_null=True)
    max = BoundField(required=False, allow_null=True)
    regex = serializers.CharField(max_length=300, required=False, allow_blank=True)
    error_message = serializers.CharField(max_length=200, required=False, allow_blank=True)
    error_message_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    default = serializers.JSONField(required=False, allow_null=True)
    order = serializers.IntegerField(required=False, min_value=0)

    def to_representation(self, instance: CustomFieldDefinition) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["min"] = cf.bound_display(instance, instance.min)
        data["max"] = cf.bound_display(instance, instance.max)
        return data


class CustomFieldDefinitionViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Custom field definitions. Filter the list with `?object_type=contact`.

    Renaming `key` or deleting a field rewrites the stored values in the background.
    `object_type` and `field_type` cannot change after creation."""

    serializer_class = CustomFieldDefinitionSerializer
    perm_view = "customfields.view"
    perm_edit = "customfields.manage"

    def get_queryset(self) -> QuerySet[CustomFieldDefinition]:
        qs = CustomFieldDefinition.objects.filter(tenant=self.tenant)
        object_type = self.request.query_params.get("object_type")
        if object_type:
            qs = qs.filter(object_type=object_type)
        return qs

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.customfield_create(
            tenant=self.tenant, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.customfield_update(
            tenant=self.tenant,
            definition=serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: CustomFieldDefinition) -> None:
        services.customfield_delete(
            tenant=self.tenant, definition=instance, actor=self.request.user
        )
