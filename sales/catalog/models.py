"""Suppliers (仕入先) and the product catalogue (商品管理).

Stock on hand is a column kept by the stock-movement service in the same transaction as the
movement row, so lists and the low-stock view never sum the history.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class TaxRate(models.TextChoices):
    STANDARD = "10", _("10% (standard)")
    REDUCED = "8", _("8% (reduced)")
    EXEMPT = "0", _("0% (exempt)")


class Supplier(TenantOwned):
    name = models.CharField(_("supplier name"), max_length=200)
    name_kana = models.CharField(_("supplier name (kana)"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                condition=Q(deleted_at__isnull=True),
                name="supplier_unique_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(TenantOwned):
    code = models.CharField(_("product code"), max_length=50)
    name = models.CharField(_("product name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    tax_rate = models.CharField(
        _("tax rate"), max_length=2, choices=TaxRate.choices, default=TaxRate.STANDARD
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    stock_on_hand = models.IntegerField(_("stock on hand"), default=0, editable=False)
    reorder_level = models.PositiveIntegerField(_("reorder level"), null=True, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name=_("supplier"),
    )
    active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"],
                condition=Q(deleted_at__isnull=True),
                name="product_unique_code",
                violation_error_message=_("Another product already has this code."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "reorder_level"],
                name="product_low_stock",
                condition=Q(deleted_at__isnull=True, reorder_level__isnull=False)
                & Q(stock_on_hand__lte=F("reorder_level")),
            ),
            models.Index(fields=["tenant", "category", "code"], name="product_category"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DealLine(TenantOwned):
    """A product on a deal; the won deal's order is made from these lines."""

    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    discount = models.DecimalField(
        _("discount"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    tax_rate = models.CharField(_("tax rate"), max_length=2, choices=TaxRate.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "deal", "position"], name="dealline_deal")]
