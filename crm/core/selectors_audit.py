"""Reads for the audit log and API key pages (settings:audit, settings:apikeys)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from .models import ApiKey, AuditLog, Membership, Tenant, TenantOwned

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page and its CSV export filter on; all optional."""

    actor: int | None = None  # a user id
    system_actor: bool = False  # entries with no user: API keys, the system, tasks
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None  # inclusive, a day in the tenant's time zone
    date_to: dt.date | None = None  # inclusive, a day in the tenant's time zone
    q: str = ""  # text in the object's description (object_repr)


def _start_of_day(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def audit_list(*, tenant: Tenant, filters: AuditFilters | None = None) -> QuerySet[AuditLog]:
    """Newest first. Every filter is an indexed or tenant-bounded condition; callers page
    with `id__lt` (keyset), never with OFFSET or a count."""
    filters = filters or AuditFilters()
    qs = AuditLog.objects.filter(tenant=tenant)
    if filters.actor is not None:
        qs = qs.filter(actor_id=filters.actor)
    elif filters.system_actor:
        qs = qs.filter(actor_id__isnull=True)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    zone = tenant.zone
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of_day(filters.date_from, zone))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of_day(filters.date_to + dt.timedelta(days=1), zone))
    if filters.q:
        qs = qs.filter(object_repr__icontains=filters.q)
    return qs.order_by("-id")


def audit_page(
    *, tenant: Tenant, filters: AuditFilters, before: int | None = None
) -> tuple[list[AuditLog], int | None]:
    """One page and the id to pass as `before` for the next one (None on the last page)."""
    qs = audit_list(tenant=tenant, filters=filters)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: AUDIT_PAGE_SIZE + 1])
    next_before = rows[AUDIT_PAGE_SIZE - 1].pk if len(rows) > AUDIT_PAGE_SIZE else None
    return rows[:AUDIT_PAGE_SIZE], next_before


def audit_actor_choices(*, tenant: Tenant) -> list[tuple[int, str]]:
    """Everyone who is or was a member of the tenant, for the actor filter."""
    members = (
        Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")
    )
    return [(m.user_id, f"{m.user} <{m.user.email}>") for m in members]


@cache
def audited_object_types() -> dict[str, Any]:
    """object_type label -> model, for every model the audit log can talk about (every
    tenant-owned model, plus the tenant itself). A fixed list: no DISTINCT over the log."""
    types: dict[str, Any] = {Tenant._meta.label_lower: Tenant}
    for model in apps.get_models():
        if issubclass(model, TenantOwned) and model is not AuditLog:
            types[model._meta.label_lower] = model
    return dict(sorted(types.items()))


# Models whose verbose_name reads badly when capitalised ("Api key"), or is not marked for
# translation (giving them a verbose_name would need a migration; these say the same words).
TYPE_LABELS = {
    "core.apikey": gettext_lazy("API key"),
    "core.customfielddefinition": gettext_lazy("Custom field definition"),
    "core.invitation": gettext_lazy("Invitation"),
    "core.loginevent": gettext_lazy("Login event"),
    "contacts.importchange": gettext_lazy("Import change"),
}


def object_type_label(object_type: str) -> str:
    if object_type in TYPE_LABELS:
        return str(TYPE_LABELS[object_type])
    model = audited_object_types().get(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    """Active keys first, then revoked ones; newest first within each."""
    return (
        ApiKey.objects.filter(tenant=tenant)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-id")
    )


def access_api_key(*, tenant: Tenant, key_id: int) -> ApiKey:
    """Another tenant's key is simply not found (404)."""
    return get_object_or_404(ApiKey.objects.filter(tenant=tenant), pk=key_id)
