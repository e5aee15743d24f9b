"""The purge hook registry: what happens to rows of any app that point at a contact or a
company when the 30-day purge (contacts.services.purge_deleted) removes it for good.

A hook is a function taking a PurgeContext and dealing with that app's rows set-based (one
DELETE or UPDATE ... WHERE contact_id IN (the purged contacts)), inside the purge's
transaction, before the contacts and companies themselves are deleted; it returns how many
rows it touched. `ctx.contacts`, `ctx.companies` and `ctx.interactions` (the timeline entries
that go with them) are querysets to use as subqueries (never iterate them: a purge can cover a
million rows). The purge locks the contacts and companies first, so the set cannot change
under the hooks (a concurrent restore waits and then finds nothing). After the hooks, the
purge itself deletes the timeline entries, detaches what stays from purged companies and
deletes the contacts and companies (BUILTIN_COVERS).

Apps register from their AppConfig.ready():

    from contacts.purge import delete_references, detach_references, register_purge_hook

    register_purge_hook(delete_references("sales.Activity", "contact"))  # rows go with it
    register_purge_hook(detach_references("sales.Deal", "contact"))  # rows stay, FK -> NULL

tests/contacts/test_purge_hooks.py fails when a model has a foreign key to Contact, Company or
Interaction that no hook declares it covers, so a new app cannot forget: the purge deletes with
raw SQL and no Python cascade, so an uncovered reference would make it fail (or, without a
database constraint, be left pointing nowhere).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class PurgeContext:
    tenant: Any  # crm.core.models.Tenant
    contacts: Any  # QuerySet[Contact]: the contacts being purged (use as a subquery)
    companies: Any  # QuerySet[Company]: the companies being purged (use as a subquery)
    interactions: Any  # QuerySet[Interaction]: the timeline entries that go with them


PurgeHook = Callable[[PurgeContext], int | None]


@dataclass(frozen=True)
class RegisteredPurgeHook:
    name: str
    fn: PurgeHook
    covers: tuple[str, ...]  # "app_label.model.field" references this hook deals with


_HOOKS: dict[str, RegisteredPurgeHook] = {}

# What contacts.services.purge_deleted does itself after the hooks.
BUILTIN_COVERS = frozenset(
    {
        "contacts.interaction.contact",  # a purged contact's timeline goes with it
        "contacts.interaction.company",  # a purged company's own entries go, others detach
        "contacts.contact.company",  # contacts of a purged company keep living without it
    }
)


def register_purge_hook(
    fn: PurgeHook, *, name: str | None = None, covers: Iterable[str] = ()
) -> PurgeHook:
    """Register `fn` to run on every purge. Registering the same name again replaces the
    earlier hook (module reloads, tests), so calling this from ready() is safe."""
    key = name or getattr(fn, "purge_hook_name", None) or f"{fn.__module__}.{fn.__qualname__}"
    declared = tuple(covers) or tuple(getattr(fn, "purge_hook_covers", ()))
    _HOOKS[key] = RegisteredPurgeHook(name=key, fn=fn, covers=tuple(c.lower() for c in declared))
    return fn


def unregister_purge_hook(name: str) -> None:
    _HOOKS.pop(name, None)


def registered_purge_hooks() -> list[RegisteredPurgeHook]:
    return list(_HOOKS.values())


def covered_references() -> set[str]:
    return {ref for hook in _HOOKS.values() for ref in hook.covers} | BUILTIN_COVERS


def _referencing_rows(ctx: PurgeContext, model_label: str, field: str) -> Any:
    from .models import Company, Contact, Interaction

    model: Any = apps.get_model(model_label)
    target = model._meta.get_field(field).related_model
    purged = {Contact: ctx.contacts, Company: ctx.companies, Interaction: ctx.interactions}[target]
    return model.objects.filter(tenant=ctx.tenant, **{f"{field}__in": purged.values("pk")})


def _named(hook: PurgeHook, model_label: str, field: str) -> PurgeHook:
    ref = f"{model_label}.{field}".lower()
    hook.purge_hook_name = ref  # type: ignore[attr-defined]
    hook.purge_hook_covers = (ref,)  # type: ignore[attr-defined]
    return hook


def delete_references(model_label: str, field: str = "contact") -> PurgeHook:
    """A hook for rows that have no meaning without the purged record: one DELETE of the
    rows whose `field` points at a purged contact or company (no Python cascade: a model
    whose own rows are referenced needs its own hook for those)."""

    def hook(ctx: PurgeContext) -> int:
        rows = _referencing_rows(ctx, model_label, field)
        return int(rows._raw_delete(rows.db))

    return _named(hook, model_label, field)


def detach_references(model_label: str, field: str = "contact") -> PurgeHook:
    """A hook for rows that outlive the purged record: one UPDATE setting `field` to NULL."""

    def hook(ctx: PurgeContext) -> int:
        return int(_referencing_rows(ctx, model_label, field).update(**{field: None}))

    return _named(hook, model_label, field)


def run_purge_hooks(ctx: PurgeContext) -> dict[str, int]:
    """Run every hook in registration order; {hook name: rows touched}."""
    return {hook.name: int(hook.fn(ctx) or 0) for hook in list(_HOOKS.values())}


def _register_builtin_hooks() -> None:
    # Calls stay in the call log (the number and time are still true), without the contact
    # and without the timeline entry that goes with it.
    register_purge_hook(detach_references("contacts.CtiCall", "contact"))
    register_purge_hook(detach_references("contacts.CtiCall", "interaction"))
    # "Not a duplicate" pairs lapse with either contact.
    register_purge_hook(delete_references("contacts.DuplicateDismissal", "contact_a"))
    register_purge_hook(delete_references("contacts.DuplicateDismissal", "contact_b"))


_register_builtin_hooks()
