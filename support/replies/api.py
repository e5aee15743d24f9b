"""REST API of support.replies: /api/v1/reply-templates/ (CRUD; a personal template exists
only for its owner, others get 404), /api/v1/reply-templates/<id>/render/?ticket=<id> →
{"text"}, and /api/v1/tickets/<id>/similar/ → past resolved inquiries like it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.core.api.records import api_errors, api_membership
from crm.core.http import TenantAPIMixin
from crm.core.models import User
from support.tickets.models import TicketCategory

from . import merge, selectors, services
from .models import ReplyTemplate, TemplateScope


def _person(request: Request) -> User | None:
    """The session's user, or the user who made the API key (personal templates are theirs)."""
    if isinstance(request.user, User):
        return request.user
    membership = api_membership(request)
    if membership is None or membership.user_id is None:
        return None
    return User.objects.filter(pk=membership.user_id).first()


class ReplyTemplateSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=TicketCategory.all_tenants.none(), required=False, allow_null=True
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    scope = serializers.ChoiceField(choices=TemplateScope.choices, required=False)

    class Meta:
        model = ReplyTemplate
        fields = [
            "id",
            "name",
            "body",
            "scope",
            "owner",
            "category",
            "shortcut",
            "usage_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "usage_count", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"allow_blank": True},
            "body": {"allow_blank": True, "help_text": merge.allowed_fields_text()},
            "shortcut": {"required": False, "allow_blank": True},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        if tenant is not None:
            self.fields["category"].queryset = TicketCategory.objects.filter(tenant=tenant)  # type: ignore[attr-defined]


class RenderSerializer(serializers.Serializer):
    text = serializers.CharField()


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="ticket.pk")
    number = serializers.IntegerField(source="ticket.number")
    subject = serializers.CharField(source="ticket.subject")
    status = serializers.CharField(source="ticket.status")
    resolved_at = serializers.DateTimeField(source="ticket.resolved_at", allow_null=True)
    score = serializers.FloatField()
    answer = serializers.CharField()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words in the name or text."),
            OpenApiParameter("scope", str, enum=["shared", "personal"]),
        ]
    )
)
class ReplyTemplateViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Reply templates (回答テンプレート). Shared ones are seen by everyone in support and
    changed by support.edit holders; personal ones (`scope: personal`) belong to the person
    who made them (for an API key, the user who made the key) and are 404 to others.
    `body` is plain text with merge fields; an unknown field is refused with the list of
    allowed ones."""

    serializer_class = ReplyTemplateSerializer
    perm_view = "support.view"
    perm_edit = "support.edit"
    required_perms = {"render": "support.view"}

    def get_serializer_context(self) -> dict[str, Any]:
        # No tenant while the OpenAPI schema is generated (no request behind the view).
        tenant = getattr(getattr(self.request, "_request", None), "tenant", None)
        return {**super().get_serializer_context(), "tenant": tenant}

    def get_queryset(self) -> QuerySet[ReplyTemplate]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema generator
            return ReplyTemplate.all_tenants.none()
        params = self.request.query_params
        if self.action == "list":
            return selectors.template_search(
                tenant=self.tenant,
                user=_person(self.request),
                q=params.get("q", ""),
                scope=params.get("scope", ""),
            )
        return selectors.visible_templates(tenant=self.tenant, user=_person(self.request))

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        with api_errors():
            serializer.instance = services.template_create(
                tenant=self.tenant, actor=_person(self.request), **data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.template_update(
                tenant=self.tenant,
                template=serializer.instance,
                actor=_person(self.request),
                **dict(serializer.validated_data),
            )

    def perform_destroy(self, instance: ReplyTemplate) -> None:
        services.template_delete(tenant=self.tenant, template=instance, actor=_person(self.request))

    @extend_schema(
        parameters=[OpenApiParameter("ticket", int, required=True, description="A ticket id.")],
        responses=RenderSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def render(self, request: Request, pk: str | None = None) -> Response:
        """The template's text filled for the ticket and the caller (as the agent)."""
        template = self.get_object()
        ticket_id = request.query_params.get("ticket", "")
        if not ticket_id.isdigit():
            raise serializers.ValidationError({"ticket": [_("Give the ticket id (?ticket=<id>).")]})
        ticket = selectors.ticket_get(tenant=self.tenant, ticket_id=ticket_id)
        text = services.template_render(
            tenant=self.tenant, template=template, ticket=ticket, agent=_person(request)
        )
        return Response({"text": text})


class TicketSimilarView(TenantAPIMixin, APIView):
    """Up to five past resolved/closed inquiries most like this one (subject and body,
    Japanese-aware), each with its last reply."""

    perm_view = "support.view"
    perm_edit = "support.view"

    @extend_schema(responses=SimilarSerializer(many=True))
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = selectors.ticket_get(tenant=self.tenant, ticket_id=ticket_id)
        rows = selectors.similar_tickets(tenant=self.tenant, ticket=ticket)
        return Response(SimilarSerializer(rows, many=True).data)
