"""What every record API (contacts, companies, deals, tickets…) shares: validation errors in
the standard shape, the requester's membership (session or API key) for record visibility,
and the custom-fields serializer and viewset mixins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

from ..customfields import (
    FIELD_PREFIX,
    CustomFieldErrors,
    CustomFieldFilter,
    clean_custom_fields,
    definitions_for,
)
from ..http import TenantAPIMixin
from ..models import ApiKey, CustomFieldDefinition, Membership


@contextmanager
def api_errors() -> Iterator[None]:
    """A service's ValidationError with custom field errors (`cf_<key>`) becomes the API's
    shape: {"custom_fields": {"<key>": [...]}}."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise serializers.ValidationError({"non_field_errors": exc.messages}) from None
        fields: dict[str, Any] = {}
        for name, messages in exc.message_dict.items():
            if name.startswith(FIELD_PREFIX):
                fields.setdefault("custom_fields", {})[name.removeprefix(FIELD_PREFIX)] = messages
            else:
                fields[name] = messages
        raise serializers.ValidationError(fields) from None


def api_membership(request: Request) -> Membership | None:
    """Whose visibility an API request has. A session: the member's. An API key: the
    membership of the user who made the key, acting with the key's role (not saved)."""
    if isinstance(request.auth, ApiKey):
        key = request.auth
        membership = (
            Membership.objects.filter(
                tenant_id=key.tenant_id, user_id=key.created_by_id, is_active=True
            ).first()
            if key.created_by_id is not None
            else None
        )
        if membership is None:
            membership = Membership(tenant_id=key.tenant_id, role=key.role)
        else:
            membership.role = key.role
        return membership
    return getattr(request._request, "membership", None)


class CustomFieldsViewMixin(TenantAPIMixin):
    object_type: str
    request: Any

    def custom_field_definitions(self) -> list[CustomFieldDefinition]:
        loader: Callable[[], list[CustomFieldDefinition]] | None = getattr(self, "_cf_loader", None)
        if loader is None:
            tenant, object_type = self.tenant, self.object_type
            loader = cache(lambda: definitions_for(tenant=tenant, object_type=object_type))
            self._cf_loader = loader
        return loader()

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())  # type: ignore[misc]
        context["custom_field_definitions"] = self.custom_field_definitions
        return context

    def _custom_field_filter(self, qs: QuerySet) -> QuerySet:
        cf_filter = CustomFieldFilter(self.custom_field_definitions(), self.request.query_params)
        if cf_filter.errors:
            raise serializers.ValidationError(cf_filter.errors)
        return cf_filter.apply(qs)


class CustomFieldsSerializerMixin:
    """`custom_fields` is an object keyed by the tenant's field keys. Keys sent are set
    (null clears), keys not sent keep their value; unknown keys are refused. Read back, every
    defined key is present (null when empty)."""

    context: dict[str, Any]
    instance: Any

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
            # Defaults and required fields apply to a new record even when the object is
            # left out; the service reports what is missing.
            attrs["custom_fields"] = {}
        return attrs

    def _with_custom_fields(self, data: dict[str, Any], instance: Any) -> dict[str, Any]:
        stored = instance.custom_fields or {}
        data["custom_fields"] = {d.key: stored.get(d.key) for d in self._definitions()}
        return data


# Field classes whose to_representation is the identity for what a model attribute holds
# (a bool for BooleanField, a choice key for ChoiceField, decoded JSON for JSONField), or a
# plain conversion. Exact classes only: a subclass may represent differently.
_IDENTITY_FIELDS: tuple[type, ...] = (
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.JSONField,
)


def _conversion(field: serializers.Field) -> Callable[[Any], Any] | None | bool:
    """How to turn a non-None attribute into its representation without DRF's per-field
    calls: None for as it is, a callable, or False when DRF's own path is needed."""
    kind = type(field)
    if kind in _IDENTITY_FIELDS and not getattr(field, "binary", False):
        return None
    if kind is serializers.CharField:
        return str
    if kind is serializers.IntegerField:
        return int
    if kind is serializers.ListField and type(field.child) is serializers.CharField:  # type: ignore[attr-defined]
        return lambda items: [None if item is None else str(item) for item in items]
    return False


class FastReadSerializerMixin:
    """The same representation as ModelSerializer.to_representation, built without DRF's two
    calls per field for the plain fields (a direct attribute read and a conversion), which
    are most of an API list's and an export's CPU per record (27 fields: ~60% of the
    serializer's time). Other fields (dates, method and custom fields) go through DRF as
    before. tests/contacts/test_api_fast_read.py compares both on varied records."""

    _readable_fields: Any

    def _read_plan(self) -> list[tuple[str, str, Any, Any]]:
        plan: list[tuple[str, str, Any, Any]] | None = getattr(self, "_fast_read_plan", None)
        if plan is None:
            plan = []
            for field in self._readable_fields:
                conversion = _conversion(field)
                if conversion is not False and len(field.source_attrs) == 1:
                    plan.append((field.field_name, field.source_attrs[0], conversion, None))
                else:
                    plan.append((field.field_name, "", None, field))
            self._fast_read_plan = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        from rest_framework.fields import SkipField
        from rest_framework.relations import PKOnlyObject

        ret: dict[str, Any] = {}
        for name, attr, conversion, field in self._read_plan():
            if field is None:
                value = getattr(instance, attr)
                ret[name] = value if value is None or conversion is None else conversion(value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret
