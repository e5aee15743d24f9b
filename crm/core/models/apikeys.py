from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..roles import Role
from .tenancy import TenantOwned


class ApiKey(TenantOwned):
    """Only a SHA-256 of the key is stored; the key itself is shown once at creation."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so people can tell keys apart
    # Looked up before the tenant is known, hence its own index; unique per tenant (Citus:
    # every UNIQUE starts with tenant_id). A 256-bit random key cannot collide across tenants.
    key_hash = models.CharField(max_length=64, db_index=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key_hash"], name="apikey_unique_hash")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
