"""Inquiry forms (問い合わせフォーム): a definition an admin builds in the browser, its fields,
and every submission a customer sends through the public page, the embed or the API.

A field's `mapping` says where its value goes: a contact field (`contact.email`), a ticket
field (`ticket.subject`), a custom field (`contact.cf.<key>` / `ticket.cf.<key>`) or nowhere
(`""`: kept in the submission only). The submission always keeps every value as text, so
nothing a customer typed is lost whatever the mapping does with it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


def new_form_key() -> str:
    # Unguessable: the public URL is the only thing that names a form to the outside.
    return secrets.token_urlsafe(12).replace("_", "x").replace("-", "y").lower()


def new_field_key() -> str:
    return f"f_{secrets.token_hex(4)}"


class FormKind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry (opens a ticket)")
    LEAD = "lead", _("Lead (records the contact for marketing)")


class FormLanguage(models.TextChoices):
    JA = "ja", _("Japanese")
    EN = "en", _("English")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SELECT = "select", _("Drop-down")
    RADIO = "radio", _("Radio buttons")
    CHECKBOX = "checkbox", _("Checkbox")
    DATE = "date", _("Date")
    POSTAL_CODE = "postal_code", _("Postal code")
    # The customer's file is attached to the inquiry's first message (like a mail's);
    # `choices` holds the allowed types (extensions).
    FILE = "file", _("File (attached to the inquiry)")


CHOICE_TYPES = (FieldType.SELECT, FieldType.RADIO)


class InquiryForm(TenantOwned):
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("URL key"), max_length=40, default=new_form_key, editable=False)
    kind = models.CharField(
        _("kind"), max_length=8, choices=FormKind.choices, default=FormKind.INQUIRY
    )
    language = models.CharField(
        _("language"), max_length=2, choices=FormLanguage.choices, default=FormLanguage.JA
    )
    published = models.BooleanField(_("published"), default=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    thank_you = models.TextField(_("thank-you message"), blank=True)
    privacy_notice = models.TextField(_("privacy notice"), blank=True)
    privacy_url = models.URLField(_("privacy policy URL"), blank=True)
    # Who hears about a submission: members of the tenant (the bell) and/or plain addresses.
    notify_user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    notify_emails = ArrayField(models.EmailField(), default=list, blank=True)
    default_category = models.ForeignKey(
        "support.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    default_priority = models.CharField(_("priority"), max_length=8, default="normal")
    default_team = models.ForeignKey(
        "support.SupportTeam",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry form")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="inquiryform_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_title(self) -> str:
        return self.title or self.name


class FormField(TenantOwned):
    form = models.ForeignKey(InquiryForm, on_delete=models.CASCADE, related_name="fields")
    # Stable name of the value in submissions and the public form's inputs.
    key = models.CharField(max_length=20, default=new_field_key)
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    field_type = models.CharField(
        _("type"), max_length=12, choices=FieldType.choices, default=FieldType.TEXT
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    mapping = models.CharField(_("saved to"), max_length=80, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "form", "key"], name="formfield_unique_key"),
        ]
        indexes = [models.Index(fields=["tenant", "form", "position"], name="formfield_form")]


class FormSubmission(TenantOwned):
    form = models.ForeignKey(InquiryForm, on_delete=models.CASCADE, related_name="submissions")
    # {field key: text} plus "_labels" {key: label at the time}, so a later edit of the form
    # does not change what an old submission says.
    data = models.JSONField(default=dict)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "support.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt = models.CharField(_("receipt number"), max_length=40)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        indexes = [models.Index(fields=["tenant", "form", "-id"], name="formsubmission_form")]
