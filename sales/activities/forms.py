"""The activity form (full page and My day's quick add). It only parses; the service checks
every value (tenant, owner membership, time order) and its errors are put back on the
fields. The related contact and deal are plain selects holding the chosen one; typing in
their search box loads matches (htmx), so the form never lists a whole tenant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, Contact
from contacts.selectors import visible_contacts
from crm.core.forms import StyledFormMixin
from crm.core.models import Membership, Tenant
from sales.deals.models import Deal
from sales.deals.selectors import visible_deals

from .models import Activity, ActivityKind

OPTIONS_LIMIT = 20
REMIND_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the start")),
    ("5", _("5 minutes before")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("120", _("2 hours before")),
    ("1440", _("1 day before")),
]
DURATION_CHOICES = [
    ("", "—"),
    ("15", _("15 min")),
    ("30", _("30 min")),
    ("45", _("45 min")),
    ("60", _("1 hour")),
    ("90", _("1.5 hours")),
    ("120", _("2 hours")),
    ("180", _("3 hours")),
    ("240", _("4 hours")),
    ("480", _("8 hours")),
]
# service field -> form field, for putting a service's errors where the user typed
FIELD_FOR_ERROR = {"starts_at": "date", "ends_at": "duration_minutes"}


def contact_label(contact: Contact) -> str:
    company = contact.company.name if contact.company_id and contact.company else ""
    return f"{contact} ({company})" if company else str(contact)


def contact_choices(
    tenant: Tenant, membership: Membership | None, search: str = "", chosen: int | None = None
) -> list[tuple[Any, str]]:
    options: list[tuple[Any, str]] = [("", "—")]
    seen: set[int] = set()
    picked = (
        list(Contact.objects.filter(tenant=tenant, pk=chosen).select_related("company"))
        if chosen
        else []
    )
    found: list[Contact] = []
    if search:
        found = list(
            visible_contacts(tenant, membership)
            .filter(search_text__icontains=search)
            .select_related("company")
            .order_by("last_name_kana", "id")[:OPTIONS_LIMIT]
        )
    for contact in [*picked, *found]:
        if contact.pk not in seen:
            seen.add(contact.pk)
            options.append((contact.pk, contact_label(contact)))
    return options


def contact_multi_choices(
    tenant: Tenant, membership: Membership | None, search: str = "", chosen: list[int] | None = None
) -> list[tuple[Any, str]]:
    """Options of the attendee-contacts select: the chosen ones first, then what matched."""
    chosen = chosen or []
    picked = (
        list(
            visible_contacts(tenant, membership)
            .filter(pk__in=chosen)
            .select_related("company")
            .order_by("last_name_kana", "id")
        )
        if chosen
        else []
    )
    found: list[Contact] = []
    if search:
        found = list(
            visible_contacts(tenant, membership)
            .filter(search_text__icontains=search)
            .exclude(pk__in=chosen)
            .select_related("company")
            .order_by("last_name_kana", "id")[:OPTIONS_LIMIT]
        )
    return [(c.pk, contact_label(c)) for c in [*picked, *found]]


def deal_choices(
    tenant: Tenant, membership: Membership | None, search: str = "", chosen: int | None = None
) -> list[tuple[Any, str]]:
    options: list[tuple[Any, str]] = [("", "—")]
    seen: set[int] = set()
    picked = list(Deal.objects.filter(tenant=tenant, pk=chosen)) if chosen else []
    qs = visible_deals(tenant, membership).filter(stage__kind="open")
    if search:
        qs = qs.filter(name__icontains=search)
    found = list(qs.order_by("-updated_at", "-id")[:OPTIONS_LIMIT])
    for deal in [*picked, *found]:
        if deal.pk not in seen:
            seen.add(deal.pk)
            options.append((deal.pk, deal.name))
    return options


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


class ActivityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    all_day = forms.BooleanField(label=_("All day"), required=False)
    duration_minutes = forms.ChoiceField(
        label=_("Duration"), choices=DURATION_CHOICES, required=False
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    contact = forms.CharField(label=_("Contact"), required=False, widget=forms.Select())
    deal = forms.CharField(label=_("Deal"), required=False, widget=forms.Select())
    company = forms.CharField(label=_("Company"), required=False, widget=forms.Select())
    owner = forms.CharField(label=_("Owner"), required=False, widget=forms.Select())
    attendee_users = forms.MultipleChoiceField(
        label=_("Colleagues attending"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("They see it in their calendar and get its reminder too."),
    )
    attendee_contacts = forms.MultipleChoiceField(
        label=_("Customers attending"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Type to find people; hold Ctrl (⌘ on a Mac) to choose several."),
    )
    remind_before_minutes = forms.ChoiceField(
        label=_("Reminder"), choices=REMIND_CHOICES, required=False
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        tenant: Tenant,
        membership: Membership,
        instance: Activity | None = None,
        quick: bool = False,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            local = timezone.localtime(instance.starts_at, tenant.zone)
            kwargs["initial"] = {
                "kind": instance.kind,
                "subject": instance.subject,
                "date": local.date(),
                "time": None if instance.all_day else local.time().replace(second=0),
                "all_day": instance.all_day,
                "duration_minutes": ""
                if instance.duration_minutes is None
                else str(instance.duration_minutes),
                "place": instance.place,
                "contact": instance.contact_id or "",
                "deal": instance.deal_id or "",
                "company": instance.company_id or "",
                "owner": instance.owner_id,
                "remind_before_minutes": ""
                if instance.remind_before_minutes is None
                else str(instance.remind_before_minutes),
                "outcome": instance.outcome,
                "notes": instance.notes,
                "attendee_users": [
                    str(link.user_id) for link in instance.attendees.all() if link.user_id
                ],
                "attendee_contacts": [
                    str(link.contact_id) for link in instance.attendees.all() if link.contact_id
                ],
            }
        super().__init__(*args, **kwargs)
        self.tenant, self.membership, self.instance = tenant, membership, instance
        value = (lambda name: self.data.get(name)) if self.is_bound else self.initial.get
        if instance is not None:
            minutes = str(instance.duration_minutes or "")
            if minutes and minutes not in dict(DURATION_CHOICES):
                self.fields["duration_minutes"].choices = [  # type: ignore[attr-defined]
                    *DURATION_CHOICES,
                    (minutes, f"{minutes} min"),
                ]
        self.fields["contact"].widget.choices = contact_choices(
            tenant, membership, chosen=_int(value("contact"))
        )
        self.fields["deal"].widget.choices = deal_choices(
            tenant, membership, chosen=_int(value("deal"))
        )
        company_id = _int(value("company"))
        companies: list[tuple[Any, str]] = [("", "—")]
        if company_id:
            companies += [
                (c.pk, c.name) for c in Company.objects.filter(tenant=tenant, pk=company_id)
            ]
        self.fields["company"].widget.choices = companies
        members = (
            Membership.objects.filter(tenant=tenant, is_active=True)
            .select_related("user")
            .order_by("user__email")
        )
        member_choices = [(str(m.user_id), str(m.user)) for m in members]
        self.fields["owner"].widget.choices = member_choices
        self.fields["attendee_users"].choices = member_choices  # type: ignore[attr-defined]
        if self.is_bound:
            wanted = self.data.getlist("attendee_contacts") if hasattr(self.data, "getlist") else []
        else:
            wanted = self.initial.get("attendee_contacts") or []
        self.fields["attendee_contacts"].choices = contact_multi_choices(  # type: ignore[attr-defined]
            tenant, membership, chosen=[int(v) for v in wanted if str(v).isdigit()]
        )
        self.fields["subject"].widget.attrs["placeholder"] = _("e.g. Visit Tanaka Industries")
        self.fields["place"].widget.attrs["placeholder"] = _("Address, office or online")
        self.fields["subject"].widget.attrs["autocomplete"] = "off"
        if quick:
            for name in (
                "company",
                "owner",
                "outcome",
                "notes",
                "all_day",
                "attendee_users",
                "attendee_contacts",
            ):
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the service's terms (starts_at from date and time)."""
        data = self.cleaned_data
        out: dict[str, Any] = {
            "kind": data["kind"],
            "subject": data.get("subject", ""),
            "place": data.get("place", ""),
            "duration_minutes": data.get("duration_minutes") or None,
            "remind_before_minutes": data.get("remind_before_minutes"),
            "contact": data.get("contact") or None,
            "deal": data.get("deal") or None,
        }
        all_day = bool(data.get("all_day"))
        day: dt.date | None = data.get("date")
        at: dt.time | None = data.get("time")
        if day is None:
            out["starts_at"] = ""
        else:
            out["starts_at"] = dt.datetime.combine(day, dt.time() if all_day or at is None else at)
            if at is None and not all_day and data["kind"] == ActivityKind.TASK:
                all_day = True  # a task with a date and no time is due that day
        for name in ("company", "owner", "outcome", "notes"):
            if name in self.fields:
                out[name] = data.get(name) or (None if name in ("company", "owner") else "")
        if "all_day" in self.fields or all_day:
            out["all_day"] = all_day
        if "attendee_users" in self.fields:
            out["attendee_users"] = [int(v) for v in data.get("attendee_users") or []]
        if "attendee_contacts" in self.fields:
            out["attendee_contacts"] = [int(v) for v in data.get("attendee_contacts") or []]
        if out.get("owner") is None:
            out.pop("owner", None)
        if out["remind_before_minutes"] in (None, ""):
            out["remind_before_minutes"] = None
        return out

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = FIELD_FOR_ERROR.get(name, name)
            if target in self.fields:
                self.add_error(target, messages)
            else:
                self.add_error(None, messages)
