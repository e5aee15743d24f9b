"""The "Open deals" panel on contact and company pages (one query each)."""

from __future__ import annotations

from typing import Any

from . import selectors


def _deals(tenant: Any, membership: Any, **about: Any) -> dict[str, Any]:
    if tenant is None or any(value is None for value in about.values()):
        return {"deals": []}  # nothing to look up outside a tenant
    return {"deals": selectors.open_deals_for(tenant=tenant, membership=membership, **about)}


def contact_open_deals(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return _deals(tenant, membership, contact=obj)


def company_open_deals(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return _deals(tenant, membership, company=obj)
