"""Deal, pipeline and stage forms. They only shape input; the services validate and save."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, Contact
from crm.core.customfields import CustomFieldsFormMixin, style_custom_widgets
from crm.core.forms import StyledFormMixin
from crm.core.models import Membership, Tenant

from .models import Stage, StageKind

CONTACT_OPTIONS = 50


def owner_choices(tenant: Tenant) -> list[tuple[Any, str]]:
    members = (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    return [("", "—")] + [(m.user_id, str(m.user)) for m in members]


def contact_options(
    tenant: Tenant, membership: Membership | None, *, search: str = "", selected: Sequence[int] = ()
) -> list[tuple[int, str]]:
    """The contacts select's options: those chosen, then the first matches by name."""
    from contacts.selectors import visible_contacts

    qs = visible_contacts(tenant, membership)
    if search:
        qs = qs.filter(search_text__icontains=search)
    found = list(qs.order_by("last_name_kana", "id")[:CONTACT_OPTIONS])
    chosen = [c for c in Contact.objects.filter(tenant=tenant, pk__in=list(selected))]
    seen: set[int] = set()
    options = []
    for contact in [*chosen, *found]:
        if contact.pk not in seen:
            seen.add(contact.pk)
            options.append((contact.pk, str(contact)))
    return options


def company_choices(tenant: Tenant, selected: int | None) -> list[tuple[Any, str]]:
    """The chosen company only: the rest load as you type (contacts' company search)."""
    options: list[tuple[Any, str]] = [("", "—")]
    if selected:
        company = Company.objects.filter(tenant=tenant, pk=selected, deleted_at=None).first()
        if company is not None:
            options.append((company.pk, company.name))
    return options


class DealForm(StyledFormMixin, CustomFieldsFormMixin, forms.Form):
    name = forms.CharField(label=_("Deal name"), max_length=200)
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=200, required=False)
    company_search = forms.CharField(
        label=_("Find a company"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("contacts:company_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#id_company",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=_("Type part of the name or its reading; the list below narrows as you type."),
    )
    company = forms.IntegerField(label=_("Company"), required=False, widget=forms.Select())
    contact_search = forms.CharField(
        label=_("Find contacts"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("sales:contact_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#id_contacts",
                "hx-include": "#id_contacts",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=_("Type a name; choose one or more contacts below (Ctrl/⌘ for several)."),
    )
    contacts = forms.TypedMultipleChoiceField(
        label=_("Contacts"), required=False, coerce=int, widget=forms.SelectMultiple()
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    amount = forms.CharField(
        label=_("Amount"),
        max_length=30,
        initial="0",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="JPY")
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    probability = forms.IntegerField(
        label=_("Probability override (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Leave empty to use the stage's probability."),
    )
    source = forms.CharField(label=_("Source"), max_length=50, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=1000, required=False, help_text=_("Separate tags with commas.")
    )

    def __init__(
        self,
        *args: Any,
        tenant: Tenant,
        membership: Membership | None,
        instance: Any = None,
        pipelines: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        self.tenant = tenant
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "company": instance.company_id,
                "contacts": list(instance.deal_contacts.values_list("contact_id", flat=True)),
                "owner": instance.owner_id,
                "amount": instance.amount,
                "currency": instance.currency,
                "expected_close_date": instance.expected_close_date,
                "probability": instance.probability,
                "source": instance.source,
                "next_step": instance.next_step,
                "tags": ", ".join(instance.tags),
                "lost_reason": instance.lost_reason,
            }
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(tenant)  # type: ignore[attr-defined]
        raw_company = self.data.get("company") if self.is_bound else self.initial.get("company")
        selected_company = int(str(raw_company)) if str(raw_company or "").isdigit() else None
        company_widget = self.fields["company"].widget
        assert isinstance(company_widget, forms.Select)
        company_widget.choices = company_choices(tenant, selected_company)
        if self.is_bound:
            raw_contacts = self.data.getlist("contacts")  # type: ignore[attr-defined]
            chosen = [int(v) for v in raw_contacts if str(v).isdigit()]
        else:
            chosen = list(self.initial.get("contacts") or [])
        self.fields["contacts"].choices = contact_options(  # type: ignore[attr-defined]
            tenant, membership, selected=chosen
        )
        if instance is not None:
            for name in ("pipeline", "stage"):
                del self.fields[name]
            if instance.stage.kind != StageKind.LOST:
                del self.fields["lost_reason"]
        else:
            self.fields["pipeline"].choices = [(p.pk, p.name) for p in pipelines]  # type: ignore[attr-defined]
            stages = (
                Stage.objects.filter(tenant=tenant, pipeline__in=[p.pk for p in pipelines])
                .select_related("pipeline")
                .order_by("pipeline__position", "position")
            )
            stage_field = self.fields["stage"]
            stage_field.choices = [("", _("First open stage"))] + [  # type: ignore[attr-defined]
                (s.pk, f"{s.pipeline.name} · {s.label}") for s in stages
            ]
            self.fields["lost_reason"].help_text = _("Needed only when the stage is a lost one.")
        style_custom_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned.pop("company_search", None)
        cleaned.pop("contact_search", None)
        for name in ("owner", "pipeline", "stage"):
            if name in cleaned:
                cleaned[name] = int(cleaned[name]) if cleaned.get(name) else None
        return cleaned


class PipelineForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Pipeline name"), max_length=100)


class StageForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name (Japanese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    probability = forms.IntegerField(
        label=_("Win probability (%)"), min_value=0, max_value=100, initial=0
    )
    kind = forms.ChoiceField(label=_("Type"), choices=StageKind.choices, initial="open")
    stale_after_days = forms.IntegerField(
        label=_("Stale after (days)"), min_value=1, required=False
    )


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
