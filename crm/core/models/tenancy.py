from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import context
from ..roles import Role


class Tenant(models.Model):
    """A customer company. Not tenant-owned itself: the root every other row hangs from."""

    slug = models.SlugField(_("slug"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    language = models.CharField(_("default language"), max_length=8, default="ja")
    require_2fa = models.BooleanField(_("require two-factor authentication"), default=False)

    class RecordVisibility(models.TextChoices):
        ALL = "all", _("Everyone sees every contact and company")
        OWN_TEAM = "own_team", _("Sales reps see their own and their team's records")

    # Read by contacts.selectors.visible_contacts / visible_companies (pages, API, export).
    record_visibility = models.CharField(
        _("record visibility"),
        max_length=16,
        choices=RecordVisibility.choices,
        default=RecordVisibility.ALL,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tenant")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The tenant's time zone; the product's default if the stored name is unknown."""
        try:
            return ZoneInfo(self.time_zone or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(settings.TIME_ZONE)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager):
    """Fail-closed: refuses to build a query unless a tenant is active, and always filters
    by it. Row-level security would return nothing anyway; raising makes the bug loud."""

    def get_queryset(self) -> models.QuerySet:
        tenant = context.current_tenant()
        qs = super().get_queryset()
        if tenant is None:
            if context.is_unscoped():
                return qs
            raise context.NoTenantError(f"{self.model.__name__} queried with no active tenant")
        return qs.filter(tenant_id=tenant.pk)


class AllTenantsManager(models.Manager):
    """Loud escape hatch (`Model.all_tenants`): no Python-side tenant filter. RLS still
    applies in the database, so this only helps code that sets the context itself."""


class TenantOwned(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=True)

    objects = TenantManager()
    all_tenants = AllTenantsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Not business logic: the one invariant every row shares. A row is written into the
        # active tenant, never another (RLS WITH CHECK refuses that too).
        if self.tenant_id is None:
            self.tenant = context.require_tenant()
        super().save(*args, **kwargs)


class Membership(TenantOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SALES)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("manager"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id} ({self.role})"
