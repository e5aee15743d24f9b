"""In-app notifications: one row per recipient, shown under the bell in the header.

Any app creates them through `crm.core.services.notifications.notify`; reminders, mentions
and "your report was commented on" all land here, so the bell is the one place to look.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import TenantOwned


class Notification(TenantOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Dotted, app first: "sales.reminder", "sales.report_comment", "support.mention".
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by the sender when the same event must never notify twice (a reminder per
    # activity and recipient); unique per tenant and user when not empty.
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "user", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["tenant", "user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.title
