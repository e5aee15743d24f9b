from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api.records import CustomFieldsViewMixin, api_errors, api_membership
from crm.core.models import ObjectType

from .. import selectors, services
from ..models import Company, Contact, InteractionKind
from .serializers import CompanySerializer, ContactSerializer, InteractionSerializer


def _timeline_kind(request: Request) -> str:
    kind = request.query_params.get("kind", "")
    if kind and kind not in InteractionKind.values:
        raise serializers.ValidationError(
            {"kind": [_("Use one of: %(kinds)s.") % {"kinds": ", ".join(InteractionKind.values)}]}
        )
    return kind


CONTACT_FILTERS = [
    OpenApiParameter("q", str, description="Search names, kana, e-mail, phone, company."),
    OpenApiParameter("email", str, description="Exact e-mail (case-insensitive)."),
    OpenApiParameter("phone", str, description="Phone or mobile, in any format."),
    OpenApiParameter("customer_code", str),
    OpenApiParameter(
        "owner", str, description="Owner's user id, `me` (the caller) or `unassigned`."
    ),
    OpenApiParameter(
        "lifecycle_stage",
        str,
        many=True,
        description="One or more of lead, prospect, customer, churned (repeat or comma-separate).",
    ),
    OpenApiParameter("tag", str, many=True, description="Has all of these tags."),
    OpenApiParameter("tag_any", str, many=True, description="Has at least one of these tags."),
    OpenApiParameter("company", int),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
    OpenApiParameter("name", str, description="Part of the name or kana (hiragana matches)."),
    OpenApiParameter("company_name", str, description="Part of the company's name or kana."),
    OpenApiParameter("prefecture", str, description="A prefecture, with or without 都/府/県."),
    OpenApiParameter("source", str, description="Part of the source."),
    OpenApiParameter("gender", str, enum=["male", "female", "other", "unspecified"]),
    *[
        OpenApiParameter(
            name,
            str,
            description="A date (2024-04-01, 2024/4/1, 令和6年4月1日); ranges are inclusive days.",
        )
        for name in (
            "created_from",
            "created_to",
            "last_activity_from",
            "last_activity_to",
            "birth_from",
            "birth_to",
        )
    ],
    *[OpenApiParameter(name, str, enum=["yes", "no"]) for name in selectors.FLAG_PARAMS],
    OpenApiParameter(
        "view",
        int,
        description="A saved view's id: its conditions, replaced key by key by any given here.",
    ),
]


@extend_schema_view(list=extend_schema(parameters=CONTACT_FILTERS))
class ContactViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Contacts. The list filters by `q`, `email`, `phone` (any format), `customer_code`,
    `owner` (id, `me`, `unassigned`), `lifecycle_stage` (several), `tag` (all of), `tag_any`,
    `company`, `updated_since`, `name`, `company_name`, `prefecture`, `source`, `gender`,
    date ranges `created_from`/`_to`, `last_activity_from`/`_to`, `birth_from`/`_to`,
    `do_not_email` / `do_not_call` / `do_not_mail` (yes/no), a saved view `view=<id>`, and
    by custom fields: `?cf_<key>=value` (equals; for multiple select: contains the option),
    `?cf_<key>__gte=` / `__lte=` for numbers and dates. DELETE is a soft delete (restorable
    for 30 days in the app). Which records a caller sees follows the tenant's record visibility."""

    serializer_class = ContactSerializer
    object_type = ObjectType.CONTACT
    perm_view = "contacts.view"
    perm_edit = "contacts.edit"
    required_perms = {"destroy": "contacts.delete", "restore": "contacts.delete"}

    def get_queryset(self) -> QuerySet[Contact]:
        membership = api_membership(self.request)
        if self.action == "restore":
            return selectors.deleted_contacts(tenant=self.tenant, membership=membership)
        if self.action != "list":
            return selectors.contact_list(tenant=self.tenant, membership=membership)
        filters = selectors.contact_filters(
            tenant=self.tenant,
            params=self.request.query_params,
            membership=membership,
            definitions=self.custom_field_definitions(),
        )
        errors = filters.all_errors()
        if errors:
            raise serializers.ValidationError(errors)
        return selectors.contact_list(tenant=self.tenant, membership=membership, filters=filters)

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.contact_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
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
        services.contact_soft_delete(tenant=self.tenant, contact=instance, actor=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=InteractionKind.values),
            OpenApiParameter("before", str, description="The `next_before` of the last page."),
        ],
        responses=InteractionSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """The contact's timeline, newest first."""
        contact = self.get_object()
        kind = _timeline_kind(request)
        entries, cursor = selectors.contact_timeline(
            tenant=self.tenant,
            contact=contact,
            kind=kind,
            before=request.query_params.get("before", ""),
        )
        return Response(
            {"results": InteractionSerializer(entries, many=True).data, "next_before": cursor}
        )

    @extend_schema(request=None, responses={200: ContactSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        """Bring back a deleted contact (within the 30 days). A contact that was merged into
        another is refused with 409, code `merged`, and `merged_into` (the survivor's id)."""
        contact = self.get_object()
        try:
            services.contact_restore(tenant=self.tenant, contact=contact, actor=request.user)
        except services.RestoreRefused as refusal:
            survivor = refusal.survivor
            return Response(
                {
                    "error": {
                        "code": "merged",
                        "message": refusal.messages[0],
                        "merged_into": survivor.pk if survivor is not None else None,
                    }
                },
                status=status.HTTP_409_CONFLICT,
            )
        restored = selectors.contact_list(tenant=self.tenant, membership=api_membership(request))
        return Response(self.get_serializer(restored.get(pk=contact.pk)).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, kana or corporate number."),
            OpenApiParameter("tag", str),
        ]
    )
)
class CompanyViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Companies. DELETE is a soft delete. Filters: `q`, `tag`, custom fields (`cf_<key>`)."""

    serializer_class = CompanySerializer
    object_type = ObjectType.COMPANY
    perm_view = "contacts.view"
    perm_edit = "contacts.edit"
    required_perms = {"destroy": "contacts.delete"}

    def get_queryset(self) -> QuerySet[Company]:
        params = self.request.query_params
        qs = selectors.company_list(
            tenant=self.tenant,
            membership=api_membership(self.request),
            q=params.get("q", "") if self.action == "list" else "",
            tag=params.get("tag", "") if self.action == "list" else "",
        )
        return self._custom_field_filter(qs) if self.action == "list" else qs

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.company_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.company_update(
                tenant=self.tenant,
                company=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Company) -> None:
        services.company_soft_delete(tenant=self.tenant, company=instance, actor=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=InteractionKind.values),
            OpenApiParameter("before", str, description="The `next_before` of the last page."),
        ],
        responses=InteractionSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """The company's timeline (its own entries and its contacts'), newest first."""
        company = self.get_object()
        kind = _timeline_kind(request)
        entries, cursor = selectors.company_timeline(
            tenant=self.tenant,
            company=company,
            membership=api_membership(request),
            kind=kind,
            before=request.query_params.get("before", ""),
        )
        return Response(
            {"results": InteractionSerializer(entries, many=True).data, "next_before": cursor}
        )


# Older names, still imported by code written before these moved to crm.core.api.records.
_CustomFieldsViewMixin = CustomFieldsViewMixin
__all__ = ["_CustomFieldsViewMixin", "api_errors", "api_membership"]
