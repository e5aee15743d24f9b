"""/api/v1/dashboards/ (the user's own dashboards, the widget catalogue, a widget's data) and
/api/v1/notifications/ (list, mark read). Thin doors into the same services and selectors as
the pages. Dashboards and notifications belong to a user: an API key acts as the user who
made it, with the key's role; a key made by no user has none."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..api.permissions import api_role
from ..http import TenantAPIMixin
from ..models import ApiKey, Membership
from ..models.notifications import Notification
from ..services import notifications as notification_services
from . import selectors, services, widgets_for
from .models import Dashboard


def api_actor(request: Request) -> tuple[Any, Membership | None, str | None]:
    """(user, membership, role) the request acts as. A session: the member. An API key: the
    user who made it, with the key's role (the membership is not saved)."""
    role = api_role(request)
    if isinstance(request.auth, ApiKey):
        key = request.auth
        if key.created_by_id is None:
            return None, None, role
        membership = (
            Membership.objects.filter(
                tenant_id=key.tenant_id, user_id=key.created_by_id, is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            return None, None, role
        membership.role = key.role
        return membership.user, membership, role
    return request.user, getattr(request._request, "membership", None), role


def _no_user() -> ValidationError:
    return ValidationError(
        _("This API key was made by no user, so it has no dashboards; use a key a user made.")
    )


class DashboardSerializer(serializers.ModelSerializer):
    layout = serializers.JSONField(
        required=False,
        help_text='Ordered widgets: [{"key": "sales.kpis", "size": "s"|"m"|"l"}]. '
        "Without it a new dashboard starts with the role's default widgets.",
    )

    class Meta:
        model = Dashboard
        fields = [
            "id",
            "name",
            "layout",
            "is_default",
            "published_to_team",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class WidgetSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=["list", "kpi", "chart"])
    size = serializers.ChoiceField(choices=["s", "m", "l"])
    data_url = serializers.CharField()


class WidgetDataSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    payload = serializers.JSONField(
        help_text="The widget's payload; its shape follows `kind` (see docs/dashboards.md)."
    )


class DashboardViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """The caller's own dashboards. `GET widgets/` is the catalogue of the widgets the
    caller's role may use; `GET widgets/<key>/data/` one widget's data for the caller."""

    serializer_class = DashboardSerializer
    perm_view = "app.use"
    perm_edit = "app.use"

    def get_queryset(self) -> QuerySet[Dashboard]:
        user, _membership, _role = api_actor(self.request)
        if user is None:
            return Dashboard.objects.none()
        return Dashboard.objects.filter(tenant=self.tenant, owner=user).order_by("id")

    def perform_create(self, serializer: Any) -> None:
        user, _membership, role = api_actor(self.request)
        if user is None:
            raise _no_user()
        data = serializer.validated_data
        dashboard = services.dashboard_create(
            tenant=self.tenant,
            user=user,
            role=role,
            name=data.get("name", ""),
            layout=data.get("layout"),
        )
        rest = {k: data[k] for k in ("published_to_team", "is_default") if data.get(k)}
        if rest:
            dashboard = services.dashboard_update(
                tenant=self.tenant, dashboard=dashboard, role=role, **rest
            )
        serializer.instance = dashboard

    def perform_update(self, serializer: Any) -> None:
        _user, _membership, role = api_actor(self.request)
        data = serializer.validated_data
        serializer.instance = services.dashboard_update(
            tenant=self.tenant,
            dashboard=serializer.instance,
            role=role,
            name=data.get("name"),
            layout=data.get("layout"),
            published_to_team=data.get("published_to_team"),
            is_default=data.get("is_default") or None,
        )

    def perform_destroy(self, instance: Dashboard) -> None:
        services.dashboard_delete(tenant=self.tenant, dashboard=instance)

    @extend_schema(responses=WidgetSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def widgets(self, request: Request) -> Response:
        """The widget catalogue: every registered widget the caller's role may use."""
        role = api_role(request)
        rows = [
            {
                "key": w.key,
                "title": str(w.title),
                "description": str(w.description),
                "kind": w.kind,
                "size": w.size,
                "data_url": reverse("dashboard-widget-data", kwargs={"key": w.key}),
            }
            for w in widgets_for(role)
        ]
        return Response(WidgetSerializer(rows, many=True).data)


class WidgetDataView(TenantAPIMixin, APIView):
    """One widget's data for the caller (the same payload the dashboard draws). 404 for an
    unknown widget or one the caller's role may not see; 500 with `error` when it fails."""

    perm_view = "app.use"
    perm_edit = "app.use"

    @extend_schema(
        responses=WidgetDataSerializer,
        parameters=[OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, key: str) -> Response:
        user, membership, role = api_actor(request)
        widget = selectors.visible_widget(key, role)
        if user is None:
            raise Http404
        ctx = selectors.widget_context(
            tenant=self.tenant, user=user, membership=membership, role=role
        )
        answer, ok = selectors.widget_payload(widget, ctx)
        return Response(answer, status=200 if ok else 500)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError(
                {"ids": [_('Send the ids to mark read, or "all": true.')]}
            )
        return attrs


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones.")]
    )
)
class NotificationViewSet(TenantAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first (cursor pages). `POST mark-read/` with
    {"ids": [...]} or {"all": true}."""

    serializer_class = NotificationSerializer
    perm_view = "app.use"
    perm_edit = "app.use"

    def get_queryset(self) -> QuerySet[Notification]:
        user, _membership, _role = api_actor(self.request)
        if user is None:
            return Notification.objects.none()
        qs = Notification.objects.filter(tenant=self.tenant, user=user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs.order_by("-id")

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user, _membership, _role = api_actor(request)
        if user is None:
            return Response({"marked": 0})
        marked = notification_services.mark_read(
            tenant=self.tenant,
            user=user,
            ids=None if body.validated_data.get("all") else body.validated_data["ids"],
        )
        return Response({"marked": marked})
