"""CSAT: one rating request per resolution of a ticket.

The link a customer gets carries a random token; only its SHA-256 is stored, so a leaked
database does not hand out working links. The agent and category are copied from the ticket
when it is resolved: the results per agent and category stay as they were when the customer
was asked, even if the ticket is reassigned later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned

CSAT_VALID_DAYS = 14
RATINGS = (1, 2, 3, 4, 5)


class CsatRequest(TenantOwned):
    ticket = models.ForeignKey(
        "support.Ticket", on_delete=models.CASCADE, related_name="csat_requests"
    )
    token_hash = models.CharField(max_length=64, editable=False)
    # The resolution this request is for: a reopened and re-resolved ticket asks again.
    resolved_at = models.DateTimeField()
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    category = models.ForeignKey(
        "support.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    language = models.CharField(max_length=8, default="ja")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="csat_unique_token"),
            models.UniqueConstraint(
                fields=["tenant", "ticket", "resolved_at"], name="csat_one_per_resolution"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="csat_rating_1_to_5",
            ),
        ]
        indexes = [
            # The analytics: requests sent in a period (response rate), rated in a period.
            models.Index(fields=["tenant", "created_at"], name="csat_created"),
            models.Index(
                fields=["tenant", "rated_at"],
                name="csat_rated",
                condition=Q(rated_at__isnull=False),
            ),
        ]

    @property
    def is_rated(self) -> bool:
        return self.rated_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
