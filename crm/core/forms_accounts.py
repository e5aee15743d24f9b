"""Forms of the users / login history / tenant settings pages. They only parse; the rules
(last owner, who may grant owner, time zones...) are in crm.core.services.accounts."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .forms import StyledFormMixin
from .models import Membership, Tenant
from .roles import Role


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        tz for tz in zoneinfo.available_timezones() if "/" in tz and not tz.startswith("Etc/")
    )
    return [(tz, tz.replace("_", " ")) for tz in [*names, "UTC"]]


def role_choices(*, actor_is_owner: bool) -> list[tuple[str, Any]]:
    return [(r.value, r.label) for r in Role if actor_is_owner or r != Role.OWNER]


class BootstrapFormMixin(StyledFormMixin):
    """StyledFormMixin, plus `is-invalid` on fields that a service refuses after validation
    (views call form.add_error(field, message) with the service's message)."""

    def add_error(self, field: str | None, error: Any) -> None:
        # Every error passes through here: field validation and a service's refusal alike.
        super().add_error(field, error)  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            field_obj = self.fields.get(name)  # type: ignore[attr-defined]
            if field_obj is not None and "is-invalid" not in field_obj.widget.attrs.get(
                "class", ""
            ):
                field_obj.widget.attrs["class"] = (
                    f"{field_obj.widget.attrs.get('class', '')} is-invalid"
                )


def _member_label(membership: Membership) -> str:
    return str(membership.user)


class InviteForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    role = forms.ChoiceField(label=_("Role"), initial=Role.SALES)

    def __init__(self, *args: Any, actor_is_owner: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = role_choices(actor_is_owner=actor_is_owner)


class MemberForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=Membership.all_tenants.none(),
        required=False,
        empty_label=_("(no manager)"),
        help_text=_("Whose team this person is in: managers see their team's reports."),
    )

    def __init__(self, *args: Any, membership: Membership, actor_is_owner: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # An owner's role is shown even to an admin (who cannot change it).
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = role_choices(actor_is_owner=actor_is_owner or membership.role == Role.OWNER)
        manager_field = self.fields["manager"]
        assert isinstance(manager_field, forms.ModelChoiceField)
        manager_field.queryset = (
            Membership.objects.filter(tenant_id=membership.tenant_id, is_active=True)
            .exclude(pk=membership.pk)
            .select_related("user")
            .order_by("user__display_name", "user__email")
        )
        manager_field.label_from_instance = _member_label  # type: ignore[method-assign,assignment]


class LoginFilterForm(BootstrapFormMixin, forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=Membership.all_tenants.none(),
        required=False,
        empty_label=_("All"),
    )
    success = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All")), ("yes", _("Succeeded")), ("no", _("Failed"))],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, tenant_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = (
            Membership.objects.filter(tenant_id=tenant_id)
            .select_related("user")
            .order_by("user__display_name", "user__email")
        )
        user_field.label_from_instance = _member_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("“To” must be on or after “From”."))
        return cleaned

    def bounds(self, tz: dt.tzinfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Whole days in the tenant's time zone: `until` includes that day."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        start = dt.datetime.combine(since, dt.time.min, tz) if since else None
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tz) if until else None
        return start, end


class TenantSettingsForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Company or team name"), max_length=200)
    # A plain CharField: the service validates against zoneinfo and says what is wrong.
    time_zone = forms.CharField(
        label=_("Time zone"),
        widget=forms.Select(),
        help_text=_("Dates and times are shown, and daily reports cut off, in this zone."),
    )
    language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("Used for invitation mails and for members who have not chosen one."),
    )
    require_2fa = forms.BooleanField(
        label=_("Require two-factor authentication for every member"),
        required=False,
        help_text=_(
            "Members without an authenticator app are sent to set one up before they can "
            "use the CRM."
        ),
    )

    record_visibility = forms.ChoiceField(
        label=_("Who sees contacts and companies"),
        choices=Tenant.RecordVisibility.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "With “own team”, sales reps see the records they or their team own, managers "
            "their team's, admins everything — in pages, search, the API and exports."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["time_zone"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = time_zone_choices()
