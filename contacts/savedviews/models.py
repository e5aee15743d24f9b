"""Saved view tables (imported by contacts/models.py so Django finds them).

A saved view is a name for a set of contact list conditions: the same query parameters the
list page and the API read (`contacts.selectors.contact_filters`), stored as
{"param": ["value", ...]} so opening a view is the same as opening the list with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned

__all__ = ["SavedView"]


class SavedView(TenantOwned):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("conditions"), default=dict, blank=True)
    is_shared = models.BooleanField(
        _("shared with everyone in the tenant"),
        default=False,
        help_text=_("Others can open a shared view; only its owner can change it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "contacts"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "owner", "name"],
                name="savedview_unique_owner_name",
                violation_error_message=_("You already have a view with this name."),
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "is_shared"], name="savedview_tenant_shared"),
        ]
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
