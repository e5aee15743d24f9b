"""Dashboard widgets: any app registers its widgets here; the dashboard draws them.

A widget is a key, a title, a permission and a `data` function returning a JSON-ready
payload of one of the shapes below. The dashboard page fetches each widget's payload from
its JSON endpoint and draws it in the browser (lists and tiles as HTML, charts with
Chart.js), so an app adds a widget without writing any template or script:

    register_widget(Widget(
        key="marketing.running_campaigns", title=_("Running campaigns"),
        perm="marketing.view", kind="list", data=running_campaigns,
        default_for=frozenset({Role.MARKETER}),
    ))

Payload shapes, by `kind`:
- "list":  {"items": [{"title": str, "url": str, "meta": str, "badge": str,
                       "tone": "danger"|"warning"|"success"|""}],
            "empty": str, "more_url": str}
- "kpi":   {"tiles": [{"label": str, "value": str, "hint": str, "url": str}]}
- "chart": {"type": "bar"|"line"|"doughnut", "labels": [str],
            "datasets": [{"label": str, "data": [number], "kind": "bar"|"line"}],
            "unit": "JPY"|"" , "empty": str}
Every payload may carry "empty" (shown when there is nothing) and "more_url".
Optional per chart dataset: "unit" (overrides the chart's) and "axis" (datasets with another
axis name get a second y axis). Links ("url", "more_url") must be paths on this site; the
dashboard's script ignores any other. docs/dashboards.md has the full guide.

`data(ctx)` runs inside the request's tenant with a WidgetContext; it must answer in a
fixed number of queries whatever the tenant's size (the dashboard bench checks it).
Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..roles import Role, has_perm

WIDGET_KINDS = ("list", "kpi", "chart")
SIZES = ("s", "m", "l")  # a third, two thirds, the full width of the grid


@dataclass(frozen=True)
class WidgetContext:
    tenant: Any
    user: Any
    membership: Any  # crm.core.models.Membership of the viewer (None for API keys)
    role: str | None
    language: str = "ja"


@dataclass(frozen=True)
class Widget:
    key: str  # "<app>.<name>", stable: stored in dashboards' layouts
    title: Any  # lazy translation
    perm: str  # a viewer without it neither sees nor can add the widget
    kind: str
    data: Callable[[WidgetContext], dict[str, Any]]
    description: Any = ""
    size: str = "m"
    # Roles whose new (default) dashboard starts with this widget, in `order`.
    default_for: frozenset[Role] = field(default_factory=frozenset)
    order: int = 100

    def __post_init__(self) -> None:
        if self.kind not in WIDGET_KINDS:
            raise ValueError(f"widget {self.key}: unknown kind {self.kind!r}")
        if self.size not in SIZES:
            raise ValueError(f"widget {self.key}: unknown size {self.size!r}")
        if "." not in self.key:
            raise ValueError(f"widget key {self.key!r} must be '<app>.<name>'")
        has_perm(None, self.perm)  # raises KeyError on a permission that does not exist


_REGISTRY: dict[str, Widget] = {}


def register_widget(widget: Widget) -> None:
    existing = _REGISTRY.get(widget.key)
    if existing is not None and existing != widget:
        raise ValueError(f"widget {widget.key!r} registered twice")
    _REGISTRY[widget.key] = widget


def get_widget(key: str) -> Widget | None:
    return _REGISTRY.get(key)


def all_widgets() -> list[Widget]:
    return sorted(_REGISTRY.values(), key=lambda w: (w.order, w.key))


def widgets_for(role: str | None) -> list[Widget]:
    """The widgets a viewer with `role` may see and add."""
    return [w for w in all_widgets() if has_perm(role, w.perm)]


def default_layout(role: str | None) -> list[str]:
    """Widget keys of a new dashboard for `role`."""
    return [w.key for w in widgets_for(role) if role in w.default_for]
