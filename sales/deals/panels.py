"""The "Open deals" panel on contact and company pages (one query each)."""

from __future__ import annotations

from typing import Any

from . import selectors


def contact_open_deals(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return {"deals": selectors.open_deals_for(tenant=tenant, membership=membership, contact=obj)}


def company_open_deals(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    return {"deals": selectors.open_deals_for(tenant=tenant, membership=membership, company=obj)}
