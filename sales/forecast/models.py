"""Monthly sales targets (予算/目標) per person, set by managers for their team and by admins.

One row per (tenant, user, month); `month` is always the first day of the month so a month is
one value to join on. Amounts are JPY: the forecast sums only JPY deals against them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class SalesTarget(TenantOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sales rep"),
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(
        _("target (JPY)"),
        max_digits=16,
        decimal_places=0,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "month"], name="salestarget_unique_month"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="salestarget_amount_not_negative"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="salestarget_month_first_day"),
        ]
        indexes = [models.Index(fields=["tenant", "month"], name="salestarget_month")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}: {self.amount}"
