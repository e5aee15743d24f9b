"""/api/v1/suppliers/, products/, stock-movements/, orders/: thin doors into the services.
Tenant-scoped querysets, so another tenant's id is 404."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import (
    MovementKind,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Product,
    StockMovement,
    Supplier,
    TaxRate,
)


@contextmanager
def api_errors() -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.message_dict) from None
        raise serializers.ValidationError({"non_field_errors": exc.messages}) from None


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "name_kana",
            "contact_person",
            "email",
            "phone",
            "postal_code",
            "prefecture",
            "address",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductSerializer(serializers.ModelSerializer):
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.all_tenants.none(), allow_null=True, required=False
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "category",
            "unit_price",
            "tax_rate",
            "cost",
            "stock_on_hand",
            "reorder_level",
            "supplier",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "stock_on_hand", "created_at", "updated_at"]
        validators: list[Any] = []  # (tenant, code) is checked by the service

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        if tenant is not None:
            self.fields["supplier"].queryset = Supplier.objects.filter(  # type: ignore[attr-defined]
                tenant=tenant, deleted_at__isnull=True
            )


class StockMovementSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.all_tenants.none())
    kind = serializers.ChoiceField(choices=MovementKind.choices)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "product",
            "kind",
            "quantity",
            "stock_after",
            "reason",
            "order",
            "actor",
            "created_at",
        ]
        read_only_fields = ["id", "stock_after", "order", "actor", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        if tenant is not None:
            self.fields["product"].queryset = Product.objects.filter(  # type: ignore[attr-defined]
                tenant=tenant, deleted_at__isnull=True
            )


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    tax_rate = serializers.ChoiceField(choices=TaxRate.choices, required=False)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "unit_price", "discount", "tax_rate", "amount"]
        read_only_fields = ["amount"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    channel = serializers.ChoiceField(choices=OrderChannel.choices, required=False)
    order_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    order_date = serializers.DateField(required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "order_number",
            "contact",
            "company",
            "deal",
            "order_date",
            "status",
            "channel",
            "subtotal",
            "tax_total",
            "total",
            "tax_breakdown",
            "notes",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "deal",
            "subtotal",
            "tax_total",
            "total",
            "tax_breakdown",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        if tenant is not None:
            from contacts.selectors import company_list, contact_list

            self.fields["contact"].queryset = contact_list(tenant=tenant, visible=False)  # type: ignore[attr-defined]
            self.fields["company"].queryset = company_list(  # type: ignore[attr-defined]
                tenant=tenant, membership=self.context.get("membership")
            )


class OrderUpdateSerializer(OrderSerializer):
    class Meta(OrderSerializer.Meta):
        read_only_fields = [
            *OrderSerializer.Meta.read_only_fields,
            "order_number",
            "status",
            "lines",
        ]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class _Base(TenantAPIMixin):
    perm_view = "sales.view"
    perm_edit = "sales.edit"

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())  # type: ignore[misc]
        context["tenant"] = self.tenant
        context["membership"] = getattr(self.request._request, "membership", None)
        return context


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("q", str)]))
class SupplierViewSet(_Base, viewsets.ModelViewSet):
    """Suppliers (仕入先). DELETE is a soft delete."""

    serializer_class = SupplierSerializer

    def get_queryset(self) -> QuerySet[Supplier]:
        return selectors.supplier_list(tenant=self.tenant, q=self.request.query_params.get("q", ""))

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.supplier_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.supplier_update(
                tenant=self.tenant,
                supplier=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Supplier) -> None:
        services.supplier_soft_delete(
            tenant=self.tenant, supplier=instance, actor=self.request.user
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Code prefix or part of the name."),
            OpenApiParameter("category", str),
            OpenApiParameter("low_stock", bool, description="At or below the reorder level."),
        ]
    )
)
class ProductViewSet(_Base, viewsets.ModelViewSet):
    """Products. `stock_on_hand` is read-only: POST /api/v1/stock-movements/ changes it.
    DELETE is a soft delete (past orders keep the product)."""

    serializer_class = ProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        params = self.request.query_params
        return selectors.product_list(
            tenant=self.tenant,
            q=params.get("q", ""),
            category=params.get("category", ""),
            low_stock=params.get("low_stock", "") in ("1", "true", "yes"),
        )

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.product_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.product_update(
                tenant=self.tenant,
                product=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Product) -> None:
        services.product_soft_delete(tenant=self.tenant, product=instance, actor=self.request.user)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("product", int)]))
class StockMovementViewSet(
    _Base, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Stock movements: in (+), out (−), adjust (signed, needs a reason). Below zero is
    refused (400) unless the tenant allows it; then the response has `warnings`."""

    serializer_class = StockMovementSerializer

    def get_queryset(self) -> QuerySet[StockMovement]:
        qs = selectors.stock_movements(tenant=self.tenant)
        product = self.request.query_params.get("product", "")
        return qs.filter(product_id=int(product)) if product.isdigit() else qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with api_errors():
            result = services.stock_move(
                tenant=self.tenant,
                product=data["product"],
                kind=data["kind"],
                quantity=data["quantity"],
                reason=data.get("reason", ""),
                actor=request.user,
            )
        body = dict(self.get_serializer(result.movements[0]).data)
        body["warnings"] = result.warnings
        return Response(body, status=201)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=OrderStatus.values),
            OpenApiParameter("channel", str, enum=OrderChannel.values),
            OpenApiParameter("date_from", str),
            OpenApiParameter("date_to", str),
            OpenApiParameter("contact", int),
            OpenApiParameter("company", int),
            OpenApiParameter("q", str, description="Order number prefix."),
        ]
    )
)
class OrderViewSet(_Base, viewsets.ModelViewSet):
    """Orders. POST with `lines` [{product, quantity, unit_price?, discount?, tax_rate?}];
    totals are computed (tax per rate per order, rounded down). Lines are fixed after
    creation; PATCH changes the header. POST …/status/ {status} moves it (stock follows).
    DELETE only for draft or cancelled orders."""

    serializer_class = OrderSerializer

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return OrderUpdateSerializer
        if self.action == "set_status":
            return StatusSerializer
        return OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        qs = selectors.order_list(
            tenant=self.tenant, filters=selectors.order_filters(self.request.query_params)
        )
        return qs.prefetch_related("lines")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data["lines"] = [
            {**{k: v for k, v in line.items() if k != "product_id"}, "product": line["product_id"]}
            for line in data.get("lines", [])
        ]
        with api_errors():
            serializer.instance = services.order_create(
                tenant=self.tenant, actor=self.request.user, **data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.order_update(
                tenant=self.tenant,
                order=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: Order) -> None:
        with api_errors():
            services.order_delete(tenant=self.tenant, order=instance, actor=self.request.user)

    @extend_schema(request=StatusSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with api_errors():
            result = services.order_set_status(
                tenant=self.tenant,
                order=order,
                status=serializer.validated_data["status"],
                actor=request.user,
            )
        order = self.get_queryset().get(pk=order.pk)
        body = dict(OrderSerializer(order, context=self.get_serializer_context()).data)
        body["warnings"] = result.warnings
        return Response(body)
