"""Mail settings per tenant and the outbox of mail to customers.

Every mail to a customer is an OutboundMail row first (DESIGN.md "Background work"): the
row is written in the caller's transaction, a worker claims it with SELECT … FOR UPDATE
SKIP LOCKED after commit, and beat retries what is due. `dedupe_key` (unique per tenant)
makes a retried caller write one row, so one mail.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned

DEFAULT_ACK_SUBJECT_JA = "[#{{ticket.number}}] お問い合わせを受け付けました: {{ticket.subject}}"
DEFAULT_ACK_BODY_JA = (
    "{{contact.last_name}} 様\n\n"
    "お問い合わせいただきありがとうございます。受付番号は #{{ticket.number}} です。\n"
    "担当者より折り返しご連絡いたします。\n"
    "このメールに返信すると、同じお問い合わせに追記されます。"
)
DEFAULT_ACK_SUBJECT_EN = "[#{{ticket.number}}] We received your inquiry: {{ticket.subject}}"
DEFAULT_ACK_BODY_EN = (
    "Dear {{contact.last_name}},\n\n"
    "Thank you for contacting us. Your inquiry number is #{{ticket.number}}.\n"
    "We will get back to you soon. Reply to this mail to add to the same inquiry."
)


def default_ack_subject_ja() -> str:
    return DEFAULT_ACK_SUBJECT_JA


def default_ack_body_ja() -> str:
    return DEFAULT_ACK_BODY_JA


def default_ack_subject_en() -> str:
    return DEFAULT_ACK_SUBJECT_EN


def default_ack_body_en() -> str:
    return DEFAULT_ACK_BODY_EN


class MailSettings(TenantOwned):
    """One row per tenant; the defaults (no auto-acknowledgement, 10 MB) until saved."""

    support_address = models.EmailField(
        _("support address (From)"),
        blank=True,
        help_text=_("Replies to customers are sent from this address."),
    )
    from_name = models.CharField(_("sender name"), max_length=100, blank=True)
    signature = models.TextField(_("signature"), blank=True)
    auto_ack_enabled = models.BooleanField(_("send an automatic acknowledgement"), default=False)
    auto_ack_subject_ja = models.CharField(
        _("acknowledgement subject (Japanese)"), max_length=300, default=default_ack_subject_ja
    )
    auto_ack_body_ja = models.TextField(
        _("acknowledgement body (Japanese)"), default=default_ack_body_ja
    )
    auto_ack_subject_en = models.CharField(
        _("acknowledgement subject (English)"), max_length=300, default=default_ack_subject_en
    )
    auto_ack_body_en = models.TextField(
        _("acknowledgement body (English)"), default=default_ack_body_en
    )
    max_attachment_mb = models.PositiveIntegerField(_("largest attachment (MB)"), default=10)
    # sha256 of the whole token ("<slug>.<secret>"); the token itself is shown once.
    webhook_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    webhook_token_hint = models.CharField(max_length=8, blank=True, editable=False)
    loops_detected = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mail settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="mailsettings_one_per_tenant")
        ]

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb) * 1024 * 1024


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMail(TenantOwned):
    ticket = models.ForeignKey(
        "support.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    message = models.ForeignKey(
        "support.TicketMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox",
    )
    kind = models.CharField(max_length=20)  # reply, ack, csat, ...
    from_address = models.CharField(max_length=400, blank=True)
    to_address = models.CharField(max_length=320)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    # The Message-ID header this mail goes out with (<...@domain>).
    message_id_header = models.CharField(max_length=998, blank=True)
    status = models.CharField(
        max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Pending: when the next try is due. Sending: when the claim lapses (a worker that died
    # mid-send leaves the row to be claimed again after that).
    next_attempt_at = models.DateTimeField()
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dedupe_key"],
                name="outboundmail_unique_dedupe",
                condition=~Q(dedupe_key=""),
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "next_attempt_at", "id"],
                name="outboundmail_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["tenant", "ticket", "id"], name="outboundmail_ticket"),
        ]
