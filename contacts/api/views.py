from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from crm.core.customfields import FIELD_PREFIX, CustomFieldFilter, definitions_for
from crm.core.http import TenantAPIMixin
from crm.core.models import CustomFieldDefinition, ObjectType

from .. import selectors, services
from ..models import Contact
from .serializers import ContactSerializer


@contextmanager
def api_errors() -> Iterator[None]:
    """A service's ValidationError with custom field errors (`cf_<key>`) becomes the API's
    shape: {"custom_fields": {"<key>": [...]}}."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        fields: dict[str, Any] = {}
        for name, messages in exc.message_dict.items():
            if name.startswith(FIELD_PREFIX):
                fields.setdefault("custom_fields", {})[name.removeprefix(FIELD_PREFIX)] = messages
            else:
                fields[name] = messages
        raise serializers.ValidationError(fields) from None


class ContactViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Contacts. The list filters by `q` and by custom fields: `?cf_<key>=value` (equals;
    for multiple select: contains the option), `?cf_<key>__gte=` / `__lte=` for numbers and
    dates."""

    serializer_class = ContactSerializer
    perm_view = "contacts.view"
    perm_edit = "contacts.edit"
    required_perms = {"destroy": "contacts.delete"}

    def custom_field_definitions(self) -> list[CustomFieldDefinition]:
        loader: Callable[[], list[CustomFieldDefinition]] | None = getattr(self, "_cf_loader", None)
        if loader is None:
            tenant = self.tenant
            loader = cache(lambda: definitions_for(tenant=tenant, object_type=ObjectType.CONTACT))
            self._cf_loader = loader
        return loader()

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["custom_field_definitions"] = self.custom_field_definitions
        return context

    def get_queryset(self) -> QuerySet[Contact]:
        qs = selectors.contact_list(
            tenant=self.tenant,
            q=self.request.query_params.get("q", ""),
        )
        if self.action == "list":
            cf_filter = CustomFieldFilter(
                self.custom_field_definitions(), self.request.query_params
            )
            if cf_filter.errors:
                raise serializers.ValidationError(cf_filter.errors)
            qs = cf_filter.apply(qs)
        return qs

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.contact_create(
                tenant=self.tenant,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.contact_update(
                tenant=self.tenant,
                contact=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(
            tenant=self.tenant,
            contact=instance,
            actor=self.request.user,
        )
