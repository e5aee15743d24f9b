"""REST API for daily reports under /api/v1/daily-reports/: list (filters author, date
range, q, status, unread), read, write one's own (create / update, `submit: true` to
submit), comments (GET/POST /daily-reports/<id>/comments/) and mark-read. Visibility comes
from selectors.visible_reports, so a report the caller may not read answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contacts.api.views import api_errors, api_membership
from crm.core.http import TenantAPIMixin
from crm.core.models import User

from . import selectors, services
from .models import DailyReport, DailyReportComment


class PulledItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.CharField()
    title = serializers.CharField()
    party = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)
    minutes = serializers.IntegerField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)
    url = serializers.CharField(required=False)
    ref = serializers.CharField()


class DailyReportSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.SerializerMethodField()
    pulled_items = PulledItemSerializer(many=True, read_only=True)
    minutes_spent = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1440
    )
    submit = serializers.BooleanField(write_only=True, required=False, default=False)
    read_by_me = serializers.SerializerMethodField()
    comment_count = serializers.SerializerMethodField()

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "author",
            "author_name",
            "date",
            "did",
            "results",
            "issues",
            "plan_tomorrow",
            "minutes_spent",
            "status",
            "submitted_at",
            "edited_after_submit_at",
            "pulled_items",
            "read_by_me",
            "comment_count",
            "submit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "submitted_at",
            "edited_after_submit_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "did": {"required": False, "allow_blank": True},
            "results": {"required": False, "allow_blank": True},
            "issues": {"required": False, "allow_blank": True},
            "plan_tomorrow": {"required": False, "allow_blank": True},
        }

    def get_author_name(self, instance: DailyReport) -> str:
        return str(instance.author)

    def get_read_by_me(self, instance: DailyReport) -> bool:
        return bool(getattr(instance, "read_by_me", False))

    def get_comment_count(self, instance: DailyReport) -> int:
        return int(getattr(instance, "comment_count", 0))


class DailyReportCommentSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = DailyReportComment
        fields = ["id", "author", "author_name", "body", "created_at"]
        read_only_fields = ["id", "author", "author_name", "created_at"]
        extra_kwargs = {"body": {"allow_blank": True}}

    def get_author_name(self, instance: DailyReportComment) -> str:
        return str(instance.author)


REPORT_FILTERS = [
    OpenApiParameter("author", int, description="A user id."),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("q", str, description="Words in what I did, results, issues or plan."),
    OpenApiParameter("status", str, enum=["draft", "submitted"]),
    OpenApiParameter("unread", bool, description="Only submitted reports I have not read."),
]


def _person(request: Request) -> User | None:
    """The person acting: the session's user, or the user who made the API key."""
    if isinstance(request.user, User):
        return request.user
    membership = api_membership(request)
    if membership is None or membership.user_id is None:
        return None
    return User.objects.filter(pk=membership.user_id).first()


@extend_schema_view(list=extend_schema(parameters=REPORT_FILTERS))
class DailyReportViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Daily reports (日報). Create yours for a day (not a future one; one per day) with
    `submit: true` to submit at once; PATCH to edit (the author only). Owners and admins read
    every report, managers their team's, others their own."""

    serializer_class = DailyReportSerializer
    perm_view = "sales.view"
    perm_edit = "sales.edit"
    required_perms = {"mark_read": "sales.view"}

    def get_queryset(self) -> QuerySet[DailyReport]:
        membership = api_membership(self.request)
        filters = None
        if self.action == "list":
            filters = selectors.report_filters(params=self.request.query_params)
            if filters.errors:
                raise serializers.ValidationError(filters.errors)
        return selectors.report_search(tenant=self.tenant, membership=membership, filters=filters)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        author = _person(self.request)
        with api_errors():
            report = services.report_create(
                tenant=self.tenant, author=author, submit=submit, **data
            )
        serializer.instance = self.get_queryset().get(pk=report.pk)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        with api_errors():
            report = services.report_update(
                tenant=self.tenant,
                report=serializer.instance,
                actor=_person(self.request),
                submit=submit,
                **data,
            )
        serializer.instance = self.get_queryset().get(pk=report.pk)

    @extend_schema(methods=["GET"], responses=DailyReportCommentSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=DailyReportCommentSerializer,
        responses={201: DailyReportCommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """The report's comments, oldest first; POST {body} adds one (the author is told)."""
        report = self.get_object()
        if request.method == "GET":
            rows = selectors.report_comments(tenant=self.tenant, report=report)
            return Response(DailyReportCommentSerializer(rows, many=True).data)
        body = DailyReportCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        author = _person(request)
        if author is None:
            raise serializers.ValidationError(
                {"body": [_("Comments are written by a signed-in person.")]}
            )
        with api_errors():
            comment = services.comment_add(
                tenant=self.tenant,
                report=report,
                author=author,
                body=body.validated_data.get("body", ""),
            )
        return Response(DailyReportCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request, pk: str | None = None) -> Response:
        """Marks the report read by you (a no-op for your own report or a draft)."""
        report = self.get_object()
        reader = _person(request)
        if reader is not None:
            services.report_mark_read(tenant=self.tenant, report=report, reader=reader)
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)
