from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import context
from ..models import AuditLog, Membership, Tenant, User
from ..roles import Role
from .audit import audit_record


class TenantError(ValueError):
    pass


def _free_slug(name: str) -> str:
    base = slugify(name)[:40] or "team"
    slug = base
    while Tenant.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


@transaction.atomic
def tenant_create(*, name: str, owner: User, slug: str | None = None) -> Tenant:
    name = name.strip()
    if not name:
        raise TenantError(_("Enter your company or team name."))
    if slug is not None and Tenant.objects.filter(slug=slug).exists():
        raise TenantError(_("A tenant with the slug “%(slug)s” already exists.") % {"slug": slug})
    tenant = Tenant.objects.create(name=name, slug=slug or _free_slug(name))
    with context.tenant_context(tenant, actor=owner):
        membership = Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.CREATE,
            obj=tenant,
            object_type="core.tenant",
            changes={"name": [None, name]},
        )
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.CREATE,
            obj=membership,
            changes={"user": [None, owner.email], "role": [None, Role.OWNER]},
        )
    return tenant


def membership_add(*, tenant: Tenant, user: User, role: str, actor: Any = None) -> Membership:
    with context.tenant_context(tenant, actor=actor):
        membership, created = Membership.objects.get_or_create(
            tenant=tenant, user=user, defaults={"role": role}
        )
        if created:
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.CREATE,
                obj=membership,
                changes={"user": [None, user.email], "role": [None, role]},
            )
    return membership
