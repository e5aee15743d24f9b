"""Panels the other parts of support add to a ticket's detail page: the SLA timers, the
similar-inquiries list and the template picker, "turn into an FAQ article", the CSAT result.
Each part registers from its `wiring.register()`; the detail page renders what is registered,
per place, in order. A panel's context function runs a fixed number of queries.

Places: "side" (the right-hand column, under the customer), "reply_tools" (above the reply
editor; the editor's textarea has id="reply-body" and the form id="reply-form", so a tool can
insert text at the cursor), "header" (beside the status badges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from crm.core.models import Membership, Tenant
from crm.core.roles import has_perm

Place = Literal["side", "reply_tools", "header"]


@dataclass(frozen=True)
class TicketPanel:
    key: str
    place: Place
    template: str
    # (tenant=, membership=, ticket=) -> template context
    context: Callable[..., dict[str, Any]]
    perm: str
    order: int = 100


_PANELS: dict[str, TicketPanel] = {}


def register_ticket_panel(
    *,
    key: str,
    place: Place,
    template: str,
    context: Callable[..., dict[str, Any]],
    perm: str = "support.view",
    order: int = 100,
) -> None:
    """Registers (or replaces, by key) a panel on the ticket detail page."""
    _PANELS[key] = TicketPanel(key, place, template, context, perm, order)


def ticket_panels(
    *, tenant: Tenant, membership: Membership, ticket: Any
) -> dict[str, list[dict[str, Any]]]:
    """{place: [{"key", "template", **context}, ...]} for the panels the member may see."""
    out: dict[str, list[dict[str, Any]]] = {"side": [], "reply_tools": [], "header": []}
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if not has_perm(membership.role, panel.perm):
            continue
        out[panel.place].append(
            {
                "key": panel.key,
                "template": panel.template,
                **panel.context(tenant=tenant, membership=membership, ticket=ticket),
            }
        )
    return out
