"""Activities: tasks, calls, visits and meetings, with their reminders and calendar feeds.

One table for all four kinds so "My day", the calendar, the iCalendar feed, the daily report
and the dashboard read one index. `starts_at` is the task's due time or the event's start;
`ends_at` is kept from the duration so a calendar range is one index range. A reminder is a
due time on the row itself (`remind_at`), scanned by beat and claimed with SKIP LOCKED:
`reminded_at` is set in the same transaction that writes the notification, so it fires once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.models import TenantOwned


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", pgettext_lazy("activity", "Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")


class Activity(TenantOwned):
    kind = models.CharField(_("type"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    starts_at = models.DateTimeField(_("date and time"))
    all_day = models.BooleanField(_("all day"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    deal = models.ForeignKey(
        "sales.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("deal"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("company"),
    )
    # Calls: connected / voicemail / no_answer / busy / wrong_number (contacts.services
    # CALL_OUTCOMES); visits and meetings: free text "result".
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    done_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remind_before_minutes = models.PositiveIntegerField(
        _("remind me (minutes before)"), null=True, blank=True
    )
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            # My day, the calendar, the feed and the daily report: one owner's time range.
            models.Index(fields=["tenant", "owner", "starts_at"], name="activity_owner_time"),
            models.Index(fields=["tenant", "deal", "-starts_at"], name="activity_deal"),
            models.Index(fields=["tenant", "contact", "-starts_at"], name="activity_contact"),
            # Beat's scan for due reminders across the tenant.
            models.Index(
                fields=["tenant", "remind_at"],
                condition=Q(reminded_at__isnull=True, remind_at__isnull=False),
                name="activity_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class ActivityAttendee(TenantOwned):
    """Who takes part: colleagues (users) and/or the customer's people (contacts)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(contact__isnull=False),
                name="attendee_user_or_contact",
            ),
            models.UniqueConstraint(
                fields=["tenant", "activity", "user"],
                condition=Q(user__isnull=False),
                name="attendee_unique_user",
            ),
            models.UniqueConstraint(
                fields=["tenant", "activity", "contact"],
                condition=Q(contact__isnull=False),
                name="attendee_unique_contact",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="attendee_user")]


class CalendarFeedToken(TenantOwned):
    """The secret of one user's iCalendar feed in one tenant. Only a SHA-256 of the token is
    stored (like API keys); the URL is shown on the feed page. The row is found by the hash
    before the tenant is known (RLS extra policy in crm.core.db), so the URL alone serves
    the feed to Google Calendar or Outlook, which cannot log in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, db_index=True)
    # The raw token is kept encrypted nowhere: the page shows it once, right after it is made.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="feedtoken_unique_user"),
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="feedtoken_unique_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"
