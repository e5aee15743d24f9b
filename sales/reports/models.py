"""Daily reports (日報): one per rep and working day, with managers' comments and read marks.

The day's visits, meetings, calls and deal moves are copied into the report
(`pulled_items`, a JSON list) when the author saves it, so a report reads the same next
month even after the activities it mentions are edited or deleted. Reminders for a missing
report are claimed through the notification's dedupe key (one per user and day), so the
beat task can run every 15 minutes and still remind each rep once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned
from crm.core.roles import Role


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class DailyReport(TenantOwned):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    date = models.DateField(_("date"))
    did = models.TextField(_("what I did"), blank=True)
    results = models.TextField(_("results"), blank=True)
    issues = models.TextField(_("issues"), blank=True)
    plan_tomorrow = models.TextField(_("tomorrow's plan"), blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Set when the author changes a report after submitting it (the audit log has the diff).
    edited_after_submit_at = models.DateTimeField(
        _("edited after submitting"), null=True, blank=True
    )
    # Snapshot of the day's activities, calls and deal moves: [{"kind", "at", "title",
    # "detail", "url", "ref"}], newest data as of the last save.
    pulled_items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "author", "date"], name="dailyreport_unique_day"
            ),
        ]
        indexes = [
            # "My reports" and the search: newest first per author.
            models.Index(fields=["tenant", "author", "-date", "-id"], name="dailyreport_author"),
            # The team day and week views, the search by date range and the widget.
            models.Index(fields=["tenant", "-date", "-id"], name="dailyreport_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.author}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class DailyReportComment(TenantOwned):
    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("daily report comment")
        verbose_name_plural = _("daily report comments")
        indexes = [
            models.Index(fields=["tenant", "report", "id"], name="dailyreportcomment_report")
        ]


class DailyReportRead(TenantOwned):
    """Who has read a report, once per reader (the first read time is kept)."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "report", "reader"], name="dailyreportread_unique"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "reader", "report"], name="dailyreportread_by")]


def default_required_roles() -> list[str]:
    return [Role.SALES.value]


class ReportSettings(TenantOwned):
    """Per tenant: who must write a daily report and when a missing one is reminded."""

    reminders_enabled = models.BooleanField(_("remind missing reports"), default=True)
    remind_at = models.TimeField(
        _("reminder time"),
        default=dt.time(18, 0),
        help_text=_("On working days after this time (tenant's time zone)."),
    )
    required_roles = ArrayField(
        models.CharField(max_length=16, choices=Role.choices),
        default=default_required_roles,
        blank=True,
        verbose_name=_("roles that write daily reports"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily report settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="reportsettings_one_per_tenant")
        ]
