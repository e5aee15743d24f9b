"""The template form (what the service checks is checked there too: the form only shapes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from support.tickets.models import TicketCategory

from . import merge
from .models import TemplateScope


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scope = forms.ChoiceField(
        label=_("Visible to"),
        choices=[
            (TemplateScope.SHARED, _("Everyone in support (shared)")),
            (TemplateScope.PERSONAL, _("Only me (personal)")),
        ],
        initial=TemplateScope.SHARED,
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.all_tenants.none(), required=False
    )
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=40,
        required=False,
        help_text=_("Type it in a reply to insert the template, e.g. /henpin."),
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 10, "data-testid": "template-body"}),
        help_text=_("Plain text. Merge fields are filled in for each inquiry."),
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = TicketCategory.objects.filter(tenant=tenant, is_active=True)  # type: ignore[attr-defined]
        for name, widget in ((n, f.widget) for n, f in self.fields.items()):
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("data-testid", f"template-{name}")

    @staticmethod
    def merge_fields() -> list[tuple[str, Any]]:
        return list(merge.FIELDS.items())
