"""Builders for the FAQ tests (over support.kb.services, inside the tenant's context)."""

from __future__ import annotations

from typing import Any

from crm.core.context import tenant_context
from support.kb import services


def make_article(tenant: Any, *, status: str = "published", **kw: Any) -> Any:
    kw.setdefault("title_ja", "返品について")
    kw.setdefault("body_ja", "<p>商品到着から30日以内であれば返品できます。</p>")
    with tenant_context(tenant):
        return services.article_create(tenant=tenant, status=status, **kw)


def make_kb_category(tenant: Any, name_ja: str = "注文と返品", **kw: Any) -> Any:
    with tenant_context(tenant):
        return services.category_create(tenant=tenant, name_ja=name_ja, **kw)
