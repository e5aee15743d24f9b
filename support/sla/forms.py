"""Forms of the SLA settings pages. They only parse; the rules (overlaps, targets) live in
support.sla.services, whose messages come back onto the form."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from support.tickets.models import Priority, TicketCategory

from .models import BusinessCalendar, Weekday


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    use_jp_holidays = forms.BooleanField(
        label=_("Closed on Japanese public holidays"), required=False, initial=True
    )
    is_default = forms.BooleanField(label=_("Default calendar"), required=False)


def parse_blocks(data: Any) -> tuple[list[tuple[int, dt.time, dt.time]], list[str], dict]:
    """The week editor's rows (block-<weekday>-start / -end, repeated) as (weekday, start,
    end); a row with both times empty is ignored. Returns rows, errors and the raw values
    per weekday (to show again what was typed)."""
    rows: list[tuple[int, dt.time, dt.time]] = []
    errors: list[str] = []
    raw: dict[int, list[tuple[str, str]]] = {}
    for weekday in Weekday:
        starts = data.getlist(f"block-{weekday.value}-start")
        ends = data.getlist(f"block-{weekday.value}-end")
        for start, end in zip(starts, ends, strict=False):
            start, end = start.strip(), end.strip()
            raw.setdefault(weekday.value, []).append((start, end))
            if not start and not end:
                continue
            try:
                a = dt.time.fromisoformat(start) if start else None
                b = dt.time.fromisoformat(end) if end else None
            except ValueError:
                a = b = None
            if a is None or b is None:
                errors.append(
                    str(_("%(weekday)s: enter both times as HH:MM (e.g. 09:00 and 12:00)."))
                    % {"weekday": weekday.label}
                )
                continue
            rows.append((weekday.value, a.replace(second=0), b.replace(second=0)))
    return rows, errors, raw


class HolidayForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    start_date = forms.DateField(label=_("First day"))
    end_date = forms.DateField(
        label=_("Last day"), required=False, help_text=_("Leave empty for a single day.")
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=TicketCategory.all_tenants.none(),
        required=False,
        empty_label=_("Any category"),
    )
    first_response_hours = forms.IntegerField(label=_("hours"), min_value=0, initial=1)
    first_response_mins = forms.IntegerField(
        label=_("minutes"), min_value=0, max_value=59, initial=0
    )
    resolution_hours = forms.IntegerField(label=_("hours"), min_value=0, initial=8)
    resolution_mins = forms.IntegerField(label=_("minutes"), min_value=0, max_value=59, initial=0)
    warn_before_minutes = forms.IntegerField(
        label=_("Warn before (minutes)"), min_value=0, initial=30
    )
    calendar = forms.ModelChoiceField(
        label=_("Business calendar"), queryset=BusinessCalendar.all_tenants.none(), empty_label=None
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, initial=0)

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["priority"]).choices = [
            ("", _("Any priority")),
            *Priority.choices,
        ]
        cast(
            forms.ModelChoiceField, self.fields["category"]
        ).queryset = TicketCategory.objects.filter(tenant=tenant)
        cast(
            forms.ModelChoiceField, self.fields["calendar"]
        ).queryset = BusinessCalendar.objects.filter(tenant=tenant)
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.BooleanField):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)
            if name.endswith(("_hours", "_mins")):
                field.widget.attrs["inputmode"] = "numeric"

    def minutes(self, prefix: str) -> int:
        return self.cleaned_data[f"{prefix}_hours"] * 60 + self.cleaned_data[f"{prefix}_mins"]

    @staticmethod
    def initial_for(policy: Any) -> dict[str, Any]:
        return {
            "name": policy.name,
            "priority": policy.priority,
            "category": policy.category_id,
            "first_response_hours": policy.first_response_minutes // 60,
            "first_response_mins": policy.first_response_minutes % 60,
            "resolution_hours": policy.resolution_minutes // 60,
            "resolution_mins": policy.resolution_minutes % 60,
            "warn_before_minutes": policy.warn_before_minutes,
            "calendar": policy.calendar_id,
            "is_active": policy.is_active,
            "position": policy.position,
        }
