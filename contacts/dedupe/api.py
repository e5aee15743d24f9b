"""API for duplicates: GET /api/v1/contacts/duplicates/ (likely pairs) and
POST /api/v1/contacts/{id}/merge/ {"other": id, "choices": {...}} -> the survivor.
Registered before ContactViewSet in contacts/api/urls.py, so "duplicates" is not taken for
a contact id."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api.records import CustomFieldsViewMixin, api_errors, api_membership
from crm.core.models import ObjectType

from ..api.serializers import ContactSerializer
from ..models import Contact
from ..selectors import contact_list, visibility_filter
from . import selectors, services


class MergeSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        help_text="Id of the contact folded into this one (it is soft-deleted)."
    )
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=[services.SURVIVOR, services.OTHER]),
        required=False,
        default=dict,
        help_text=(
            "Field name (or custom_fields.<key>) -> 'survivor' or 'other'. Fields left out "
            "get the newer non-empty value. Tags are always the union of both."
        ),
    )


class PairContactSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")
    company = serializers.CharField(source="company.name", default=None)

    class Meta:
        model = Contact
        fields = ["id", "name", "email", "phone", "mobile", "company", "updated_at"]


class PairSerializer(serializers.Serializer):
    a = PairContactSerializer()
    b = PairContactSerializer()
    reasons = serializers.ListField(child=serializers.ChoiceField(list(selectors.REASONS)))
    score = serializers.IntegerField()


class ContactDedupeViewSet(CustomFieldsViewMixin, viewsets.GenericViewSet):
    """Likely duplicate contacts and merging them. Both need contacts.edit."""

    object_type = ObjectType.CONTACT
    serializer_class = ContactSerializer
    perm_view = "contacts.edit"
    perm_edit = "contacts.edit"

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list(tenant=self.tenant, membership=api_membership(self.request))

    @extend_schema(
        parameters=[
            OpenApiParameter("reason", str, enum=list(selectors.REASONS)),
            OpenApiParameter("before", str, description="The `next_before` of the last page."),
        ],
        responses=inline_serializer(
            "DuplicatePairPage",
            {"results": PairSerializer(many=True), "next_before": serializers.CharField()},
        ),
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request: Request) -> Response:
        """Likely duplicate pairs (a.id < b.id), newest first, each with its reasons
        (email, phone, name, kana) and a score; pairs marked not a duplicate are left out."""
        reason = request.query_params.get("reason", "")
        if reason and reason not in selectors.REASONS:
            raise serializers.ValidationError(
                {"reason": [f"Use one of: {', '.join(selectors.REASONS)}."]}
            )
        pairs, next_before = selectors.duplicate_pairs(
            tenant=self.tenant,
            membership=api_membership(request),
            before=request.query_params.get("before", ""),
            reason=reason,
        )
        return Response(
            {
                "results": PairSerializer(
                    [p for p in pairs if p.a is not None and p.b is not None], many=True
                ).data,
                "next_before": next_before,
            }
        )

    @extend_schema(request=MergeSerializer, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge contact `other` into this one; answers the surviving contact."""
        survivor = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = self._other(body.validated_data["other"])
        with api_errors():
            merged = services.contact_merge(
                tenant=self.tenant,
                actor=request.user,
                survivor=survivor,
                other=other,
                choices=body.validated_data["choices"],
            )
        merged = self.get_queryset().get(pk=merged.pk)
        return Response(self.get_serializer(merged).data)

    def _other(self, other_id: int) -> Contact:
        """The other contact, deleted ones included (so the service can say it was deleted);
        another tenant's or a hidden one is not found."""
        qs = Contact.objects.filter(tenant=self.tenant)
        rule = visibility_filter(self.tenant, api_membership(self.request))
        if rule is not None:
            qs = qs.filter(rule)
        found = qs.filter(pk=other_id).first()
        if found is None:
            raise Http404
        return found
