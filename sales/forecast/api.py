"""REST API for targets and the forecast under /api/v1/: thin doors into the same selectors
and services as the pages, with the caller's record visibility (an API key acts as the member
who made it, with the key's role)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.api.views import api_errors, api_membership
from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import SalesTarget


class MonthField(serializers.CharField):
    """A month as "YYYY-MM" (a date's day is ignored)."""

    def to_internal_value(self, data: Any) -> dt.date:  # type: ignore[override]
        text = str(data or "").strip()
        month = selectors.parse_month(text[:7] if len(text) == 10 else text)
        if month is None:
            raise serializers.ValidationError(_("Give the month like 2026-04."))
        return month

    def to_representation(self, value: Any) -> str:
        return f"{value:%Y-%m}"


class TargetSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    month = MonthField(help_text="2026-04")
    amount = serializers.DecimalField(max_digits=16, decimal_places=0, min_value=Decimal(0))
    set_by = serializers.IntegerField(source="set_by_id", read_only=True, allow_null=True)

    class Meta:
        model = SalesTarget
        fields = ["id", "user", "month", "amount", "set_by", "updated_at"]
        read_only_fields = ["id", "set_by", "updated_at"]


class TargetAmountSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=0, min_value=Decimal(0))


class BulkEntrySerializer(serializers.Serializer):
    user = serializers.IntegerField()
    month = serializers.CharField(max_length=10)
    amount = serializers.CharField(allow_blank=True, allow_null=True, max_length=40)


class BulkTargetsSerializer(serializers.Serializer):
    targets = serializers.ListField(child=BulkEntrySerializer(), max_length=5000)


class BulkResultSerializer(serializers.Serializer):
    saved = serializers.IntegerField()
    cleared = serializers.IntegerField()
    unchanged = serializers.IntegerField()


TARGET_FILTERS = [
    OpenApiParameter("month", str, description="Targets of this month: 2026-04."),
    OpenApiParameter("from", str, description="From this month on: 2026-04."),
    OpenApiParameter("to", str, description="Up to this month: 2027-03."),
    OpenApiParameter("user", int),
]


@extend_schema_view(list=extend_schema(parameters=TARGET_FILTERS))
class TargetViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly sales targets (JPY) per person. Managers set their team's, admins everyone's.
    POST creates or replaces the target of (user, month); `POST /targets/bulk/` saves many at
    once (an empty amount removes one), all or nothing."""

    serializer_class = TargetSerializer
    perm_view = "sales.view"
    perm_edit = "sales.targets"

    def get_queryset(self) -> QuerySet[SalesTarget]:
        params = self.request.query_params if self.action == "list" else {}
        return selectors.target_list(
            tenant=self.tenant, membership=api_membership(self.request), params=params
        )

    def _save(self, entries: list[dict[str, Any]]) -> services.TargetsSaved:
        with api_errors():
            return services.targets_set(
                tenant=self.tenant,
                membership=api_membership(self.request),
                entries=entries,
                actor=self.request.user,
            )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        self._save([{"user": data["user_id"], "month": data["month"], "amount": data["amount"]}])
        serializer.instance = SalesTarget.objects.get(
            tenant=self.tenant, user_id=data["user_id"], month=data["month"]
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        body = TargetAmountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._save([{"user": target.user_id, "month": target.month, **body.validated_data}])
        target.refresh_from_db()
        return Response(self.get_serializer(target).data)

    def perform_destroy(self, instance: SalesTarget) -> None:
        self._save([{"user": instance.user_id, "month": instance.month, "amount": None}])

    @extend_schema(request=BulkTargetsSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Saves many targets at once: {"targets": [{"user", "month", "amount"}]}. One bad
        entry refuses all, with a message per entry keyed t_<user>_<YYYY-MM>."""
        body = BulkTargetsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = self._save(list(body.validated_data["targets"]))
        return Response(BulkResultSerializer(result.__dict__).data)


# --- the forecast ---------------------------------------------------------------------------
class CellSerializer(serializers.Serializer):
    target = serializers.IntegerField(allow_null=True)
    won = serializers.IntegerField()
    committed = serializers.IntegerField()
    best_case = serializers.IntegerField()
    pipeline = serializers.IntegerField()
    attainment = serializers.FloatField(allow_null=True, help_text="won / target in %")
    not_converted = serializers.IntegerField(help_text="deals in other currencies left out")


class MonthCellSerializer(CellSerializer):
    month = serializers.CharField()


class OwnerForecastSerializer(serializers.Serializer):
    owner = serializers.IntegerField(allow_null=True, help_text="null: deals without an owner")
    name = serializers.CharField()
    months = MonthCellSerializer(many=True)
    total = CellSerializer()


class ForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    best_case_min_probability = serializers.IntegerField()
    months = serializers.ListField(child=serializers.CharField())
    scope = serializers.DictField(child=serializers.CharField())
    totals = MonthCellSerializer(many=True)
    total = CellSerializer()
    owners = OwnerForecastSerializer(many=True)
    not_converted = serializers.IntegerField()


FORECAST_PARAMS = [
    OpenApiParameter("from", str, description="First month: 2026-04."),
    OpenApiParameter("to", str, description="Last month: 2026-06."),
    OpenApiParameter("months", int, description="Number of months from `from` (default 3)."),
    OpenApiParameter("period", str, description="quarter (default), next3 or fy."),
    OpenApiParameter("fiscal_start", int, description="First month of the fiscal year (4)."),
    OpenApiParameter("owner", str, description="One person: a user id or `me`."),
    OpenApiParameter("team", int, description="A manager's team: the manager's user id."),
    OpenApiParameter("scope", str, description="me, team or all (by role if not given)."),
]


def _query_or_400(view: Any, params: Any) -> selectors.ForecastQuery:
    query = selectors.forecast_query(
        tenant=view.tenant, membership=api_membership(view.request), params=params
    )
    if query.errors:
        raise serializers.ValidationError(query.errors)
    return query


class ForecastView(TenantAPIMixin, APIView):
    """Won, committed, best case, pipeline, target and attainment per month and per owner:
    the figures of the forecast page. Only JPY is summed; `not_converted` counts the rest."""

    perm_view = "sales.view"
    perm_edit = "sales.view"

    @extend_schema(parameters=FORECAST_PARAMS, responses=ForecastSerializer)
    def get(self, request: Request) -> Response:
        query = _query_or_400(self, request.query_params)
        membership = api_membership(request)
        result = selectors.forecast(tenant=self.tenant, membership=membership, query=query)
        if query.errors:  # an owner or team outside the caller's visibility
            raise serializers.ValidationError(query.errors)
        return Response(ForecastSerializer(result.as_json()).data)


class DrillDealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    stage = serializers.IntegerField(source="stage_id")
    stage_kind = serializers.CharField(source="stage.kind")
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    probability = serializers.IntegerField(source="effective_probability")
    probability_overridden = serializers.SerializerMethodField()
    weighted_amount = serializers.DecimalField(source="weighted", max_digits=20, decimal_places=2)
    expected_close_date = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_probability_overridden(self, deal: Any) -> bool:
        return deal.probability is not None


class DrillDownSerializer(serializers.Serializer):
    figure = serializers.CharField()
    month = serializers.CharField(allow_null=True)
    owner = serializers.CharField(allow_blank=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="JPY only")
    count = serializers.IntegerField()
    not_converted = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    results = DrillDealSerializer(many=True)


class ForecastDealsView(TenantAPIMixin, APIView):
    """The deals behind one figure: ?figure=won|committed|best_case|pipeline, ?month= (or the
    range's from/to), ?owner= a user id or `none` (deals without an owner). Newest first,
    50 a page; `next` carries ?before=<id>. `total` equals the forecast's figure."""

    perm_view = "sales.view"
    perm_edit = "sales.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("figure", str, description="won, committed, best_case or pipeline."),
            OpenApiParameter("month", str, description="2026-04; without it the whole range."),
            *FORECAST_PARAMS,
            OpenApiParameter("before", int, description="Keyset: deals with a smaller id."),
        ],
        responses=DrillDownSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params.copy()
        owner_row = str(params.get("owner", "") or "").strip()
        if owner_row == selectors.UNASSIGNED:
            params.pop("owner")
        elif owner_row == "me":
            owner_row = str(getattr(api_membership(request), "user_id", "") or "")
        query = _query_or_400(self, params)
        params["owner_row"] = owner_row
        from .views import parse_drill

        figure, month, owner, before, errors = parse_drill(params, query)
        if errors:
            raise serializers.ValidationError(errors)
        result = selectors.drill_down(
            tenant=self.tenant,
            membership=api_membership(request),
            query=query,
            figure=figure,
            month=month,
            owner=owner,
            before=before,
        )
        if query.errors:
            raise serializers.ValidationError(query.errors)
        next_url = None
        if result.next_before is not None:
            kept = {k: v for k, v in request.query_params.items() if k != "before"}
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**kept, 'before': result.next_before})}"
            )
        body = {
            "figure": figure,
            "month": f"{month:%Y-%m}" if month else None,
            "owner": owner,
            "total": result.total,
            "count": result.count,
            "not_converted": result.not_converted,
            "next": next_url,
            "results": result.deals,
        }
        return Response(DrillDownSerializer(body).data)
