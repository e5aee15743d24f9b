"""Pipelines with ordered stages, deals, and the history of their stage moves.

A deal's stage always belongs to the deal's pipeline (services check it; the composite
foreign key is not expressible in Django). Probability is the stage's unless the deal
overrides it; `stage_entered_at` makes "time in the current stage" and staleness a column
read, and every move writes a DealStageChange with the time spent in the stage it left.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.core.models import HasCustomFields, TenantOwned


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Pipeline(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="pipeline_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="pipeline_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(TenantOwned):
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("type"), max_length=8, choices=StageKind.choices, default="open")
    stale_after_days = models.PositiveIntegerField(
        _("stale after (days)"),
        null=True,
        blank=True,
        help_text=_("A deal that stays longer than this in the stage is marked stale."),
    )

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        indexes = [models.Index(fields=["tenant", "pipeline", "position"], name="stage_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "pipeline", "name"], name="stage_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The stage's name in the active language (Japanese is the stored default)."""
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Deal(TenantOwned, HasCustomFields):
    name = models.CharField(_("deal name"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage")
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        verbose_name=_("company"),
    )
    contacts = models.ManyToManyField(
        "contacts.Contact",
        through="DealContact",
        related_name="deals",
        blank=True,
        verbose_name=_("contacts"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    # NULL: the stage's probability applies; a value overrides it for this deal.
    probability = models.PositiveSmallIntegerField(
        _("probability override (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    source = models.CharField(_("source"), max_length=50, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    tags = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("tags")
    )
    stage_entered_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The board: one pipeline's open deals per stage, newest first.
            models.Index(
                fields=["tenant", "stage", "-id"],
                name="deal_board",
                condition=Q(deleted_at__isnull=True),
            ),
            # The board's headers: count and sums per stage read from the index alone.
            models.Index(
                fields=["tenant", "pipeline", "stage"],
                include=["amount", "probability"],
                name="deal_board_totals",
                condition=Q(deleted_at__isnull=True),
            ),
            # The forecast: by close month and owner.
            models.Index(
                fields=["tenant", "expected_close_date", "owner"],
                name="deal_close_owner",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["tenant", "company"], name="deal_company"),
            models.Index(fields=["tenant", "owner", "-id"], name="deal_owner"),
            # A person's deals by stage, with what the dashboard's deal widgets sum (their
            # KPI tiles and deals-by-stage chart become index-only scans).
            models.Index(
                fields=["tenant", "owner", "stage"],
                include=["amount", "closed_at", "stage_entered_at", "id"],
                name="deal_owner_stage",
                condition=Q(deleted_at__isnull=True),
            ),
            HasCustomFields.custom_fields_index("deal_custom_fields_gin"),
        ]

    def __str__(self) -> str:
        return self.name


class DealContact(TenantOwned):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_contacts")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="deal_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "deal", "contact"], name="dealcontact_unique"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "contact"], name="dealcontact_contact")]


class DealStageChange(TenantOwned):
    """One move of a deal between stages (the first row, from_stage NULL, is its creation)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    # Time the deal spent in from_stage before this move (NULL on the first row).
    seconds_in_from_stage = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "deal", "changed_at"], name="stagechange_deal"),
            # Daily reports pull a rep's moves of the day.
            models.Index(fields=["tenant", "changed_by", "changed_at"], name="stagechange_by"),
        ]


class StageTotals(TenantOwned):
    """The live deals of one (pipeline, stage): how many, their amounts, and the two sums the
    weighted total is made of. The board's unfiltered headers read these rows instead of
    aggregating every deal of the pipeline.

    Kept by statement-level triggers on sales_deal (migration 0007), in the transaction of
    the write and with `x = x + delta` upserts, so every way a deal is written (services,
    queryset updates, bulk INSERT … SELECT, deletes) keeps them exact and two transactions
    moving deals at once both count. The weighted total is not stored: the stage's
    probability can change without touching a deal, so the rows keep Σ amount of deals
    without an override (`amount_plain`, times the stage's probability when read) and
    Σ amount × override (`amount_overridden`). Amounts are summed whatever their currency,
    as the board's aggregate does. `board_totals_rebuild` recomputes them (repair)."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    deal_count = models.BigIntegerField(default=0)
    amount_total = models.DecimalField(max_digits=24, decimal_places=2, default=Decimal(0))
    amount_plain = models.DecimalField(max_digits=24, decimal_places=2, default=Decimal(0))
    amount_overridden = models.DecimalField(max_digits=26, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "pipeline", "stage"], name="stagetotals_unique"
            ),
        ]
