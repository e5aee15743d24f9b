"""The one door for in-app notifications (the bell). Other apps call `notify`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Tenant
from ..models.notifications import Notification


def notify(
    *,
    tenant: Tenant,
    user: Any,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
) -> Notification | None:
    """Adds one notification for `user`. With `dedupe_key`, a second call with the same key
    for the same user adds nothing and returns None (safe for retried tasks)."""
    user_id = getattr(user, "pk", user)
    if dedupe_key:
        obj, created = Notification.objects.get_or_create(
            tenant=tenant,
            user_id=user_id,
            dedupe_key=dedupe_key[:120],
            defaults={"kind": kind, "title": str(title)[:200], "body": body, "url": url},
        )
        return obj if created else None
    return Notification.objects.create(
        tenant=tenant, user_id=user_id, kind=kind, title=str(title)[:200], body=body, url=url
    )


def unread(tenant: Tenant, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(tenant=tenant, user=user, read_at__isnull=True)


def mark_read(*, tenant: Tenant, user: Any, ids: list[int] | None = None) -> int:
    """Marks the user's notifications read (all of them when `ids` is None)."""
    qs = unread(tenant, user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
