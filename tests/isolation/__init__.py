"""What the URL walker needs to reach every route with tenant A's objects.

Each app has a module here (`core.py`, `contacts.py`, ...) defining:

    def build(tenant, ns) -> None        creates tenant A's sample objects on `ns`; every
                                         text it writes contains MARKER
    ROUTES: dict[str, Callable[[ns], dict]]
                                         route name -> the URL kwargs, from the samples

A route with URL parameters and no entry here fails the walker, so a new page or endpoint
cannot ship without an isolation test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

MARKER = "ALPHAONLY7F3A"


def modules() -> list[Any]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
    ]


def build_samples(tenant: Any) -> SimpleNamespace:
    from crm.core.context import tenant_context

    ns = SimpleNamespace(tenant=tenant)
    with tenant_context(tenant):
        for module in modules():
            module.build(tenant, ns)
    return ns


def route_kwargs() -> dict[str, Callable[[SimpleNamespace], dict]]:
    merged: dict[str, Callable[[SimpleNamespace], dict]] = {}
    for module in modules():
        merged.update(module.ROUTES)
    return merged
