"""REST API for tickets under /api/v1/: tickets (the queue's filters, cursor pages, create,
partial update through ticket_update, custom fields), a ticket's messages, categories (CRUD
for admins) and teams (read). Thin doors into the same services and selectors as the pages:
another tenant's id answers 404, an id of another tenant in a body answers 400."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api.records import (
    CustomFieldsSerializerMixin,
    CustomFieldsViewMixin,
    api_errors,
    api_membership,
)
from crm.core.http import TenantAPIMixin
from crm.core.models import Membership, ObjectType

from . import selectors, services
from .models import (
    Channel,
    MessageKind,
    Priority,
    Status,
    SupportTeam,
    SupportTeamMember,
    Ticket,
    TicketCategory,
    TicketMessage,
)

RELATED = ("category", "team", "assignee", "contact", "order", "deal")


class TicketSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.IntegerField(source="category_id", required=False, allow_null=True)
    team = serializers.IntegerField(source="team_id", required=False, allow_null=True)
    assignee = serializers.IntegerField(source="assignee_id", required=False, allow_null=True)
    contact = serializers.IntegerField(source="contact_id", required=False, allow_null=True)
    company = serializers.IntegerField(source="company_id", read_only=True)
    order = serializers.IntegerField(source="order_id", required=False, allow_null=True)
    deal = serializers.IntegerField(source="deal_id", required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    custom_fields = serializers.JSONField(required=False)
    body = serializers.CharField(required=False, allow_blank=True)
    requester_email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    locked_by = serializers.IntegerField(source="locked_by_id", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "body",
            "channel",
            "status",
            "priority",
            "category",
            "team",
            "assignee",
            "contact",
            "company",
            "order",
            "deal",
            "tags",
            "custom_fields",
            "requester_email",
            "requester_name",
            "language",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "first_response_due_at",
            "resolution_due_at",
            "sla_due_at",
            "locked_by",
            "locked_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "language",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "first_response_due_at",
            "resolution_due_at",
            "sla_due_at",
            "locked_at",
        ]

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        for name in RELATED:
            if f"{name}_id" in attrs:
                attrs[name] = attrs.pop(f"{name}_id")
        return attrs

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        return self._with_custom_fields(super().to_representation(instance), instance)


def _resolve(tenant: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a body become this tenant's objects; an unknown id (or another tenant's) is a
    400 on that field, before anything is written."""
    from contacts.models import Contact
    from sales.catalog.models import Order
    from sales.deals.models import Deal

    models: dict[str, Any] = {
        "category": TicketCategory,
        "team": SupportTeam,
        "contact": Contact,
        "order": Order,
        "deal": Deal,
    }
    errors: dict[str, list[str]] = {}
    out = dict(data)
    for name, model in models.items():
        if out.get(name) is None:
            continue
        found = model.objects.filter(tenant=tenant, pk=out[name]).first()
        if found is None:
            errors[name] = [
                _("There is no %(field)s with id %(id)s.") % {"field": name, "id": out[name]}
            ]
        out[name] = found
    if out.get("assignee") is not None:
        membership = (
            Membership.objects.filter(tenant=tenant, user_id=out["assignee"], is_active=True)
            .select_related("user")
            .first()
        )
        if membership is None:
            errors["assignee"] = [
                _("User %(id)s is not a member of this account.") % {"id": out["assignee"]}
            ]
        out["assignee"] = getattr(membership, "user", None)
    if errors:
        raise serializers.ValidationError(errors)
    return out


QUEUE_PARAMS = [
    OpenApiParameter("view", str, enum=list(selectors.VIEWS), description="Default `all`."),
    OpenApiParameter("status", str, enum=list(Status.values)),
    OpenApiParameter("priority", str, enum=list(Priority.values)),
    OpenApiParameter("category", int, description="A category id (its children included)."),
    OpenApiParameter("team", int),
    OpenApiParameter("assignee", str, description="A user id or `none`."),
    OpenApiParameter("channel", str, enum=list(Channel.values)),
    OpenApiParameter("tag", str),
    OpenApiParameter("q", str, description="`#123`, subject words or the requester's e-mail."),
]


class MessageSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=[(k, k) for k in (MessageKind.REPLY, MessageKind.NOTE, MessageKind.CUSTOMER)]
    )
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    author = serializers.IntegerField(source="author_id", read_only=True)
    mentions = serializers.ListField(child=serializers.IntegerField(), required=False)
    set_status = serializers.ChoiceField(choices=Status.choices, required=False, write_only=True)

    class Meta:
        model = TicketMessage
        fields = [
            "id",
            "kind",
            "body",
            "author",
            "from_address",
            "to_address",
            "message_id",
            "in_reply_to",
            "is_auto",
            "mentions",
            "set_status",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "from_address",
            "to_address",
            "message_id",
            "in_reply_to",
            "is_auto",
            "created_at",
        ]

    def to_representation(self, instance: TicketMessage) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["kind"] = instance.kind
        return data


class ConversationPagination(CursorPagination):
    """A ticket's messages oldest first, keyset on id."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_view(list=extend_schema(parameters=QUEUE_PARAMS))
class TicketViewSet(CustomFieldsViewMixin, viewsets.ModelViewSet):
    """Inquiries. Filters as the queue: `view` (mine, unassigned, breaching, open, all, done),
    `status`, `priority`, `category` (with its children), `team`, `assignee` (id or `none`),
    `channel`, `tag`, `q`, custom fields (`cf_<key>`). Newest first, cursor pages (`next`).
    PATCH changes fields through the same service as the pages (history, SLA hooks).
    `GET/POST /tickets/<id>/messages/`: the conversation; post a reply, an internal note
    (`mentions`: user ids) or a customer message, optionally with `set_status`."""

    serializer_class = TicketSerializer
    object_type = ObjectType.TICKET
    perm_view = "support.view"
    perm_edit = "support.edit"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Ticket]:
        membership = api_membership(self.request)
        if self.action == "list":
            params = self.request.query_params
            view = params.get("view") or "all"
            if view not in selectors.VIEWS:
                known = ", ".join(selectors.VIEWS)
                raise serializers.ValidationError(
                    {"view": [_("Use one of: %(values)s.") % {"values": known}]}
                )
            filters = selectors.queue_filters(params=params)
            if filters.errors:
                raise serializers.ValidationError(filters.errors)
            qs = selectors.view_queryset(tenant=self.tenant, membership=membership, view=view)
            qs = selectors.apply_filters(tenant=self.tenant, qs=qs, filters=filters)
            return self._custom_field_filter(qs)
        return Ticket.objects.filter(tenant=self.tenant)

    def perform_create(self, serializer: Any) -> None:
        data = _resolve(self.tenant, dict(serializer.validated_data))
        if not str(data.get("subject") or "").strip():
            raise serializers.ValidationError({"subject": [_("Enter a subject.")]})
        with api_errors():
            serializer.instance = services.ticket_create(
                tenant=self.tenant,
                actor=self.request.user,
                subject=data.pop("subject"),
                body=data.pop("body", ""),
                channel=data.pop("channel", Channel.API),
                contact=data.pop("contact", None),
                requester_email=data.pop("requester_email", ""),
                requester_name=data.pop("requester_name", ""),
                **data,
            )

    def perform_update(self, serializer: Any) -> None:
        data = _resolve(self.tenant, dict(serializer.validated_data))
        for name in ("body", "channel", "requester_email", "requester_name"):
            if name in data:
                raise serializers.ValidationError(
                    {name: [_("This field is set when the inquiry opens and cannot be changed.")]}
                )
        with api_errors():
            serializer.instance = services.ticket_update(
                tenant=self.tenant, ticket=serializer.instance, actor=self.request.user, **data
            )

    @extend_schema(request=MessageSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["get", "post"], url_path="messages")
    def messages(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        if request.method == "GET":
            qs = TicketMessage.objects.filter(tenant=self.tenant, ticket=ticket)
            paginator = ConversationPagination()
            page = paginator.paginate_queryset(qs, request, view=self)
            return paginator.get_paginated_response(MessageSerializer(page, many=True).data)
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with api_errors():
            message = services.ticket_message_post(
                tenant=self.tenant,
                ticket=ticket,
                actor=request.user,
                kind=data["kind"],
                body=data["body"],
                mention_ids=data.get("mentions") or [],
                set_status=data.get("set_status", ""),
            )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="parent_id", required=False, allow_null=True
    )
    name_ja = serializers.CharField(max_length=100, allow_blank=True)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = TicketCategory
        fields = ["id", "parent", "name_ja", "name_en", "position", "is_active"]
        read_only_fields = ["id", "position"]


class CategoryViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Inquiry categories (nested by `parent`). Admins change them; deleting one that is in
    use or has children answers 400 — deactivate it instead (`is_active: false`)."""

    serializer_class = CategorySerializer
    perm_view = "support.view"
    perm_edit = "settings.manage"
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[TicketCategory]:
        return TicketCategory.objects.filter(tenant=self.tenant).order_by("position", "id")

    def _parent(self, data: dict[str, Any]) -> Any:
        parent_id = data.pop("parent_id", None)
        if parent_id is None:
            return None
        found = TicketCategory.objects.filter(tenant=self.tenant, pk=parent_id).first()
        if found is None:
            raise serializers.ValidationError(
                {"parent": [_("There is no category with id %(id)s.") % {"id": parent_id}]}
            )
        return found

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        parent = self._parent(data)
        with api_errors():
            serializer.instance = services.category_create(
                tenant=self.tenant,
                name_ja=data.get("name_ja", ""),
                name_en=data.get("name_en", ""),
                parent=parent,
                actor=self.request.user,
            )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        kwargs: dict[str, Any] = {
            k: data[k] for k in ("name_ja", "name_en", "is_active") if k in data
        }
        if "parent_id" in data:
            kwargs["parent"] = self._parent(data)
        with api_errors():
            serializer.instance = services.category_update(
                tenant=self.tenant, category=serializer.instance, **kwargs
            )

    def perform_destroy(self, instance: TicketCategory) -> None:
        with api_errors():
            services.category_delete(tenant=self.tenant, category=instance, actor=self.request.user)


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = SupportTeam
        fields = ["id", "name", "email", "members"]

    def get_members(self, instance: SupportTeam) -> list[int]:
        return [m.user_id for m in instance.members.all()]


class TeamViewSet(
    TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Support teams with their members' user ids (read only; admins edit them on the
    categories and teams page)."""

    serializer_class = TeamSerializer
    perm_view = "support.view"
    perm_edit = "settings.manage"
    pagination_class = None

    def get_queryset(self) -> QuerySet[SupportTeam]:
        members = SupportTeamMember.objects.filter(tenant=self.tenant).order_by("id")
        return (
            SupportTeam.objects.filter(tenant=self.tenant)
            .prefetch_related(Prefetch("members", queryset=members))
            .order_by("name")
        )
