"""Suppliers (仕入先) and the product catalogue (商品管理).

Stock on hand is a column kept by the stock-movement service in the same transaction as the
movement row, so lists and the low-stock view never sum the history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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
    # Decimal like every quantity here (DealLine, movements, order lines): 0.5 kg is stock.
    stock_on_hand = models.DecimalField(
        _("stock on hand"), max_digits=12, decimal_places=2, default=Decimal(0), editable=False
    )
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


class SalesSettings(TenantOwned):
    """Per-tenant choices for stock and orders (one row per tenant, made on first use)."""

    allow_negative_stock = models.BooleanField(
        _("allow stock below zero"),
        default=False,
        help_text=_(
            "When on, a movement or order that takes stock below zero is saved with a warning; "
            "when off, it is refused."
        ),
    )
    order_number_prefix = models.CharField(
        _("order number prefix"), max_length=10, default="SO-", blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="salessettings_one_per_tenant")
        ]


class OrderNumberCounter(TenantOwned):
    """The last order number given out in a tenant. One row per tenant, bumped with
    INSERT … ON CONFLICT DO UPDATE … RETURNING so two writers never get the same number
    (a global sequence would leak other tenants' volume and is not Citus-friendly)."""

    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="ordercounter_one_per_tenant")
        ]


class MovementKind(models.TextChoices):
    IN = "in", _("Stock in")
    OUT = "out", _("Stock out")
    ADJUST = "adjust", _("Adjustment")


class StockMovement(TenantOwned):
    """One change of a product's stock. `quantity` is signed (out is negative); the
    product's stock_on_hand changes by it in the same transaction."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="movements", verbose_name=_("product")
    )
    kind = models.CharField(_("type"), max_length=8, choices=MovementKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    stock_after = models.DecimalField(_("stock after"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    order = models.ForeignKey(
        "sales.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "product", "-id"], name="movement_product")]


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class OrderChannel(models.TextChoices):
    SALES = "sales", _("Sales rep")
    ONLINE = "online", _("Online shop")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class Order(TenantOwned):
    """A purchase. Totals are stored (computed by the service from the lines): subtotal
    after line discounts, consumption tax per rate rounded down per order, total."""

    order_number = models.CharField(_("order number"), max_length=40)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("company"),
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    order_date = models.DateField(_("order date"))
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=OrderChannel.choices, default=OrderChannel.SALES
    )
    subtotal = models.DecimalField(_("subtotal"), max_digits=16, decimal_places=2, default=0)
    tax_total = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    # {"10": {"base": "1000.00", "tax": "100"}, "8": {...}}: the invoice's per-rate lines.
    tax_breakdown = models.JSONField(default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # True while the order's lines are taken out of stock (confirmed and not yet cancelled or
    # returned): makes status changes idempotent for stock.
    stock_applied = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "order_number"], name="order_unique_number"),
            models.UniqueConstraint(
                fields=["tenant", "deal"],
                condition=Q(deal__isnull=False),
                name="order_one_per_deal",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "contact", "order_date"], name="order_contact"),
            models.Index(fields=["tenant", "company", "order_date"], name="order_company"),
            models.Index(fields=["tenant", "status", "-id"], name="order_status"),
            models.Index(fields=["tenant", "order_date"], name="order_date"),
        ]

    def __str__(self) -> str:
        return self.order_number


class OrderLine(TenantOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)
    tax_rate = models.CharField(_("tax rate"), max_length=2, choices=TaxRate.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "order", "position"], name="orderline_order")]


class OrderImportJob(TenantOwned):
    """An order file uploaded in the browser: mapped, then run by a worker."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file name"), max_length=255)
    source_path = models.CharField(max_length=500)
    header = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    create_customers = models.BooleanField(_("create unknown customers"), default=False)
    # Messages the worker writes (rejected rows) are in the language of whoever uploaded.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.file_name
