"""The tenant's agents, teams and categories, which the queue and the ticket page read on
every request (filters, selects, names in the rows), kept in the cache
(crm.core.tenantcache): one round trip instead of three queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.core import tenantcache
from crm.core.models import Tenant

NAME = "support-lists"


@dataclass(frozen=True)
class SupportLists:
    agents: list[tuple[int, str]]  # (user id, name) of members who can answer, by name
    teams: list[tuple[int, str]]  # (team id, name), by name
    categories: list[Any]  # selectors.categories: the tree in display order, with path


def _build(tenant: Tenant) -> SupportLists:
    from . import selectors
    from .models import SupportTeam

    return SupportLists(
        agents=[(m.user_id, str(m.user)) for m in selectors.agents(tenant=tenant)],
        teams=list(
            SupportTeam.objects.filter(tenant=tenant).order_by("name").values_list("id", "name")
        ),
        categories=selectors.categories(tenant=tenant),
    )


def support_lists(tenant: Tenant) -> SupportLists:
    """The lists from the cache (one round trip), else from the database (three queries)."""
    return tenantcache.cached(tenant.pk, NAME, lambda: _build(tenant))


def register() -> None:
    from crm.core.models import Membership

    from .models import SupportTeam, TicketCategory

    tenantcache.register(NAME, Membership, SupportTeam, TicketCategory)
