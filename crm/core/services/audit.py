from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from .. import context
from ..models import AuditLog, Tenant


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The auditable values of a row, for before/after comparison."""
    names = fields or [
        f.attname for f in obj._meta.concrete_fields if f.name not in {"id", "tenant", "updated_at"}
    ]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "custom_fields" and isinstance(old, dict) and isinstance(new, dict):
            for cf in sorted(set(old) | set(new)):
                if old.get(cf) != new.get(cf):
                    changes[f"custom_fields.{cf}"] = [old.get(cf), new.get(cf)]
        elif old != new:
            changes[key] = [old, new]
    return changes


def audit_record(
    *,
    tenant: Tenant,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditLog:
    """Append one audit entry. Actor, IP and user agent come from the request context when
    not given, so services need not thread the request through."""
    actor = actor if actor is not None else context.current_actor()
    meta = context.current_meta()
    user_id = getattr(actor, "pk", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    return AuditLog.objects.create(
        tenant=tenant,
        actor_id=user_id,
        actor_label=str(actor)[:200] if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=_plain(changes or {}),
        ip=meta.ip,
        user_agent=meta.user_agent,
    )
