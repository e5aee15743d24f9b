"""SLA tables: business calendars (blocks per weekday, holidays), policies, and the clock
kept per ticket (TicketSla) with one record per target for reports (SlaRecord).

The ticket's own SLA columns (first_response_due_at, resolution_due_at, sla_due_at,
sla_paused_at) are written only by `support.sla.services.ticket_sla_write`."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default calendar"), default=False)
    use_jp_holidays = models.BooleanField(_("closed on Japanese public holidays"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business calendar")
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="slacalendar_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True),
                name="slacalendar_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BusinessBlock(TenantOwned):
    """One stretch of working time on a weekday (several per day: a lunch break)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="blocks")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "start", "id"]
        indexes = [models.Index(fields=["tenant", "calendar"], name="slablock_calendar")]


class BusinessHoliday(TenantOwned):
    """A tenant's own closed day or range (年末年始 12/29–1/3), both ends included."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["tenant", "calendar"], name="slaholiday_calendar")]


class SlaPolicy(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    # Blank priority / NULL category mean "any".
    priority = models.CharField(_("priority"), max_length=8, blank=True)
    category = models.ForeignKey(
        "support.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response target"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before"), default=30)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("business calendar"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class TicketSla(TenantOwned):
    """The clock of one ticket: which policy, how much business time it spent paused,
    and per target when it was met, warned about and breached."""

    # A plain FK with UNIQUE (tenant, ticket): every unique constraint starts with tenant_id.
    ticket = models.ForeignKey("support.Ticket", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_minutes = models.FloatField(default=0)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket"], name="ticketsla_one_per_ticket")
        ]


class SlaOutcome(models.TextChoices):
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class SlaRecord(TenantOwned):
    """One row per ticket and target, written once, when its outcome is known: met (the
    reply or resolution came in time) or breached (the due time passed first). A breached
    target that is met later keeps outcome=breached and gains met_at."""

    ticket = models.ForeignKey("support.Ticket", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=16, choices=SlaTarget.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=8, choices=SlaOutcome.choices)
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "ticket", "target"], name="slarecord_once_per_target"
            )
        ]
        indexes = [models.Index(fields=["tenant", "due_at"], name="slarecord_due")]
