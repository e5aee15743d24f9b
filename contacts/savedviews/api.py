"""API for saved views: /api/v1/contacts/views/ (list: the caller's own and the shared ones;
create; retrieve; update / partial update / delete: own views only, anybody else's is 404).
Apply one to the contact list with /api/v1/contacts/?view=<id>."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from crm.core.api.records import api_errors, api_membership
from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import SavedView


class SavedViewSerializer(serializers.ModelSerializer):
    params = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        required=False,
        default=dict,
        help_text=(
            "The contact list's query parameters, each a list of values: "
            '{"lifecycle_stage": ["lead", "prospect"], "tag": ["展示会"], '
            '"created_from": ["2024-04-01"], "cf_rank": ["gold"]}.'
        ),
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "name", "params", "is_shared", "owner", "is_mine"]
        fields += ["created_at", "updated_at"]
        read_only_fields = ["id", "owner", "is_mine", "created_at", "updated_at"]
        extra_kwargs: dict[str, Any] = {
            "name": {"validators": []}
        }  # uniqueness: the service's message

    def get_is_mine(self, view: SavedView) -> bool:
        return view.owner_id == self.context.get("user_id")


class SavedViewViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Named contact list conditions. Everyone who can see contacts can keep views; only the
    owner changes or deletes one."""

    serializer_class = SavedViewSerializer
    perm_view = "contacts.view"
    perm_edit = "contacts.view"
    pagination_class = None  # a member's views are a short, named list

    def _user_id(self) -> int | None:
        membership = api_membership(self.request)
        return membership.user_id if membership is not None else None

    def get_queryset(self) -> QuerySet[SavedView]:
        user_id = self._user_id()
        if self.action in ("list", "retrieve"):
            return selectors.saved_views_for(tenant=self.tenant, user_id=user_id)
        if user_id is None:
            return SavedView.objects.none()
        return SavedView.objects.filter(tenant=self.tenant, owner_id=user_id)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["user_id"] = self._user_id()
        return context

    def perform_create(self, serializer: Any) -> None:
        membership = api_membership(self.request)
        owner = membership.user if membership is not None and membership.user_id else None
        with api_errors():
            serializer.instance = services.saved_view_create(
                tenant=self.tenant,
                owner=owner,
                name=serializer.validated_data["name"],
                params=serializer.validated_data.get("params", {}),
                is_shared=serializer.validated_data.get("is_shared", False),
                membership=membership,
                actor=self.request.user,
            )

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        with api_errors():
            serializer.instance = services.saved_view_update(
                tenant=self.tenant,
                view=serializer.instance,
                name=data.get("name"),
                params=data.get("params") if "params" in self.request.data else None,
                is_shared=data.get("is_shared"),
                membership=api_membership(self.request),
                actor=self.request.user,
            )

    def perform_destroy(self, instance: SavedView) -> None:
        services.saved_view_delete(tenant=self.tenant, view=instance, actor=self.request.user)
