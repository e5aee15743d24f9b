"""REST API for pipelines (with their stages), stages and deals, under /api/v1/. Thin doors
into the same services and selectors as the pages; tenant scoping and record visibility come
from the selectors, so another tenant's id answers 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api.records import (
    CustomFieldsSerializerMixin,
    CustomFieldsViewMixin,
    api_errors,
    api_membership,
)
from crm.core.models import ObjectType
from sales.catalog.models import DealLine, TaxRate

from . import selectors, services
from .models import Deal, Pipeline, Stage


class StageSerializer(serializers.ModelSerializer):
    pipeline = serializers.IntegerField(source="pipeline_id", read_only=True)
    pipeline_id = serializers.IntegerField(write_only=True, required=False)
    stale_after_days = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class Meta:
        model = Stage
        fields = [
            "id",
            "pipeline",
            "pipeline_id",
            "name",
            "name_en",
            "position",
            "probability",
            "kind",
            "stale_after_days",
        ]
        read_only_fields = ["id", "position"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "position", "is_default", "stages", "created_at"]
        read_only_fields = ["id", "position", "stages", "created_at"]


class ContactIdsField(serializers.ListField):
    """The deal's contact ids (read from the prefetched links; written as a list of ids)."""

    def get_attribute(self, instance: Any) -> Any:
        return [link.contact_id for link in instance.deal_contacts.all()]


class DealLineSerializer(serializers.Serializer):
    """One product on a deal. Price and tax rate default to the product's."""

    product = serializers.IntegerField(source="product_id", help_text="Product id.")
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=Decimal(0)
    )
    tax_rate = serializers.ChoiceField(
        choices=TaxRate.choices, required=False, allow_blank=True, default=""
    )

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        values["product"] = values.pop("product_id")
        return values


class DealSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    pipeline = serializers.IntegerField(source="pipeline_id", required=False)
    stage = serializers.IntegerField(source="stage_id", required=False)
    company = serializers.IntegerField(source="company_id", required=False, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", required=False, allow_null=True)
    contacts = ContactIdsField(child=serializers.IntegerField(), required=False)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    custom_fields = serializers.JSONField(required=False)
    weighted_amount = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "pipeline",
            "stage",
            "company",
            "contacts",
            "owner",
            "amount",
            "currency",
            "expected_close_date",
            "probability",
            "weighted_amount",
            "source",
            "lost_reason",
            "next_step",
            "tags",
            "custom_fields",
            "stage_entered_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "stage_entered_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]

    def get_weighted_amount(self, instance: Deal) -> str:
        probability = (
            instance.probability if instance.probability is not None else instance.stage.probability
        )
        return str((instance.amount * probability / 100).quantize(instance.amount))

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        for name in ("pipeline", "stage", "company", "owner"):
            if f"{name}_id" in attrs:  # the services take the plain names
                attrs[name] = attrs.pop(f"{name}_id")
        return attrs

    def to_representation(self, instance: Deal) -> dict[str, Any]:
        return self._with_custom_fields(super().to_representation(instance), instance)


class MoveStageSerializer(serializers.Serializer):
    stage = serializers.IntegerField()
    lost_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PipelineViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Pipelines with their stages in order. A pipeline that has deals is not deleted."""

    serializer_class = PipelineSerializer
    object_type = ObjectType.DEAL
    perm_view = "sales.view"
    perm_edit = "settings.manage"

    def get_queryset(self) -> QuerySet[Pipeline]:
        stages = Stage.objects.filter(tenant=self.tenant).order_by("position", "id")
        return (
            Pipeline.objects.filter(tenant=self.tenant)
            .prefetch_related(Prefetch("stages", queryset=stages))
            .order_by("position", "id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.pipeline_default(tenant=self.tenant)  # first use creates the default
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.pipeline_create(
                tenant=self.tenant,
                actor=self.request.user,
                name=serializer.validated_data.get("name", ""),
                with_default_stages=self.request.query_params.get("default_stages") == "1",
            )

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        with api_errors():
            serializer.instance = services.pipeline_update(
                tenant=self.tenant,
                pipeline=serializer.instance,
                actor=self.request.user,
                name=data.get("name"),
                is_default=data.get("is_default"),
            )

    def perform_destroy(self, instance: Pipeline) -> None:
        with api_errors():
            services.pipeline_delete(tenant=self.tenant, pipeline=instance, actor=self.request.user)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("pipeline", int)]))
class StageViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Stages. Create with `pipeline_id`; order with `POST /pipelines/<id>/reorder/`. A stage
    that holds deals is not deleted."""

    serializer_class = StageSerializer
    object_type = ObjectType.DEAL
    perm_view = "sales.view"
    perm_edit = "settings.manage"

    def get_queryset(self) -> QuerySet[Stage]:
        qs = Stage.objects.filter(tenant=self.tenant).order_by("pipeline_id", "position", "id")
        pipeline = self.request.query_params.get("pipeline", "")
        if self.action == "list" and pipeline.isdigit():
            qs = qs.filter(pipeline_id=int(pipeline))
        return qs

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        pipeline_id = data.pop("pipeline_id", None)
        pipeline = Pipeline.objects.filter(tenant=self.tenant, pk=pipeline_id).first()
        if pipeline is None:
            raise serializers.ValidationError(
                {"pipeline_id": [_("Send the id of one of your pipelines.")]}
            )
        with api_errors():
            serializer.instance = services.stage_create(
                tenant=self.tenant, pipeline=pipeline, actor=self.request.user, **data
            )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("pipeline_id", None)
        with api_errors():
            serializer.instance = services.stage_update(
                tenant=self.tenant, stage=serializer.instance, actor=self.request.user, **data
            )

    def perform_destroy(self, instance: Stage) -> None:
        with api_errors():
            services.stage_delete(tenant=self.tenant, stage=instance, actor=self.request.user)


DEAL_FILTERS = [
    OpenApiParameter("pipeline", int),
    OpenApiParameter("stage", int),
    OpenApiParameter("owner", str, description="A user id, `me` or `unassigned`."),
    OpenApiParameter("close_month", str, description="Expected close in this month: 2026-03."),
    OpenApiParameter("tag", str),
    OpenApiParameter("q", str, description="Part of the deal name."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
]


@extend_schema_view(list=extend_schema(parameters=DEAL_FILTERS))
class DealViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Deals. Filters: `pipeline`, `stage`, `owner` (id, `me`, `unassigned`), `close_month`
    (YYYY-MM), `tag`, `q`, `updated_since`, custom fields (`cf_<key>`). The stage changes only
    through `POST /deals/<id>/move-stage/` {stage, lost_reason}. DELETE is a soft delete."""

    serializer_class = DealSerializer
    object_type = ObjectType.DEAL
    perm_view = "sales.view"
    perm_edit = "sales.edit"

    def get_queryset(self) -> QuerySet[Deal]:
        membership = api_membership(self.request)
        filters = None
        if self.action == "list":
            filters = selectors.deal_filters(params=self.request.query_params)
            if filters.errors:
                raise serializers.ValidationError(filters.errors)
        qs = selectors.deal_list(tenant=self.tenant, membership=membership, filters=filters)
        qs = qs.prefetch_related("deal_contacts")
        return self._custom_field_filter(qs) if self.action == "list" else qs

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.deal_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        for name in ("pipeline", "stage"):
            value = data.pop(name, None)
            current = getattr(serializer.instance, f"{name}_id")
            if value is not None and value != current:
                raise serializers.ValidationError(
                    {name: [_("Change the stage with POST /api/v1/deals/<id>/move-stage/.")]}
                )
        with api_errors():
            serializer.instance = services.deal_update(
                tenant=self.tenant, deal=serializer.instance, actor=self.request.user, **data
            )

    def perform_destroy(self, instance: Deal) -> None:
        services.deal_soft_delete(tenant=self.tenant, deal=instance, actor=self.request.user)

    @extend_schema(request=MoveStageSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"], url_path="move-stage")
    def move_stage(self, request: Request, pk: str | None = None) -> Response:
        """Move the deal to another stage of its pipeline (`lost_reason` needed for lost)."""
        deal = self.get_object()
        body = MoveStageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with api_errors():
            services.deal_move_stage(
                tenant=self.tenant,
                deal=deal,
                stage=body.validated_data["stage"],
                actor=request.user,
                lost_reason=body.validated_data.get("lost_reason", ""),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=deal.pk)).data)

    @extend_schema(
        methods=["GET"], responses=DealLineSerializer(many=True), summary="The deal's line items"
    )
    @extend_schema(
        methods=["PUT"],
        request=DealLineSerializer(many=True),
        responses=DealLineSerializer(many=True),
        summary="Replace the deal's line items",
    )
    @action(detail=True, methods=["get", "put"], url_path="lines")
    def lines(self, request: Request, pk: str | None = None) -> Response:
        """GET: the line items. PUT: a list of {product, quantity, unit_price?, discount?,
        tax_rate?} replaces them all (an empty list removes them; the deal's amount becomes
        the lines' total before tax). A won deal's lines cannot change."""
        from sales.catalog.services import deal_lines_set

        deal = self.get_object()
        if request.method == "PUT":
            body = DealLineSerializer(data=request.data, many=True)
            body.is_valid(raise_exception=True)
            with api_errors():
                deal_lines_set(
                    tenant=self.tenant,
                    deal=deal,
                    actor=request.user,
                    lines=[dict(row) for row in body.validated_data],
                )
        rows = DealLine.objects.filter(tenant=self.tenant, deal=deal).select_related("product")
        return Response(DealLineSerializer(rows.order_by("position", "id"), many=True).data)
