"""Pairs someone marked "not a duplicate", so the list stops showing them. Registered in the
contacts app through the import at the bottom of contacts/models.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class DuplicateDismissal(TenantOwned):
    """contact_a < contact_b always (a pair is stored once, whichever way it was shown)."""

    contact_a = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_constraint=True
    )
    contact_b = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "contacts"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact_a", "contact_b"], name="duplicatedismissal_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(contact_a__lt=F("contact_b")), name="duplicatedismissal_ordered"
            ),
        ]
        verbose_name = _("pair marked not a duplicate")

    def __str__(self) -> str:
        return f"{self.contact_a_id} ≠ {self.contact_b_id}"
