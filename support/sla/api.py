"""/api/v1/sla-policies/ and /api/v1/business-calendars/: admins write, staff read. The
serializers only shape input; the rules live in support.sla.services (a ValidationError
there is a 400 naming the field)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers, viewsets

from crm.core.api.records import api_errors
from crm.core.http import TenantAPIMixin
from support.tickets.models import Priority, TicketCategory

from . import selectors, services
from .models import BusinessCalendar, SlaPolicy, Weekday


class BlockSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday … 6 = Sunday")
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M", help_text="00:00 means midnight.")


class HolidaySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)


class BusinessCalendarSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True, required=False)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "is_default", "use_jp_holidays", "blocks", "holidays"]


class BusinessCalendarViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Business calendars: open blocks per weekday (several a day, e.g. a lunch break),
    Japanese public holidays on or off, the tenant's own closed days. Writing `blocks` or
    `holidays` replaces the whole list; overlapping or inverted blocks are refused."""

    serializer_class = BusinessCalendarSerializer
    perm_view = "support.view"
    perm_edit = "settings.manage"

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return selectors.calendar_list(tenant=self.tenant).order_by("-id")

    @staticmethod
    def _blocks(data: dict[str, Any]) -> Any:
        if "blocks" not in data:
            return None
        return [(b["weekday"], b["start"], b["end"]) for b in data["blocks"]]

    @staticmethod
    def _holidays(data: dict[str, Any]) -> Any:
        if "holidays" not in data:
            return None
        return [(h["name"], h["start_date"], h.get("end_date")) for h in data["holidays"]]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        with api_errors():
            calendar = services.calendar_create(
                tenant=self.tenant,
                name=data["name"],
                blocks=self._blocks(data) or [],
                use_jp_holidays=data.get("use_jp_holidays", True),
                is_default=data.get("is_default", False),
            )
            holidays = self._holidays(data)
            if holidays:
                services.calendar_update(tenant=self.tenant, calendar=calendar, holidays=holidays)
        serializer.instance = selectors.calendar_list(tenant=self.tenant).get(pk=calendar.pk)

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        with api_errors():
            calendar = services.calendar_update(
                tenant=self.tenant,
                calendar=serializer.instance,
                name=data.get("name"),
                use_jp_holidays=data.get("use_jp_holidays"),
                is_default=data.get("is_default"),
                blocks=self._blocks(data),
                holidays=self._holidays(data),
            )
        serializer.instance = selectors.calendar_list(tenant=self.tenant).get(pk=calendar.pk)

    def perform_destroy(self, instance: BusinessCalendar) -> None:
        with api_errors():
            services.calendar_delete(tenant=self.tenant, calendar=instance)


class SlaPolicySerializer(serializers.ModelSerializer):
    priority = serializers.ChoiceField(
        choices=[("", "any"), *Priority.choices], required=False, allow_blank=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=TicketCategory.all_tenants.none(), required=False, allow_null=True
    )
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.all_tenants.none(), required=False
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "priority",
            "category",
            "first_response_minutes",
            "resolution_minutes",
            "warn_before_minutes",
            "calendar",
            "is_active",
            "position",
        ]
        extra_kwargs = {
            "first_response_minutes": {"help_text": "Business minutes."},
            "resolution_minutes": {"help_text": "Business minutes."},
        }

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        view = self.context.get("view")
        # No tenant while the OpenAPI schema is generated: the empty querysets stay.
        tenant = getattr(getattr(view, "request", None), "tenant", None)
        if view is not None and tenant is not None:
            fields["category"].queryset = TicketCategory.objects.filter(  # type: ignore[attr-defined]
                tenant=tenant
            )
            fields["calendar"].queryset = BusinessCalendar.objects.filter(  # type: ignore[attr-defined]
                tenant=tenant
            )
        return fields


class SlaPolicyViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """SLA policies: targets in business minutes per priority and/or category (a
    category's sub-categories match); the most specific active policy wins
    (priority+category > category > priority > any). Without `calendar`, the default."""

    serializer_class = SlaPolicySerializer
    perm_view = "support.view"
    perm_edit = "settings.manage"

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        return selectors.policy_list(tenant=self.tenant).order_by("-id")

    def _data(self, serializer: Any, base: SlaPolicy | None = None) -> services.PolicyData:
        data = serializer.validated_data

        def value(key: str, default: Any) -> Any:
            if key in data:
                return data[key]
            return getattr(base, key) if base is not None else default

        calendar = value("calendar", None) or services.default_calendar(tenant=self.tenant)
        if value("first_response_minutes", None) is None:
            raise serializers.ValidationError(
                {"first_response_minutes": [_("Enter a target longer than zero.")]}
            )
        return services.PolicyData(
            name=value("name", ""),
            priority=value("priority", "") or "",
            category=value("category", None),
            first_response_minutes=value("first_response_minutes", None),
            resolution_minutes=value("resolution_minutes", None),
            warn_before_minutes=value("warn_before_minutes", 30),
            calendar=calendar,
            is_active=value("is_active", True),
            position=value("position", 0),
        )

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.policy_create(
                tenant=self.tenant, data=self._data(serializer)
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.policy_update(
                tenant=self.tenant,
                policy=serializer.instance,
                data=self._data(serializer, serializer.instance),
            )

    def perform_destroy(self, instance: SlaPolicy) -> None:
        services.policy_delete(tenant=self.tenant, policy=instance)
