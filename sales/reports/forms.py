"""Forms of the daily report pages (the services do the validation that matters)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.roles import Role, has_perm


def _area(rows: int, placeholder: Any) -> forms.Textarea:
    return forms.Textarea(
        attrs={"rows": rows, "class": "form-control form-control-lg", "placeholder": placeholder}
    )


class ReportForm(forms.Form):
    did = forms.CharField(
        label=_("What I did"),
        required=False,
        widget=_area(6, _("Visits, calls, proposals… Tap an item above to add it.")),
    )
    results = forms.CharField(
        label=_("Results"),
        required=False,
        widget=_area(3, _("Orders, next appointments, numbers")),
    )
    issues = forms.CharField(
        label=_("Issues"),
        required=False,
        widget=_area(3, _("Problems, questions for your manager")),
    )
    plan_tomorrow = forms.CharField(
        label=_("Tomorrow's plan"), required=False, widget=_area(3, _("Visits and tasks"))
    )
    minutes_spent = forms.CharField(
        label=_("Time spent (minutes or h:mm)"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "inputmode": "numeric",
                "placeholder": _("e.g. 480 or 8:00"),
            }
        ),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        required=False,
    )


def writer_roles() -> list[tuple[str, Any]]:
    """Roles that may be asked to write reports (those allowed to write at all)."""
    return [(r.value, r.label) for r in Role if has_perm(r.value, "sales.edit")]


class ReportSettingsForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        label=_("Remind missing reports"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    remind_at = forms.TimeField(
        label=_("Reminder time"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        help_text=_("On working days (not weekends or Japanese holidays), after this time."),
        error_messages={"invalid": _("Enter the time like 18:00.")},
    )
    required_roles = forms.MultipleChoiceField(
        label=_("Roles that write daily reports"),
        choices=writer_roles,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
