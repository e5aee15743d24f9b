"""A user's dashboards: an ordered list of widgets ({"key", "size"}) to draw, by name.

A user has one or more; exactly one is their default (the home page). A manager may publish
one of theirs to their team: the members below them in the Membership.manager chain then see
it read-only, drawn with their own data, and may copy it as their own."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models.tenancy import TenantOwned


class Dashboard(TenantOwned):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    # [{"key": "sales.kpis", "size": "m"}, ...] in the order drawn; checked by
    # crm.core.dashboards.services.layout_validate before every write.
    layout = models.JSONField(_("layout"), default=list, blank=True)
    is_default = models.BooleanField(_("default dashboard"), default=False)
    published_to_team = models.BooleanField(_("published to my team"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dashboard")
        indexes = [
            models.Index(fields=["tenant", "owner", "id"], name="dashboard_owner"),
            models.Index(
                fields=["tenant", "owner"],
                condition=Q(published_to_team=True),
                name="dashboard_published",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "owner", "name"], name="dashboard_unique_name"
            ),
            models.UniqueConstraint(
                fields=["tenant", "owner"],
                condition=Q(is_default=True),
                name="dashboard_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name
