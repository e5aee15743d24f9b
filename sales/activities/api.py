"""REST API for activities under /api/v1/activities/. Thin doors into the same services and
selectors as the pages: another tenant's id (or one hidden by visibility) answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contacts.api.views import api_errors, api_membership
from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import Activity, ActivityAttendee, ActivityKind


class _AttendeeIds(serializers.ListField):
    """Attendee ids from the prefetched links (users or contacts, by `source_field`)."""

    def __init__(self, *args: Any, source_field: str, **kwargs: Any) -> None:
        self.source_field = source_field
        super().__init__(*args, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return [
            getattr(link, self.source_field)
            for link in instance.attendees.all()
            if getattr(link, self.source_field) is not None
        ]


class ActivitySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True)
    remind_before_minutes = serializers.IntegerField(required=False, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", required=False)
    deal = serializers.IntegerField(source="deal_id", required=False, allow_null=True)
    contact = serializers.IntegerField(source="contact_id", required=False, allow_null=True)
    company = serializers.IntegerField(source="company_id", required=False, allow_null=True)
    attendee_users = _AttendeeIds(
        child=serializers.IntegerField(), required=False, source_field="user_id"
    )
    attendee_contacts = _AttendeeIds(
        child=serializers.IntegerField(), required=False, source_field="contact_id"
    )
    done = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "notes",
            "starts_at",
            "all_day",
            "duration_minutes",
            "ends_at",
            "place",
            "owner",
            "deal",
            "contact",
            "company",
            "attendee_users",
            "attendee_contacts",
            "outcome",
            "done",
            "done_at",
            "remind_before_minutes",
            "remind_at",
            "reminded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "done",
            "done_at",
            "remind_at",
            "reminded_at",
            "created_at",
            "updated_at",
        ]

    def get_done(self, instance: Activity) -> bool:
        return instance.done_at is not None

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)
        for name in ("owner", "deal", "contact", "company"):
            if f"{name}_id" in attrs:  # the services take the plain names
                attrs[name] = attrs.pop(f"{name}_id")
        return attrs


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=200)


ACTIVITY_FILTERS = [
    OpenApiParameter("owner", str, description="A user id or `me`."),
    OpenApiParameter("kind", str, enum=ActivityKind.values),
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="Starts at or after (or a date)."),
    OpenApiParameter(
        "to", OpenApiTypes.DATETIME, description="Starts before (or a date: through that day)."
    ),
    OpenApiParameter("deal", int),
    OpenApiParameter("contact", int),
    OpenApiParameter("done", bool, description="`true`: done ones only; `false`: open ones."),
]


def _moment(value: str, *, end_of_day: bool, zone: Any) -> dt.datetime | None:
    try:
        day = parse_date(value)  # a plain date is a whole day (parse_datetime takes it too)
    except ValueError:
        day = None
    if day is not None:
        if end_of_day:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=zone)
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@extend_schema_view(list=extend_schema(parameters=ACTIVITY_FILTERS))
class ActivityViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Tasks, calls, visits and meetings. Filters: `owner` (id or `me`), `kind`, `from`/`to`
    (start time; dates are whole days in the tenant's zone), `deal`, `contact`, `done`.
    `POST /activities/<id>/complete/` {outcome} marks one done and logs it on the timeline.
    Newest first, keyset pages (`next` link) like the other lists. With an API key, send
    `owner` when creating (the key is not a person)."""

    serializer_class = ActivitySerializer
    perm_view = "sales.view"
    perm_edit = "sales.edit"

    def _filters(self, qs: QuerySet[Activity]) -> QuerySet[Activity]:
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        owner = params.get("owner", "")
        if owner == "me":
            membership = api_membership(self.request)
            qs = qs.filter(owner_id=getattr(membership, "user_id", None))
        elif owner:
            if owner.isdigit():
                qs = qs.filter(owner_id=int(owner))
            else:
                errors["owner"] = [_("Send a user id or me.")]
        kind = params.get("kind", "")
        if kind:
            if kind in ActivityKind.values:
                qs = qs.filter(kind=kind)
            else:
                errors["kind"] = [
                    _("Use one of: %(kinds)s.") % {"kinds": ", ".join(ActivityKind.values)}
                ]
        for name, lookup, end_of_day in (("from", "gte", False), ("to", "lt", True)):
            value = params.get(name, "")
            if value:
                moment = _moment(value, end_of_day=end_of_day, zone=self.tenant.zone)
                if moment is None:
                    errors[name] = [_("Send a date (2026-04-01) or a date and time in ISO 8601.")]
                else:
                    qs = qs.filter(**{f"starts_at__{lookup}": moment})
        for name in ("deal", "contact"):
            value = params.get(name, "")
            if value:
                if value.isdigit():
                    qs = qs.filter(**{f"{name}_id": int(value)})
                else:
                    errors[name] = [_("Send the id as a number.")]
        done = params.get("done", "").lower()
        if done in ("true", "1"):
            qs = qs.filter(done_at__isnull=False)
        elif done in ("false", "0"):
            qs = qs.filter(done_at__isnull=True)
        elif done:
            errors["done"] = [_("Send true or false.")]
        if errors:
            raise serializers.ValidationError(errors)
        return qs

    def get_queryset(self) -> QuerySet[Activity]:
        qs = selectors.visible_activities(self.tenant, api_membership(self.request))
        if self.action == "list":
            qs = self._filters(qs)
        links = ActivityAttendee.objects.filter(tenant=self.tenant).order_by("id")
        return qs.prefetch_related(Prefetch("attendees", queryset=links))

    def _data(self, serializer: Any) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        for name in ("attendee_users", "attendee_contacts"):
            if name in data and data[name] is None:
                data.pop(name)
        return data

    def perform_create(self, serializer: Any) -> None:
        data = self._data(serializer)
        if getattr(self.request.user, "pk", None) is None and "owner" not in data:
            raise serializers.ValidationError({"owner": [_("Send the owner's user id.")]})
        with api_errors():
            serializer.instance = services.activity_create(
                tenant=self.tenant, actor=self.request.user, **data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.activity_update(
                tenant=self.tenant,
                activity=serializer.instance,
                actor=self.request.user,
                **self._data(serializer),
            )

    def perform_destroy(self, instance: Activity) -> None:
        services.activity_delete(tenant=self.tenant, activity=instance, actor=self.request.user)

    @extend_schema(request=CompleteSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the activity done (idempotent) and log it on the related timeline."""
        activity = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with api_errors():
            services.activity_complete(
                tenant=self.tenant,
                activity=activity,
                actor=request.user,
                outcome=body.validated_data.get("outcome"),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data)
