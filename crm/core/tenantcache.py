"""Small per-tenant lists that pages read on every request (the members for owner selects,
the support agents, teams and categories), kept in the cache.

Each such list was its own query of ~2–4 ms on this machine (mostly Django compiling it) on
pages whose goal is 50 ms (docs/benchmarks.md); from the cache a list is one round trip.
A list is registered with the models it is made of: saving or deleting one of their rows
drops that tenant's entries; saving a user's name moves a global generation, as a user
belongs to several tenants. Entries also expire after CACHE_SECONDS, which bounds what a
change made without model signals (a queryset `.update()`, `bulk_create`) could leave stale;
code that writes those models that way calls `forget` itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

CACHE_SECONDS = 300
GENERATION_KEY = "tenantcache:generation"
NAMES: set[str] = set()


def _key(tenant_id: int, name: str) -> str:
    return f"tenantcache:{tenant_id}:{name}"


def cached(tenant_id: int, name: str, build: Callable[[], T]) -> T:
    """The tenant's list `name` from the cache (one round trip), else `build()` stored."""
    key = _key(tenant_id, name)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY) or 0
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]  # type: ignore[no-any-return]
    value = build()
    cache.set(key, (generation, value), CACHE_SECONDS)
    return value


def forget(tenant_id: int, names: Any = None) -> None:
    """Drops the tenant's entries (all, or `names`) now and again when the transaction
    commits: a read in between, inside the same transaction, may have stored the change
    that is not committed yet."""
    keys = [_key(tenant_id, name) for name in (names or NAMES)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _tenant_id(instance: Any) -> Any:
    return getattr(instance, "tenant_id", None)


def register(name: str, *models: Any, tenant_id_of: Callable[[Any], Any] = _tenant_id) -> None:
    """Declares list `name`, dropped when a row of any of `models` changes: the tenant is
    `tenant_id_of(row)` (its tenant_id; for the Tenant itself, pass `lambda t: t.pk`)."""
    NAMES.add(name)
    for model in models:

        def changed(sender: Any, instance: Any, _name: str = name, **kwargs: Any) -> None:
            tenant_id = tenant_id_of(instance)
            if tenant_id is not None:
                forget(tenant_id, [_name])

        uid = f"tenantcache-{name}-{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-d")


def _user_changed(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # The lists show a user's name; a save of other fields alone (last_login) keeps them.
    if update_fields is not None and not set(sender.NAME_FIELDS).intersection(update_fields):
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any value but the entries' 0 will do
        cache.set(GENERATION_KEY, 1, None)


def connect_user_changes() -> None:
    from .models import User

    post_save.connect(_user_changed, sender=User, dispatch_uid="tenantcache-user")
