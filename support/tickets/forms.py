"""Ticket forms. They only shape input (ids become this tenant's objects); the services
validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from crm.core.customfields import CustomFieldsFormMixin, style_custom_widgets
from crm.core.forms import StyledFormMixin
from crm.core.models import Tenant

from .lists import SupportLists, support_lists
from .models import Channel, Priority, Status, SupportTeam, TicketCategory

NEW_CHANNELS = [
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.CHAT, Channel.CHAT.label),
    (Channel.EMAIL, Channel.EMAIL.label),
    (Channel.WEB, Channel.WEB.label),
]


def category_choices(
    tenant: Tenant, current: Any = None, lists: SupportLists | None = None
) -> list[tuple[Any, str]]:
    """The category select's choices (active ones, and `current`). `lists`: the tenant's
    support_lists when already read (a form fills three selects from one read)."""
    rows = (lists or support_lists(tenant)).categories
    choices: list[tuple[Any, str]] = [("", "—")]
    for row in rows:
        if row.effective_active or row.pk == current:  # type: ignore[attr-defined]
            choices.append((row.pk, row.path))  # type: ignore[attr-defined]
    return choices


def team_choices(tenant: Tenant, lists: SupportLists | None = None) -> list[tuple[Any, str]]:
    return [("", "—"), *(lists or support_lists(tenant)).teams]


def agent_choices(tenant: Tenant, lists: SupportLists | None = None) -> list[tuple[Any, str]]:
    return [("", "—"), *(lists or support_lists(tenant)).agents]


class _TenantChoicesMixin:
    """Turns the chosen ids of category, team and assignee into this tenant's objects; an id
    of another tenant (or a deleted one) is an error on that field."""

    tenant: Tenant
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _objects(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        from crm.core.models import Membership

        if "category" in self.fields:
            value = cleaned.get("category")
            cleaned["category"] = None
            if value:
                found = TicketCategory.objects.filter(tenant=self.tenant, pk=value).first()
                if found is None:
                    self.add_error("category", _("Choose a category from the list."))  # type: ignore[attr-defined]
                cleaned["category"] = found
        if "team" in self.fields:
            value = cleaned.get("team")
            cleaned["team"] = None
            if value:
                team = SupportTeam.objects.filter(tenant=self.tenant, pk=value).first()
                if team is None:
                    self.add_error("team", _("Choose a team from the list."))  # type: ignore[attr-defined]
                cleaned["team"] = team
        if "assignee" in self.fields:
            value = cleaned.get("assignee")
            cleaned["assignee"] = None
            if value:
                membership = (
                    Membership.objects.filter(tenant=self.tenant, user_id=value, is_active=True)
                    .select_related("user")
                    .first()
                )
                if membership is None:
                    self.add_error("assignee", _("Choose a member from the list."))  # type: ignore[attr-defined]
                else:
                    cleaned["assignee"] = membership.user
        return cleaned


class TicketNewForm(StyledFormMixin, _TenantChoicesMixin, forms.Form):
    """An inquiry an agent logs from a phone call or a chat."""

    channel = forms.ChoiceField(label=_("Channel"), choices=NEW_CHANNELS, initial=Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 5})
    )
    contact_search = forms.CharField(
        label=_("Find the contact"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("support:ticket_contact_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#id_contact",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=_("Type a name, e-mail or phone number; choose the contact below."),
    )
    contact = forms.IntegerField(label=_("Contact"), required=False, widget=forms.Select())
    requester_email = forms.EmailField(
        label=_("Or the customer's e-mail"),
        required=False,
        help_text=_("Without a contact: the contact is found or created from this address."),
    )
    requester_name = forms.CharField(label=_("Customer's name"), max_length=200, required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    category = forms.IntegerField(label=_("Category"), required=False, widget=forms.Select())
    team = forms.IntegerField(label=_("Team"), required=False, widget=forms.Select())
    assignee = forms.IntegerField(label=_("Assignee"), required=False, widget=forms.Select())

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        self.tenant = tenant
        super().__init__(*args, **kwargs)
        lists = support_lists(tenant)
        self.fields["category"].widget.choices = category_choices(tenant, lists=lists)  # type: ignore[attr-defined]
        self.fields["team"].widget.choices = team_choices(tenant, lists)  # type: ignore[attr-defined]
        self.fields["assignee"].widget.choices = agent_choices(tenant, lists)  # type: ignore[attr-defined]
        raw = self.data.get("contact") if self.is_bound else self.initial.get("contact")
        options: list[tuple[Any, str]] = [("", "—")]
        if str(raw or "").isdigit():
            from contacts.models import Contact

            found = Contact.objects.filter(tenant=tenant, pk=int(str(raw))).first()
            if found is not None:
                options.append((found.pk, str(found)))
        self.fields["contact"].widget.choices = options  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        from contacts.models import Contact

        cleaned = super().clean() or {}
        cleaned.pop("contact_search", None)
        contact_id = cleaned.get("contact")
        cleaned["contact"] = None
        if contact_id:
            cleaned["contact"] = Contact.objects.filter(
                tenant=self.tenant, pk=contact_id, deleted_at__isnull=True
            ).first()
            if cleaned["contact"] is None:
                self.add_error("contact", _("Choose a contact from the list."))
        if (
            cleaned.get("contact") is None
            and not cleaned.get("requester_email")
            and "contact" not in self.errors
            and "requester_email" not in self.errors
        ):
            self.add_error(
                "requester_email",
                _("Choose the contact or enter the customer's e-mail address."),
            )
        return self._objects(cleaned)


class TicketEditForm(StyledFormMixin, CustomFieldsFormMixin, _TenantChoicesMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.IntegerField(label=_("Category"), required=False, widget=forms.Select())
    assignee = forms.IntegerField(label=_("Assignee"), required=False, widget=forms.Select())
    team = forms.IntegerField(label=_("Team"), required=False, widget=forms.Select())
    tags = forms.CharField(
        label=_("Tags"), max_length=1000, required=False, help_text=_("Separate tags with commas.")
    )
    order = forms.IntegerField(label=_("Related order"), required=False, widget=forms.Select())
    deal = forms.IntegerField(label=_("Related deal"), required=False, widget=forms.Select())

    def __init__(
        self,
        *args: Any,
        tenant: Tenant,
        instance: Any,
        orders: list[Any] = (),  # type: ignore[assignment]
        deals: list[Any] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        self.tenant = tenant
        self.instance = instance
        kwargs.setdefault(
            "initial",
            {
                "status": instance.status,
                "priority": instance.priority,
                "category": instance.category_id,
                "assignee": instance.assignee_id,
                "team": instance.team_id,
                "tags": ", ".join(instance.tags),
                "order": instance.order_id,
                "deal": instance.deal_id,
            },
        )
        super().__init__(*args, **kwargs)
        lists = support_lists(tenant)
        self.fields["category"].widget.choices = category_choices(  # type: ignore[attr-defined]
            tenant, instance.category_id, lists=lists
        )
        self.fields["team"].widget.choices = team_choices(tenant, lists)  # type: ignore[attr-defined]
        self.fields["assignee"].widget.choices = agent_choices(tenant, lists)  # type: ignore[attr-defined]
        order_options: list[tuple[Any, str]] = [("", "—")]
        if instance.order_id and instance.order not in orders:
            order_options.append((instance.order_id, str(instance.order.order_number)))
        order_options += [(o.pk, f"{o.order_number} · {o.order_date:%Y-%m-%d}") for o in orders]
        self.fields["order"].widget.choices = order_options  # type: ignore[attr-defined]
        deal_options: list[tuple[Any, str]] = [("", "—")]
        if instance.deal_id and instance.deal not in deals:
            deal_options.append((instance.deal_id, instance.deal.name))
        deal_options += [(d.pk, d.name) for d in deals]
        self.fields["deal"].widget.choices = deal_options  # type: ignore[attr-defined]
        self._order_ids = {pk for pk, _label in order_options if pk}
        self._deal_ids = {pk for pk, _label in deal_options if pk}
        style_custom_widgets(self)

    def clean(self) -> dict[str, Any]:
        from sales.catalog.models import Order
        from sales.deals.models import Deal

        cleaned = super().clean()
        for name, model, allowed in (
            ("order", Order, self._order_ids),
            ("deal", Deal, self._deal_ids),
        ):
            value = cleaned.get(name)
            cleaned[name] = None
            if value:
                found = (
                    model.objects.filter(tenant=self.tenant, pk=value).first()
                    if value in allowed
                    else None
                )
                if found is None:
                    self.add_error(name, _("Choose one from the list."))
                cleaned[name] = found
        cleaned["tags"] = [t.strip() for t in cleaned.get("tags", "").split(",") if t.strip()]
        return self._objects(cleaned)
