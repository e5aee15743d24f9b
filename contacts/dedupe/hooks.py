"""The merge hook registry: how rows of any app that point at a contact follow a merge.

A hook is a function taking a MergeContext and moving that app's rows from `other_id` to
`survivor_id` set-based (one UPDATE ... WHERE contact_id = other), inside the merge's
transaction, returning how many rows it moved (recorded in the merge's audit entry).
tests/contacts/test_dedupe_hooks.py fails when a model has a foreign key to Contact that no
hook declares it covers, so a new app cannot forget to register.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class MergeContext:
    tenant: Any  # crm.core.models.Tenant
    survivor_id: int
    other_id: int
    actor: Any = None


MergeHook = Callable[[MergeContext], int | None]


@dataclass(frozen=True)
class RegisteredHook:
    name: str
    fn: MergeHook
    covers: tuple[str, ...]  # "app_label.model.field" references this hook moves


_HOOKS: dict[str, RegisteredHook] = {}


def register_merge_hook(
    fn: MergeHook, *, name: str | None = None, covers: Iterable[str] = ()
) -> MergeHook:
    """Register `fn` to run on every merge. Registering the same name again replaces the
    earlier hook (module reloads, tests), so calling this from ready() is safe."""
    key = name or getattr(fn, "merge_hook_name", None) or f"{fn.__module__}.{fn.__qualname__}"
    declared = tuple(covers) or tuple(getattr(fn, "merge_hook_covers", ()))
    _HOOKS[key] = RegisteredHook(name=key, fn=fn, covers=declared)
    return fn


def unregister_merge_hook(name: str) -> None:
    _HOOKS.pop(name, None)


def registered_hooks() -> list[RegisteredHook]:
    return list(_HOOKS.values())


def covered_references() -> set[str]:
    return {ref.lower() for hook in _HOOKS.values() for ref in hook.covers}


def move_contact_references(model_label: str, field: str = "contact") -> MergeHook:
    """A hook for the common case: `model.<field>` is a foreign key to Contact on a
    tenant-owned model. One UPDATE moves every row of the other contact."""

    def hook(ctx: MergeContext) -> int:
        model: Any = apps.get_model(model_label)
        return int(
            model.objects.filter(tenant=ctx.tenant, **{f"{field}_id": ctx.other_id}).update(
                **{f"{field}_id": ctx.survivor_id}
            )
        )

    ref = f"{model_label}.{field}".lower()
    hook.merge_hook_name = ref  # type: ignore[attr-defined]
    hook.merge_hook_covers = (ref,)  # type: ignore[attr-defined]
    return hook


def run_merge_hooks(ctx: MergeContext) -> dict[str, int]:
    """Run every hook; {hook name: rows moved}."""
    moved: dict[str, int] = {}
    for hook in list(_HOOKS.values()):
        moved[hook.name] = int(hook.fn(ctx) or 0)
    return moved
