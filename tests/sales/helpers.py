"""Small builders for sales tests, over the services."""

from __future__ import annotations

from typing import Any

from sales.deals import services
from sales.deals.models import Pipeline, Stage


def default_pipeline(tenant: Any) -> tuple[Pipeline, dict[str, Stage]]:
    """The tenant's default pipeline and its stages by English name."""
    pipeline = services.pipeline_default(tenant=tenant)
    stages = {s.name_en: s for s in Stage.objects.filter(tenant=tenant, pipeline=pipeline)}
    return pipeline, stages


def make_deal(tenant: Any, **data: Any) -> Any:
    data.setdefault("name", "基幹システム更新")
    data.setdefault("amount", 1_000_000)
    return services.deal_create(tenant=tenant, **data)
