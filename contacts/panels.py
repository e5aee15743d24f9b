"""Panels other apps show beside a contact's or company's timeline (open deals, tickets,
purchases). contacts may not import those apps (DESIGN.md: dependencies point one way), so
they register here from their AppConfig.ready() and the detail pages render what is
registered. A panel's context function runs a fixed number of queries whatever the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from crm.core.models import Membership, Tenant
from crm.core.roles import has_perm

On = Literal["contact", "company"]


@dataclass(frozen=True)
class DetailPanel:
    key: str
    template: str
    # (tenant=, membership=, obj=) -> template context; obj is the Contact or Company
    context: Callable[..., dict[str, Any]]
    perm: str
    order: int = 100


_PANELS: dict[str, dict[str, DetailPanel]] = {"contact": {}, "company": {}}


def register_detail_panel(
    *,
    on: On,
    key: str,
    template: str,
    context: Callable[..., dict[str, Any]],
    perm: str,
    order: int = 100,
) -> None:
    """Registers (or replaces, by key) a panel on contact or company detail pages."""
    _PANELS[on][key] = DetailPanel(key, template, context, perm, order)


def detail_panels(
    *, on: On, tenant: Tenant, membership: Membership, obj: Any
) -> list[dict[str, Any]]:
    """The panels the member may see, in order, each as {"key", "template", **context}."""
    panels = sorted(_PANELS[on].values(), key=lambda p: (p.order, p.key))
    return [
        {
            "key": panel.key,
            "template": panel.template,
            **panel.context(tenant=tenant, membership=membership, obj=obj),
        }
        for panel in panels
        if has_perm(membership.role, panel.perm)
    ]
