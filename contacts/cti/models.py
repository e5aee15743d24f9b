"""CTI tables. All tenant-owned (row-level security like every other tenant table).

The webhook finds its tenant from a header (Tenant is not tenant-owned), then reads
`CtiSettings` inside that tenant's context, so no extra RLS policy is needed here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class CtiSettings(TenantOwned):
    """One per tenant. The secret is kept as typed, not hashed: verifying an HMAC needs the
    key itself. Admins can reveal it (audited) to configure the telephony system."""

    secret = models.CharField(max_length=128)
    secret_created_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="cti_settings_one_per_tenant")
        ]
        verbose_name = _("CTI settings")
        verbose_name_plural = _("CTI settings")

    def __str__(self) -> str:
        return f"CTI settings of tenant {self.tenant_id}"


class CtiExtension(TenantOwned):
    """A member's phone extension: when it rings, that member gets the screen pop."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cti_extensions",
        verbose_name=_("member"),
    )
    extension = models.CharField(_("extension"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "extension"], name="cti_extension_unique_number"
            ),
            models.UniqueConstraint(fields=["tenant", "user"], name="cti_extension_unique_user"),
        ]
        verbose_name = _("extension")

    def __str__(self) -> str:
        return self.extension


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")


STATE_ORDER = {CallState.RINGING: 0, CallState.ANSWERED: 1, CallState.ENDED: 2}


class CtiCall(TenantOwned):
    """One phone call as the telephony system reported it, and the pop it raised."""

    call_id = models.CharField(max_length=100)
    direction = models.CharField(max_length=16, default="inbound")
    caller_raw = models.CharField(max_length=64, blank=True)
    caller_number = models.CharField(max_length=20, blank=True)  # E.164, '' when unusable
    extension = models.CharField(max_length=20, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Every live contact with this number when the call came in, best match first.
    matched_contact_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    state = models.CharField(max_length=16, choices=CallState.choices, default=CallState.RINGING)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    interaction = models.ForeignKey(
        "contacts.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "call_id"], name="cti_call_unique_call_id")
        ]
        indexes = [models.Index(fields=["tenant", "agent", "-id"], name="cti_call_agent")]
        verbose_name = _("call")

    def __str__(self) -> str:
        return f"{self.call_id} ({self.state})"


class CtiEvent(TenantOwned):
    """Each delivered event once: the unique key makes a repeated delivery a no-op."""

    call = models.ForeignKey(CtiCall, on_delete=models.CASCADE, related_name="events")
    external_id = models.CharField(max_length=100)  # the telephony system's call id
    event = models.CharField(max_length=16, choices=CallState.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id", "event"], name="cti_event_unique_delivery"
            )
        ]
        verbose_name = _("call event")

    def __str__(self) -> str:
        return f"{self.external_id} {self.event}"
