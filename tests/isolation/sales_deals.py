"""Tenant A's pipeline, stages and deals for the isolation walker and the role matrix."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from sales.deals import services
    from sales.deals.models import Stage

    ns.pipeline = services.pipeline_create(
        tenant=tenant, name=f"{MARKER} pipeline", with_default_stages=True
    )
    ns.stage = Stage.objects.filter(pipeline=ns.pipeline).order_by("position").first()
    ns.next_stage = Stage.objects.filter(pipeline=ns.pipeline).order_by("position")[1]
    ns.empty_stage = services.stage_create(
        tenant=tenant, pipeline=ns.pipeline, name=f"{MARKER} empty", probability=5
    )
    ns.deal = services.deal_create(
        tenant=tenant,
        name=f"{MARKER} deal",
        pipeline=ns.pipeline,
        company=getattr(ns, "company", None),
        contacts=[ns.contact.pk] if getattr(ns, "contact", None) else [],
        amount=500_000,
        next_step=MARKER,
    )
    ns.deleted_deal = services.deal_create(
        tenant=tenant, name=f"{MARKER} deleted deal", pipeline=ns.pipeline
    )
    services.deal_soft_delete(tenant=tenant, deal=ns.deleted_deal)


ROUTES = {
    "sales:deal_board_column": lambda ns: {"stage_id": ns.stage.pk},
    "sales:deal_detail": lambda ns: {"deal_id": ns.deal.pk},
    "sales:deal_edit": lambda ns: {"deal_id": ns.deal.pk},
    "sales:deal_move": lambda ns: {"deal_id": ns.deal.pk},
    "sales:deal_delete": lambda ns: {"deal_id": ns.deal.pk},
    "sales:deal_restore": lambda ns: {"deal_id": ns.deleted_deal.pk},
    "sales:deal_note": lambda ns: {"deal_id": ns.deal.pk},
    "sales:deal_lines": lambda ns: {"deal_id": ns.deal.pk},
    "deal-lines": lambda ns: {"pk": ns.deal.pk},
    "sales:pipeline_edit": lambda ns: {"pipeline_id": ns.pipeline.pk},
    "sales:stage_create": lambda ns: {"pipeline_id": ns.pipeline.pk},
    "sales:stage_edit": lambda ns: {"stage_id": ns.empty_stage.pk},
    "pipeline-detail": lambda ns: {"pk": ns.pipeline.pk},
    "stage-detail": lambda ns: {"pk": ns.empty_stage.pk},
    "deal-detail": lambda ns: {"pk": ns.deal.pk},
    "deal-move-stage": lambda ns: {"pk": ns.deal.pk},
}
