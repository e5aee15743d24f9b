"""Reads for companies, contacts and the timeline.

Record visibility lives in ONE place, `visible_contacts` / `visible_companies`: pages, the
API, search and exports all start from them, so a rule cannot be enforced in one door and
forgotten in another."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.core import normalize
from crm.core.models import Membership, Tenant
from crm.core.roles import Role

from .models import Company, Contact, Interaction
from .search import search_companies, search_contacts

# Under 'own_team', these roles are limited to their team's records. Admins and owners see
# all; marketers, support agents and viewers work across every customer (campaigns, the
# inquiry queue), so the setting does not narrow them.
TEAM_LIMITED_ROLES = frozenset({Role.SALES, Role.MANAGER})


def team_user_ids(membership: Membership) -> list[int]:
    """The users whose records a team-limited member sees: themselves, plus for a manager
    their direct reports, plus for a rep their manager and the manager's other reports."""
    leader_id = membership.pk if membership.role == Role.MANAGER else membership.manager_id
    ids = {membership.user_id}
    if leader_id is not None:
        ids.update(
            Membership.objects.filter(tenant_id=membership.tenant_id, is_active=True)
            .filter(Q(pk=leader_id) | Q(manager_id=leader_id))
            .values_list("user_id", flat=True)
        )
    return sorted(ids)


def visibility_filter(tenant: Tenant, membership: Membership | None) -> Q | None:
    """None = no restriction; else the Q on `owner_id` the member is limited to.
    `membership` None (no member, e.g. a system job) sees everything only when the tenant
    does not limit visibility; an API key passes the membership of the user who made it with
    the key's role (see contacts.api.views.api_membership)."""
    if tenant.record_visibility != Tenant.RecordVisibility.OWN_TEAM:
        return None
    if membership is None:
        return Q(pk__in=[])
    if membership.role not in TEAM_LIMITED_ROLES:
        return None
    return Q(owner_id__in=team_user_ids(membership))


def visible_contacts(tenant: Tenant, membership: Membership | None) -> QuerySet[Contact]:
    """Live contacts this member may see."""
    qs = Contact.objects.filter(tenant=tenant, deleted_at=None)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def visible_companies(tenant: Tenant, membership: Membership | None) -> QuerySet[Company]:
    qs = Company.objects.filter(tenant=tenant, deleted_at=None)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def access_contact(
    *, tenant: Tenant, contact_id: int, membership: Membership | None = None, visible: bool = True
) -> Contact:
    """Another tenant's contact, a deleted one or one hidden by visibility is simply not
    found (404), never forbidden. `visible=False` skips the visibility rule (system use)."""
    qs = (
        visible_contacts(tenant, membership)
        if visible
        else Contact.objects.filter(tenant=tenant, deleted_at=None)
    )
    return get_object_or_404(qs.select_related("company", "owner"), pk=contact_id)


def access_deleted_contact(
    *, tenant: Tenant, contact_id: int, membership: Membership | None
) -> Contact:
    rule = visibility_filter(tenant, membership)
    qs = Contact.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return get_object_or_404(qs, pk=contact_id)


def access_company(
    *, tenant: Tenant, company_id: int, membership: Membership | None = None
) -> Company:
    return get_object_or_404(
        visible_companies(tenant, membership).select_related("owner"), pk=company_id
    )


def access_deleted_company(
    *, tenant: Tenant, company_id: int, membership: Membership | None
) -> Company:
    rule = visibility_filter(tenant, membership)
    qs = Company.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return get_object_or_404(qs, pk=company_id)


# --- lists and filters ---------------------------------------------------------------------
@dataclass
class ContactFilters:
    """The built-in list filters (custom fields are CustomFieldFilter's). Every value is
    optional; `errors` says which ones could not be read."""

    q: str = ""
    email: str = ""
    phone: str = ""
    customer_code: str = ""
    owner: int | None = None
    lifecycle_stage: str = ""
    tag: str = ""
    updated_since: dt.datetime | None = None
    company: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ContactFilters:
        from django.utils.dateparse import parse_datetime
        from django.utils.translation import gettext as _

        def get(name: str) -> str:
            value = params.get(name, "")
            return str(value).strip() if value is not None else ""

        filters = cls(
            q=get("q"),
            email=get("email"),
            phone=get("phone"),
            customer_code=get("customer_code"),
            lifecycle_stage=get("lifecycle_stage"),
            tag=get("tag"),
        )
        for name in ("owner", "company"):
            raw = get(name)
            if raw:
                if raw.isdigit():
                    setattr(filters, name, int(raw))
                else:
                    filters.errors[name] = [_("Give the id as a number.")]
        raw = get("updated_since")
        if raw:
            parsed = parse_datetime(raw)
            if parsed is None:
                day = None
                with contextlib.suppress(normalize.NormalizationError):
                    day = normalize.parse_date(raw)
                if day is not None:
                    parsed = dt.datetime.combine(day, dt.time())
            if parsed is None:
                filters.errors["updated_since"] = [
                    _("Give a date and time like 2024-01-02T09:00:00+09:00 or 2024-01-02.")
                ]
            else:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                filters.updated_since = parsed
        if filters.phone:
            try:
                filters.phone = normalize.normalize_phone(filters.phone)
            except normalize.NormalizationError as exc:
                filters.errors["phone"] = [str(exc)]
        return filters


def contact_list(
    *,
    tenant: Tenant,
    membership: Membership | None = None,
    filters: ContactFilters | None = None,
    q: str = "",
    visible: bool = True,
) -> QuerySet[Contact]:
    """Live contacts, newest first, with company and owner joined (constant queries)."""
    qs = (
        visible_contacts(tenant, membership)
        if visible
        else Contact.objects.filter(tenant=tenant, deleted_at=None)
    )
    filters = filters or ContactFilters(q=q)
    if filters.q:
        qs = search_contacts(tenant=tenant, q=filters.q, base_qs=qs)
    if filters.email:
        qs = qs.filter(email_key=normalize.email_match_key(filters.email) or filters.email.lower())
    if filters.phone and "phone" not in filters.errors:
        qs = qs.filter(Q(phone=filters.phone) | Q(mobile=filters.phone))
    if filters.customer_code:
        qs = qs.filter(customer_code=normalize.to_halfwidth(filters.customer_code))
    if filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.tag:
        qs = qs.filter(tags__contains=[filters.tag])
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if filters.company is not None:
        qs = qs.filter(company_id=filters.company)
    return qs.select_related("company", "owner").order_by("-id")


def company_list(
    *, tenant: Tenant, membership: Membership | None = None, q: str = "", tag: str = ""
) -> QuerySet[Company]:
    qs = visible_companies(tenant, membership)
    if q.strip():
        qs = search_companies(tenant=tenant, q=q, base_qs=qs)
    if tag:
        qs = qs.filter(tags__contains=[tag])
    return qs.select_related("owner").order_by("-id")


def deleted_contacts(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Contact]:
    rule = visibility_filter(tenant, membership)
    qs = Contact.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    # merged_into: the deleted list shows merged contacts with their survivor, not Restore
    return qs.select_related("company", "merged_into").order_by("-deleted_at", "-id")


def deleted_companies(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Company]:
    rule = visibility_filter(tenant, membership)
    qs = Company.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return qs.order_by("-deleted_at", "-id")


# --- timeline ---------------------------------------------------------------------------------
def _timeline(
    qs: QuerySet[Interaction], *, kind: str = "", before: str = "", limit: int = 50
) -> tuple[list[Interaction], str | None]:
    """Newest first; keyset on (occurred_at, id): `before` is the cursor of the last entry
    shown ('<iso time>_<id>'). Returns the page and the next cursor."""
    if kind:
        qs = qs.filter(kind=kind)
    if before:
        stamp, _sep, last_id = before.rpartition("_")
        from django.utils.dateparse import parse_datetime

        when = parse_datetime(stamp)
        if when is None or not last_id.isdigit():
            raise Http404
        qs = qs.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=int(last_id)))
    rows = list(qs.select_related("actor").order_by("-occurred_at", "-id")[: limit + 1])
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = page[-1]
        cursor = f"{last.occurred_at.isoformat()}_{last.pk}"
    return page, cursor


def contact_timeline(
    *, tenant: Tenant, contact: Contact, kind: str = "", before: str = "", limit: int = 50
) -> tuple[list[Interaction], str | None]:
    qs = Interaction.objects.filter(tenant=tenant, contact=contact)
    return _timeline(qs, kind=kind, before=before, limit=limit)


def company_timeline(
    *,
    tenant: Tenant,
    company: Company,
    membership: Membership | None = None,
    kind: str = "",
    before: str = "",
    limit: int = 50,
) -> tuple[list[Interaction], str | None]:
    """The company's entries and its contacts' entries, leaving out those of contacts that
    were deleted or that the member may not see."""
    qs = Interaction.objects.filter(tenant=tenant, company=company).filter(
        Q(contact__isnull=True) | Q(contact__in=visible_contacts(tenant, membership).values("id"))
    )
    return _timeline(qs, kind=kind, before=before, limit=limit)
