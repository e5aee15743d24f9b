"""REST API for CSAT under /api/v1/csat-surveys/: the rating requests (one per resolution)
with their rating and comment, filterable by rated/ticket/agent/category and period, and
`GET /api/v1/csat-surveys/summary/` (the analytics' CSAT figures for a period). Read-only:
customers rate through the public link, never through an API key."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.http import TenantAPIMixin

from .models import CsatRequest

FILTERS = [
    OpenApiParameter("rated", OpenApiTypes.BOOL, description="only rated (true) / unrated"),
    OpenApiParameter("ticket", OpenApiTypes.INT),
    OpenApiParameter("agent", OpenApiTypes.INT),
    OpenApiParameter("category", OpenApiTypes.INT),
]
PERIOD = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="default: 30 days before end"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="default: today (tenant's zone)"),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("category", OpenApiTypes.INT),
    OpenApiParameter("team", OpenApiTypes.INT),
]


class CsatSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket_id", read_only=True)
    ticket_number = serializers.IntegerField(source="ticket.number", read_only=True)
    agent = serializers.IntegerField(source="agent_id", read_only=True, allow_null=True)
    category = serializers.IntegerField(source="category_id", read_only=True, allow_null=True)

    class Meta:
        model = CsatRequest
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "agent",
            "category",
            "language",
            "resolved_at",
            "created_at",
            "expires_at",
            "rating",
            "comment",
            "rated_at",
        ]
        read_only_fields = fields


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise serializers.ValidationError({"detail": "send ids as numbers"})
    return int(text)


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class CsatViewSet(
    TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Satisfaction surveys (CSAT): one per resolution of an inquiry."""

    serializer_class = CsatSerializer
    perm_view = "support.view"
    perm_edit = "support.edit"

    def get_queryset(self) -> QuerySet[CsatRequest]:
        qs = CsatRequest.objects.filter(tenant=self.tenant).select_related("ticket")
        if self.action != "list":
            return qs
        params = self.request.query_params
        rated = str(params.get("rated") or "").lower()
        if rated in ("true", "1"):
            qs = qs.filter(rated_at__isnull=False)
        elif rated in ("false", "0"):
            qs = qs.filter(rated_at__isnull=True)
        for name, column in (("ticket", "ticket_id"), ("agent", "agent_id")):
            value = _int(params.get(name))
            if value is not None:
                qs = qs.filter(**{column: value})
        category = _int(params.get("category"))
        if category is not None:
            qs = qs.filter(category_id=category)
        return qs

    @extend_schema(parameters=PERIOD, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """Average, distribution, response rate, per agent and category, latest comments."""
        from support.insights import selectors

        filters = selectors.insights_filters(tenant=self.tenant, params=request.query_params)
        if filters.errors:
            raise serializers.ValidationError(filters.errors)
        data = selectors.csat(tenant=self.tenant, filters=filters)
        return Response({**data, "start": filters.start, "end": filters.end})
