"""Contact and company forms.

Plain forms rather than ModelForms on purpose: people type '０３ー１２３４ー５６７８' or
'〒１００－０００１', which the model's own validators would refuse before the service gets to
normalize them. The forms only shape the input; the services normalize and validate, and
their messages are put back next to the fields (add_errors_to_form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from crm.core import tenantcache
from crm.core.customfields import CustomFieldsFormMixin, style_custom_widgets
from crm.core.forms import StyledFormMixin
from crm.core.models import Membership, Tenant

from . import services
from .cleaning import PREFECTURES
from .models import Company, CompanySize, Contact, Gender, InteractionKind, LifecycleStage

PREFECTURE_CHOICES = [("", "—"), *[(p, p) for p in PREFECTURES]]
CALL_OUTCOME_CHOICES = [
    ("connected", _("Talked")),
    ("voicemail", _("Left a voicemail")),
    ("no_answer", _("No answer")),
    ("busy", _("Busy")),
    ("wrong_number", _("Wrong number")),
]


def call_outcome_label(outcome: str) -> str:
    return str(dict(CALL_OUTCOME_CHOICES).get(outcome, outcome))


def postal_code_widget() -> forms.TextInput:
    """As the code is typed, the lookup endpoint fills prefecture and address when they are
    still empty (htmx out-of-band swaps; no inline script)."""
    return forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "autocomplete": "postal-code",
            "placeholder": "100-0001",
            "hx-get": reverse_lazy("contacts:postal_lookup"),
            "hx-trigger": "input changed delay:300ms, change",
            "hx-include": "#id_prefecture, #id_address",
            "hx-swap": "none",
        }
    )


COMPANY_OPTIONS = 50


def company_options(
    tenant: Tenant,
    membership: Membership | None,
    *,
    search: str = "",
    selected: int | None = None,
) -> list[tuple[Any, str]]:
    """The company select's options: the chosen one, then the first matches by name. A
    tenant may have thousands of companies; the form searches instead of listing them all."""
    from .selectors import company_list

    qs = company_list(tenant=tenant, membership=membership, q=search).order_by("name", "id")
    rows = qs.select_related(None).only("id", "name")[:COMPANY_OPTIONS]
    options = [(c.pk, c.name) for c in rows]
    if selected is not None and all(pk != selected for pk, _label in options):
        chosen = Company.objects.filter(tenant=tenant, pk=selected, deleted_at=None).first()
        if chosen is not None:
            options.insert(0, (chosen.pk, chosen.name))
    return [("", "—"), *options]


OWNERS = "contact-owners"


def owner_choices(tenant: Tenant) -> list[tuple[Any, str]]:
    """The active members for owner selects, by e-mail; kept in the cache
    (crm.core.tenantcache, dropped when a membership or a user's name changes)."""

    def build() -> list[tuple[Any, str]]:
        members = (
            Membership.objects.filter(tenant=tenant, is_active=True)
            .select_related("user")
            .order_by("user__email")
        )
        return [(m.user_id, str(m.user)) for m in members]

    return [("", "—"), *tenantcache.cached(tenant.pk, OWNERS, build)]


class _InstanceFormMixin:
    """Initial values from an instance for a plain Form (the custom field mixin reads
    `self.instance` too)."""

    instance: Any
    field_names: tuple[str, ...] = ()

    def __init__(
        self,
        *args: Any,
        instance: Any = None,
        tenant: Tenant,
        membership: Membership | None = None,
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        self.tenant = tenant
        self.membership = membership
        if instance is not None:
            initial = kwargs.setdefault("initial", {})
            for name in self.field_names:
                value = getattr(instance, f"{name}_id" if name in ("owner", "company") else name)
                if name == "tags":
                    value = ", ".join(value or [])
                initial.setdefault(name, value)
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


def _text(label: Any, max_length: int = 100, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def _phone(label: Any, autocomplete: str) -> forms.CharField:
    return _text(
        label,
        40,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": autocomplete, "placeholder": "03-1234-5678"}
        ),
    )


class ContactForm(_InstanceFormMixin, StyledFormMixin, CustomFieldsFormMixin, forms.Form):
    """The built-in fields, then the tenant's contact custom fields in display order
    (pass `custom_field_definitions=definitions_for(tenant=..., object_type="contact")`)."""

    field_names = services.CONTACT_FIELDS  # what the service accepts, in form order

    last_name = _text(
        _("Last name (姓)"), widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    first_name = _text(
        _("First name (名)"), widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name_kana = _text(_("Last name reading (セイ)"))
    first_name_kana = _text(_("First name reading (メイ)"))
    company_search = _text(
        _("Find a company"),
        200,
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
    # Any id is accepted here: the options are loaded as you search, and the service checks
    # that the company exists in this tenant and is not deleted.
    company = forms.IntegerField(label=_("Company"), required=False, widget=forms.Select())
    department = _text(_("Department"))
    title = _text(_("Job title"))
    email = _text(
        _("E-mail"),
        254,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
    )
    phone = _phone(_("Phone"), "tel")
    mobile = _phone(_("Mobile"), "tel")
    postal_code = _text(_("Postal code"), 20, widget=postal_code_widget())
    prefecture = forms.ChoiceField(
        label=_("Prefecture"), choices=PREFECTURE_CHOICES, required=False
    )
    address = _text(_("Address"), 300)
    birth_date = _text(
        _("Birth date"),
        40,
        help_text=_("For example 1985/4/1, 1985-04-01 or 昭和60年4月1日."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"),
        choices=LifecycleStage.choices,
        initial=LifecycleStage.LEAD,
        required=False,
    )
    source = _text(_("Source"), 50, help_text=_("Where they first came from, e.g. 展示会 or Web."))
    customer_code = _text(
        _("Customer code"), 50, help_text=_("The code your ERP uses (顧客コード).")
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    tags = _text(_("Tags"), 1000, help_text=_("Separate tags with commas."))
    do_not_email = forms.BooleanField(label=_("Do not e-mail"), required=False)
    do_not_call = forms.BooleanField(label=_("Do not call"), required=False)
    do_not_mail = forms.BooleanField(label=_("Do not send mail (DM)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(self.tenant)  # type: ignore[attr-defined]
        widget = self.fields["company"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = company_options(
            self.tenant, self.membership, selected=self._chosen_company()
        )
        style_custom_widgets(self)

    def _chosen_company(self) -> int | None:
        raw = self.data.get("company") if self.is_bound else self.initial.get("company")
        return int(raw) if raw not in (None, "") and str(raw).isdigit() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned.pop("company_search", None)
        cleaned["owner"] = int(cleaned["owner"]) if cleaned.get("owner") else None
        return cleaned


class CompanyForm(_InstanceFormMixin, StyledFormMixin, CustomFieldsFormMixin, forms.Form):
    field_names = services.COMPANY_FIELDS  # what the service accepts, in form order

    name = forms.CharField(label=_("Company name"), max_length=200)
    name_kana = _text(_("Company name reading (カナ)"), 200)
    corporate_number = _text(
        _("Corporate number (法人番号)"),
        20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("13 digits, optional."),
    )
    industry = _text(_("Industry"))
    size = forms.ChoiceField(label=_("Size"), choices=CompanySize.choices, required=False)
    postal_code = _text(_("Postal code"), 20, widget=postal_code_widget())
    prefecture = forms.ChoiceField(
        label=_("Prefecture"), choices=PREFECTURE_CHOICES, required=False
    )
    address = _text(_("Address"), 300)
    phone = _phone(_("Phone"), "tel")
    website = _text(_("Website"), 200, widget=forms.TextInput(attrs={"inputmode": "url"}))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    tags = _text(_("Tags"), 1000, help_text=_("Separate tags with commas."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(self.tenant)  # type: ignore[attr-defined]
        style_custom_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["owner"] = int(cleaned["owner"]) if cleaned.get("owner") else None
        return cleaned


class NoteForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CallForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CALL_OUTCOME_CHOICES)
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=0, max_value=24 * 60
    )
    body = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign_owner", _("Assign owner")),
        ("add_tag", _("Add tag")),
        ("change_stage", _("Change stage")),
        ("delete", _("Delete")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    owner = forms.ChoiceField(required=False)
    tag = forms.CharField(required=False, max_length=50)
    stage = forms.ChoiceField(choices=[("", "—"), *LifecycleStage.choices], required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(tenant)  # type: ignore[attr-defined]


TIMELINE_KIND_CHOICES = [("", _("All")), *InteractionKind.choices]

__all__ = ["CompanyForm", "Contact", "ContactForm"]
