"""Inquiries (tickets): the conversation with a customer and everything the queue needs.

The other parts of support hang off these tables: the SLA part writes the due times kept
on the ticket (`first_response_due_at`, `resolution_due_at`, `sla_due_at` — the next one
running, NULL while paused or met — so the queue sorts and filters on plain columns), the
mail part threads messages by `mail_key` and the Message-ID of each TicketMessage, the web
forms open tickets through `ticket_create`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.core.models import HasCustomFields, TenantOwned


def new_mail_key() -> str:
    return secrets.token_hex(10)


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "E-mail")
    WEB = "web", _("Web form")
    PHONE = "phone", pgettext_lazy("channel", "Phone")
    CHAT = "chat", _("Chat")
    API = "api", _("API")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PENDING = "pending", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses the queue shows as work to do.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class TicketCategory(TenantOwned):
    """Tenant-defined, nested (parent → children). Names in both languages."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inquiry category")
        verbose_name_plural = _("inquiry categories")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "parent", "name_ja"],
                name="ticketcategory_unique_name",
                nulls_distinct=False,
            )
        ]

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

    def __str__(self) -> str:
        return self.name


class SupportTeam(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("team address"), blank=True)

    class Meta:
        verbose_name = _("support team")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="supportteam_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SupportTeamMember(TenantOwned):
    team = models.ForeignKey(SupportTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "user"], name="supportteammember_unique"
            )
        ]


class TicketNumberCounter(TenantOwned):
    """The last ticket number given out in a tenant (as sales' OrderNumberCounter)."""

    last_number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="ticketcounter_one_per_tenant")
        ]


class Ticket(TenantOwned, HasCustomFields):
    number = models.BigIntegerField(_("number"), editable=False)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL
    )
    category = models.ForeignKey(
        TicketCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("category"),
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        SupportTeam,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("team"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("contact"),
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("company"),
    )
    order = models.ForeignKey(
        "sales.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("related order"),
    )
    deal = models.ForeignKey(
        "sales.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("related deal"),
    )
    tags = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("tags")
    )
    # The customer's address as it arrived (a web form or mail sender), kept even when no
    # contact could be matched, so a reply can still go out.
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    requester_name = models.CharField(_("requester name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ja")
    # Threading key for mail: replies carry it in Reply-To and Message-IDs.
    mail_key = models.CharField(max_length=32, default=new_mail_key, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)

    # SLA (written by support.sla only).
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(null=True, blank=True, editable=False)

    # "Being answered by": an agent who opens the ticket holds it for a while.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_unique_number"),
            models.UniqueConstraint(fields=["tenant", "mail_key"], name="ticket_unique_mail_key"),
        ]
        indexes = [
            HasCustomFields.custom_fields_index("ticket_custom_fields_gin"),
            # Queue views: newest first within a status set, per assignee, per SLA due time.
            models.Index(fields=["tenant", "status", "-id"], name="ticket_status"),
            models.Index(fields=["tenant", "assignee", "status", "-id"], name="ticket_assignee"),
            models.Index(
                fields=["tenant", "sla_due_at", "id"],
                name="ticket_sla_due",
                condition=Q(sla_due_at__isnull=False),
            ),
            models.Index(fields=["tenant", "contact", "-id"], name="ticket_contact"),
            models.Index(fields=["tenant", "created_at"], name="ticket_created"),
            # The queue's views (support/tickets/selectors.py ticket_queue), newest first:
            # partial indexes on the active set so "open", "mine", "unassigned" and a team's
            # view read 50 rows in index order however many tickets are done.
            models.Index(fields=["tenant", "-id"], name="ticket_tenant_id"),
            models.Index(
                fields=["tenant", "-id"],
                name="ticket_active",
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            models.Index(
                fields=["tenant", "-id"],
                name="ticket_active_unassigned",
                condition=Q(status__in=ACTIVE_STATUSES, assignee__isnull=True),
            ),
            models.Index(
                fields=["tenant", "assignee", "-id"],
                name="ticket_active_assignee",
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            models.Index(
                fields=["tenant", "team", "-id"],
                name="ticket_active_team",
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            models.Index(
                fields=["tenant", "-id"], name="ticket_done", condition=Q(status__in=DONE_STATUSES)
            ),
            models.Index(fields=["tenant", "category", "-id"], name="ticket_category"),
            models.Index(
                fields=["tenant", "requester_email", "-id"],
                name="ticket_requester_email",
                condition=~Q(requester_email=""),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("Automatic message")


class TicketMessage(TenantOwned):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("type"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    to_address = models.CharField(_("to"), max_length=1000, blank=True)
    # Plain text is what is stored and shown (escaped); mail HTML is reduced to text on the
    # way in, so no customer markup ever reaches an agent's page.
    body = models.TextField(_("message"))
    # Mail threading: our own Message-ID for replies, the sender's for inbound mail.
    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    is_auto = models.BooleanField(default=False)  # auto-acknowledgement, auto-reply received
    mentions = ArrayField(models.BigIntegerField(), default=list, blank=True)  # user ids
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "ticket", "created_at"], name="ticketmessage_ticket"),
            models.Index(
                fields=["tenant", "message_id"],
                name="ticketmessage_message_id",
                condition=~Q(message_id=""),
            ),
        ]


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    # DESIGN.md: file paths carry the tenant.
    return f"tenants/{instance.tenant_id}/support/{secrets.token_hex(8)}/{filename}"


class TicketAttachment(TenantOwned):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class TicketEvent(TenantOwned):
    """The change history: one row per change a person or the system made."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)  # created, changed, message, note, merged, ...
    field = models.CharField(max_length=50, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "ticket", "at"], name="ticketevent_ticket")]
