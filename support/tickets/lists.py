"""The tenant's agents, teams and categories, which the queue and the ticket page read on
every request (filters, selects, names in the rows), kept in the cache.

Each list was its own query of ~2–3 ms (mostly Django compiling it) on a page whose goal is
50 ms (docs/benchmarks.md, "Support queue and ticket page"); from the cache the three are
one round trip. Saving or deleting a membership, team or category drops its tenant's
entries; saving a user's name moves a global generation, as a user may belong to several
tenants. The entries also expire after CACHE_SECONDS, which bounds what a change made
without model signals (a queryset `.update()`) could leave stale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from crm.core.models import Tenant

CACHE_SECONDS = 300
GENERATION_KEY = "support:lists:generation"
# The user fields the lists show (a name); a save of other fields alone (last_login) keeps them.
USER_NAME_FIELDS = frozenset({"display_name", "first_name", "last_name", "email"})


@dataclass(frozen=True)
class SupportLists:
    agents: list[tuple[int, str]]  # (user id, name) of members who can answer, by name
    teams: list[tuple[int, str]]  # (team id, name), by name
    categories: list[Any]  # selectors.categories: the tree in display order, with path


def _key(tenant_id: int) -> str:
    return f"support:lists:{tenant_id}"


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
    key = _key(tenant.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY) or 0
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    lists = _build(tenant)
    cache.set(key, (generation, lists), CACHE_SECONDS)
    return lists


def forget(tenant_id: int) -> None:
    """Drops the tenant's entry now and again when the transaction commits (a request that
    rebuilt it from the uncommitted change in between would otherwise keep a change that
    may yet roll back)."""
    key = _key(tenant_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _tenant_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    tenant_id = getattr(instance, "tenant_id", None)
    if tenant_id is not None:
        forget(tenant_id)


def _user_changed(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and not USER_NAME_FIELDS.intersection(update_fields):
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any value but the entries' 0 will do
        cache.set(GENERATION_KEY, 1, None)


def register() -> None:
    from crm.core.models import Membership, User

    from .models import SupportTeam, TicketCategory

    for model in (Membership, SupportTeam, TicketCategory):
        post_save.connect(_tenant_changed, sender=model, dispatch_uid=f"support-lists-{model}")
        post_delete.connect(_tenant_changed, sender=model, dispatch_uid=f"support-lists-d{model}")
    post_save.connect(_user_changed, sender=User, dispatch_uid="support-lists-user")
