from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..api.auth import hash_key
from ..models import ApiKey, AuditLog, Tenant
from ..roles import Role
from .audit import audit_record

KEY_PREFIX = "crm_"


class ApiKeyError(ValueError):
    pass


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, name: str, role: str = Role.VIEWER, actor: Any = None
) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key; the raw key is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError(_("Give the key a name so you can tell it apart later."))
    if role not in Role.values:
        raise ApiKeyError(_("Unknown role “%(role)s”.") % {"role": role})
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
