"""What else happens when a deal is won, registered by other parts of sales (e.g. catalog:
"create the order from the deal's lines"). deal_move_stage calls run_won_hooks inside its
transaction, so a hook that raises rolls the whole move back: the deal is not won, nothing
is half-changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (*, tenant, deal, actor) -> what the person who won the deal should be told: a list of
# sentences (e.g. "Order SO-000012 created."), or None.
WonHook = Callable[..., Any]

_WON_HOOKS: list[WonHook] = []


def register_won_hook(fn: WonHook) -> WonHook:
    """Registers fn to run when a deal moves to a won stage (idempotent; usable as a decorator)."""
    if fn not in _WON_HOOKS:
        _WON_HOOKS.append(fn)
    return fn


def unregister_won_hook(fn: WonHook) -> None:
    """Removes fn (tests register their own hooks and take them away again)."""
    if fn in _WON_HOOKS:
        _WON_HOOKS.remove(fn)


def run_won_hooks(*, tenant: Any, deal: Any, actor: Any) -> list[str]:
    """Runs every registered hook in registration order, inside the caller's transaction,
    and returns the notices they gave (shown to whoever moved the deal)."""
    notices: list[str] = []
    for fn in list(_WON_HOOKS):
        result = fn(tenant=tenant, deal=deal, actor=actor)
        if isinstance(result, list | tuple):
            notices.extend(str(item) for item in result if item)
    return notices
