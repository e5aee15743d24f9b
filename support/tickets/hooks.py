"""What the other parts of support (SLA, mail, CSAT, similar inquiries) do when a ticket
changes. An explicit list of listeners, registered in each part's `wiring.register()` at app
start, called by the ticket services inside their transaction — not Django signals, so the
order is fixed and a failure rolls the change back.

A listener is `fn(*, ticket, event, message=None, changes=None, actor=None)`; `event` is one
of EVENTS. Listeners that send mail or enqueue tasks do it with `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EVENTS = frozenset(
    {
        "created",  # a new ticket (any channel); message = its first customer message
        "message",  # a customer message, reply or note was added to the ticket
        "changed",  # fields changed; changes = {field: (old, new)}, status included
    }
)

Listener = Callable[..., None]
_LISTENERS: list[tuple[int, str, Listener]] = []


def on_ticket_event(fn: Listener, *, order: int = 50, key: str = "") -> None:
    """Register `fn` (idempotent per key, so a re-run ready() adds nothing)."""
    key = key or f"{fn.__module__}.{fn.__qualname__}"
    if any(k == key for _, k, _ in _LISTENERS):
        return
    _LISTENERS.append((order, key, fn))
    _LISTENERS.sort(key=lambda item: (item[0], item[1]))


def fire(event: str, **kwargs: Any) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown ticket event {event!r}")
    for _, _, fn in list(_LISTENERS):
        fn(event=event, **kwargs)
