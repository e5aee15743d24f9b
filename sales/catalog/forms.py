"""Forms for the catalogue and order pages: they parse; services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MovementKind, OrderChannel, OrderStatus, Product, SalesSettings, Supplier


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = [
            "name",
            "name_kana",
            "contact_person",
            "email",
            "phone",
            "postal_code",
            "prefecture",
            "address",
            "notes",
        ]


class ProductForm(forms.ModelForm):
    # The tenant's suppliers are set per request (the class-level queryset must not query).
    supplier = forms.ModelChoiceField(
        label=_("supplier"), queryset=Supplier.all_tenants.none(), required=False
    )

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "category",
            "unit_price",
            "tax_rate",
            "cost",
            "reorder_level",
            "supplier",
            "active",
        ]

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(  # type: ignore[attr-defined]
            tenant=tenant, deleted_at__isnull=True
        ).order_by("name")

    def validate_unique(self) -> None:  # the service checks (tenant, code) itself
        pass


class StockMoveForm(forms.Form):
    kind = forms.ChoiceField(label=_("type"), choices=MovementKind.choices)
    quantity = forms.CharField(label=_("quantity"), max_length=20)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class SalesSettingsForm(forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = ["allow_negative_stock", "order_number_prefix"]


class OrderHeaderForm(forms.Form):
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    company = forms.IntegerField(required=False, widget=forms.HiddenInput)
    order_date = forms.DateField(
        label=_("order date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(label=_("channel"), choices=OrderChannel.choices)
    status = forms.ChoiceField(
        label=_("status"),
        choices=[
            (OrderStatus.DRAFT, OrderStatus.DRAFT.label),
            (OrderStatus.CONFIRMED, OrderStatus.CONFIRMED.label),
        ],
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Order file (CSV, TSV or .xlsx)"))
    create_customers = forms.BooleanField(
        label=_("Create contacts for unknown customers"), required=False
    )
