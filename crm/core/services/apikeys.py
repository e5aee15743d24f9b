from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..api.auth import hash_key
from ..models import ApiKey, AuditLog, Membership, Tenant
from ..roles import Role
from .audit import audit_record

KEY_PREFIX = "crm_"
NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length or 100


class ApiKeyError(ValueError):
    """Bad input; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def api_key_roles_for(*, tenant: Tenant, actor: Any = None) -> list[str]:
    """The roles `actor` may give a key. Only an owner may mint an owner key: a key must
    never hold more power than the person who created it. Without a user (the management
    command, run by whoever operates the server) every role is allowed."""
    if getattr(actor, "pk", None) is None:
        return list(Role.values)
    role = (
        Membership.objects.filter(tenant=tenant, user_id=actor.pk, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    return [r for r in Role.values if r != Role.OWNER or role == Role.OWNER]


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, name: str, role: str = Role.VIEWER, actor: Any = None
) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key; the raw key is never stored or shown again.
    Only its SHA-256 is kept (a key is 256 random bits, so a fast hash is enough)."""
    name = name.strip()
    if not name:
        raise ApiKeyError(_("Give the key a name so you can tell it apart later."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ApiKeyError(
            _("Keep the name to %(max)d characters or fewer.") % {"max": NAME_MAX_LENGTH},
            field="name",
        )
    if role not in Role.values:
        raise ApiKeyError(
            _("Unknown role “%(role)s”. Choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            field="role",
        )
    if role not in api_key_roles_for(tenant=tenant, actor=actor):
        raise ApiKeyError(_("Only an owner can create a key with the owner role."), field="role")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        tenant=tenant,
        name=name,
        role=role,
        prefix=raw[:10],
        key_hash=hash_key(raw),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=key,
        actor=actor,
        changes={"name": [None, name], "role": [None, role]},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, tenant: Tenant, key: ApiKey, actor: Any = None) -> ApiKey:
    """Idempotent: revoking a revoked key changes nothing and records nothing."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk, tenant=tenant)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=key,
            actor=actor,
            changes={"revoked_at": [None, key.revoked_at.isoformat()]},
        )
    return key
