from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import TenantOwned


class ObjectType(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")
    DEAL = "deal", _("Deal")
    TICKET = "ticket", _("Ticket")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes / no")
    SELECT = "select", _("Select")
    MULTI_SELECT = "multi_select", _("Multiple select")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    URL = "url", _("URL")
    CURRENCY = "currency", _("Currency")


class CustomFieldDefinition(TenantOwned):
    object_type = models.CharField(_("object"), max_length=16, choices=ObjectType.choices)
    key = models.SlugField(_("key"), max_length=63)
    label = models.CharField(_("label (Japanese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    max = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)
    regex = models.CharField(_("pattern (regular expression)"), max_length=300, blank=True)
    error_message = models.CharField(_("error message (Japanese)"), max_length=200, blank=True)
    error_message_en = models.CharField(_("error message (English)"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("display order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["object_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "object_type", "key"], name="customfield_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.label


class HasCustomFields(models.Model):
    """Values of a tenant's custom fields, keyed by definition key, in one JSONB column."""

    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def custom_fields_index(cls, name: str) -> GinIndex:
        return GinIndex(fields=["custom_fields"], name=name)
