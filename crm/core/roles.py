"""Roles and what each may do. One table, read by pages, API and tests alike."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    # "Owner" alone is also a record's owner (担当者); the role (オーナー) needs its own msgid.
    OWNER = "owner", pgettext_lazy("role", "Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")
    MARKETER = "marketer", _("Marketer")
    SUPPORT = "support", _("Support")
    VIEWER = "viewer", _("Viewer")


ALL = frozenset(Role)
STAFF = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETER, Role.SUPPORT})
ADMINS = frozenset({Role.OWNER, Role.ADMIN})

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "app.use": ALL,
    "contacts.view": ALL,
    "contacts.edit": STAFF,
    "contacts.delete": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    "sales.view": ALL,
    "sales.edit": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES}),
    # Monthly sales targets: managers for their team, admins for everyone (not reps).
    "sales.targets": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    "marketing.view": ALL,
    "marketing.edit": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MARKETER}),
    "support.view": ALL,
    "support.edit": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SUPPORT}),
    "analytics.view": frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MARKETER}),
    "settings.manage": ADMINS,
    "users.manage": ADMINS,
    "customfields.view": ALL,
    "customfields.manage": ADMINS,
    "apikeys.manage": ADMINS,
    "audit.view": ADMINS,
    "tenant.manage": frozenset({Role.OWNER}),
}


def has_perm(role: str | None, perm: str) -> bool:
    if role is None:
        return False
    try:
        holders = PERMISSIONS[perm]
    except KeyError:  # a typo in a permission name must not open a door
        raise KeyError(f"unknown permission {perm!r}") from None
    return role in holders
