"""The active tenant, held in context variables.

Why context variables: they are per thread *and* per asyncio task, so a value set for one
request can never be seen by another request served concurrently. Every entry point
(middleware, API authentication, Celery task base, management commands) enters the tenant
with `tenant_context()`, whose `finally` restores the previous value on every exit path.

The database session settings that row-level security reads (`app.tenant_id`, ...) are kept
in step with these variables by `crm.core.db`, before every query.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Tenant


class NoTenantError(RuntimeError):
    """A tenant-owned table was queried with no tenant active. Fail closed."""


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str = ""


_tenant: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar("tenant", default=None)
_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
_lookup_hash: contextvars.ContextVar[str] = contextvars.ContextVar("lookup_hash", default="")
_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("actor", default=None)
_meta: contextvars.ContextVar[RequestMeta] = contextvars.ContextVar(
    "request_meta",
    default=RequestMeta(),  # noqa: B039 - frozen dataclass, immutable
)
_unscoped: contextvars.ContextVar[bool] = contextvars.ContextVar("unscoped", default=False)


def current_tenant() -> Tenant | None:
    return _tenant.get()


def require_tenant() -> Tenant:
    tenant = _tenant.get()
    if tenant is None:
        raise NoTenantError("no tenant is active; enter tenant_context(tenant) first")
    return tenant


def current_user_id() -> int | None:
    return _user_id.get()


def current_lookup_hash() -> str:
    return _lookup_hash.get()


def current_actor() -> Any:
    return _actor.get()


def current_meta() -> RequestMeta:
    return _meta.get()


def is_unscoped() -> bool:
    return _unscoped.get()


@contextmanager
def tenant_context(tenant: Tenant | None, *, actor: Any = None) -> Iterator[Tenant | None]:
    """Make `tenant` the active tenant (and `actor` the acting user) inside the block."""
    token = _tenant.set(tenant)
    actor_token = _actor.set(actor) if actor is not None else None
    try:
        yield tenant
    finally:
        _tenant.reset(token)
        if actor_token is not None:
            _actor.reset(actor_token)


@contextmanager
def user_context(user_id: int | None) -> Iterator[None]:
    """The logged-in user: lets them see their own memberships in every tenant."""
    token = _user_id.set(user_id)
    try:
        yield
    finally:
        _user_id.reset(token)


@contextmanager
def lookup_by_secret(secret_hash: str) -> Iterator[None]:
    """Lets rows whose secret hash equals `secret_hash` be read before a tenant is known
    (an API key or invitation token presented by its holder). See crm.core.db."""
    token = _lookup_hash.set(secret_hash)
    try:
        yield
    finally:
        _lookup_hash.reset(token)


@contextmanager
def request_meta(meta: RequestMeta) -> Iterator[None]:
    token = _meta.set(meta)
    try:
        yield
    finally:
        _meta.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Loud escape hatch: lets the Python managers run without a tenant.

    Row-level security still applies in the database; this only silences the fail-closed
    manager for code that filters explicitly (e.g. the tenant switcher listing memberships).
    """
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


def reset_all() -> None:
    """Used by tests and worker hooks: forget every value (a fresh context)."""
    _tenant.set(None)
    _user_id.set(None)
    _lookup_hash.set("")
    _actor.set(None)
    _meta.set(RequestMeta())
    _unscoped.set(False)


def activate_for_request(tenant: Tenant, *, actor: Any) -> None:
    """Enter a tenant for the rest of the current request without a `with` block.

    Only for DRF authentication classes, which run after the middleware: the middleware runs
    every request in a copied context (`TenantMiddleware`), so a value set here dies with the
    request whatever way it ends. Anywhere else use `tenant_context()`."""
    _tenant.set(tenant)
    _actor.set(actor)
