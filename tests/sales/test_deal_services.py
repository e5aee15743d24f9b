"""Deal services: the default pipeline, moves between stages (history seconds, closing,
lost reason, the won hooks, timeline entries) and the refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Interaction
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from sales.deals import hooks, selectors, services
from sales.deals.models import Deal, DealStageChange, Stage
from tests.factories import make_contact, owner_of

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(tenant: Any) -> Any:
    with tenant_context(tenant):
        yield tenant


def test_the_default_pipeline_has_japanese_b2b_stages_once(ctx: Any) -> None:
    first = services.pipeline_default(tenant=ctx)
    again = services.pipeline_default(tenant=ctx)
    assert first.pk == again.pk and first.is_default
    stages = list(Stage.objects.filter(pipeline=first).order_by("position"))
    assert [(s.name, s.name_en, s.probability, s.kind) for s in stages] == [
        ("見込み", "Lead", 10, "open"),
        ("提案", "Proposal", 30, "open"),
        ("見積", "Quote", 50, "open"),
        ("交渉", "Negotiation", 70, "open"),
        ("受注", "Won", 100, "won"),
        ("失注", "Lost", 0, "lost"),
    ]


def test_a_new_deal_starts_in_the_first_open_stage_with_history(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    deal = make_deal(ctx)
    assert deal.stage_id == stages["Lead"].pk and deal.closed_at is None
    change = DealStageChange.objects.get(deal=deal)
    assert change.from_stage is None and change.seconds_in_from_stage is None
    assert AuditLog.objects.filter(object_id=str(deal.pk), action="create").exists()


def test_moving_records_the_seconds_spent_in_the_stage_left(ctx: Any, member: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    deal = make_deal(ctx)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - dt.timedelta(hours=2))
    moved = services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Proposal"], actor=member)
    assert moved.stage_id == stages["Proposal"].pk
    change = DealStageChange.objects.filter(deal=deal).latest("id")
    assert change.from_stage_id == stages["Lead"].pk
    assert change.changed_by_id == member.pk
    assert 7200 <= change.seconds_in_from_stage < 7300
    history = selectors.deal_stage_history(tenant=ctx, deal=moved)
    assert [h.to_stage.name_en for h in history] == ["Lead", "Proposal"]
    assert 7200 <= history[0].seconds_in_stage < 7300


def test_a_stage_of_another_pipeline_is_refused_and_nothing_changes(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    other = services.pipeline_create(tenant=ctx, name="代理店", with_default_stages=True)
    foreign = Stage.objects.filter(pipeline=other).first()
    deal = make_deal(ctx)
    changes_before = DealStageChange.objects.count()
    entries_before = Interaction.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.deal_move_stage(tenant=ctx, deal=deal, stage=foreign)
    assert "another pipeline" in caught.value.message_dict["stage"][0]
    deal.refresh_from_db()
    assert deal.stage_id == stages["Lead"].pk
    assert DealStageChange.objects.count() == changes_before
    assert Interaction.objects.count() == entries_before


def test_lost_needs_a_reason_and_closes_the_deal(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    deal = make_deal(ctx)
    with pytest.raises(ValidationError) as caught:
        services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Lost"], lost_reason="  ")
    assert "lost_reason" in caught.value.message_dict
    deal.refresh_from_db()
    assert deal.stage_id == stages["Lead"].pk and deal.closed_at is None
    lost = services.deal_move_stage(
        tenant=ctx, deal=deal, stage=stages["Lost"], lost_reason="価格で他社"
    )
    assert lost.closed_at is not None and lost.lost_reason == "価格で他社"
    reopened = services.deal_move_stage(tenant=ctx, deal=lost, stage=stages["Quote"])
    assert reopened.closed_at is None and reopened.lost_reason == ""


def test_winning_runs_the_won_hooks_inside_the_move(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    seen: list[tuple[int, int]] = []

    def hook(*, tenant: Any, deal: Any, actor: Any) -> None:
        seen.append((tenant.pk, deal.pk))

    hooks.register_won_hook(hook)
    try:
        deal = make_deal(ctx)
        services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Proposal"])
        assert seen == []
        won = services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Won"])
        assert seen == [(ctx.pk, deal.pk)] and won.closed_at is not None
    finally:
        hooks.unregister_won_hook(hook)


def test_a_failing_won_hook_rolls_the_move_back(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)

    def hook(*, tenant: Any, deal: Any, actor: Any) -> None:
        raise ValidationError("在庫が足りません")

    deal = make_deal(ctx)
    changes_before = DealStageChange.objects.count()
    hooks.register_won_hook(hook)
    try:
        with pytest.raises(ValidationError):
            services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Won"])
    finally:
        hooks.unregister_won_hook(hook)
    deal.refresh_from_db()
    assert deal.stage_id == stages["Lead"].pk and deal.closed_at is None
    assert DealStageChange.objects.count() == changes_before


def test_created_moved_and_won_appear_on_contact_and_company_timelines(ctx: Any) -> None:
    _pipeline, stages = default_pipeline(ctx)
    company = company_create(tenant=ctx, name="東海精機株式会社")
    contact = make_contact(ctx, last_name="佐藤", company=company.pk)
    deal = make_deal(ctx, company=company.pk, contacts=[contact.pk], owner=owner_of(ctx).pk)
    services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Proposal"])
    services.deal_move_stage(tenant=ctx, deal=deal, stage=stages["Won"])
    on_contact = Interaction.objects.filter(contact=contact, ref_type="deal", ref_id=str(deal.pk))
    on_company = Interaction.objects.filter(company=company, ref_type="deal", ref_id=str(deal.pk))
    assert on_contact.count() == 3 and on_company.count() == 3
    subjects = [e.subject for e in selectors.deal_timeline(tenant=ctx, deal=deal)]
    assert subjects[0].startswith("Deal won") and subjects[-1].startswith("Deal created")
    assert len(subjects) == 3


def test_a_pipeline_or_stage_with_deals_is_not_deleted(ctx: Any) -> None:
    pipeline, stages = default_pipeline(ctx)
    make_deal(ctx)
    with pytest.raises(ValidationError):
        services.pipeline_delete(tenant=ctx, pipeline=pipeline)
    with pytest.raises(ValidationError):
        services.stage_delete(tenant=ctx, stage=stages["Lead"])
    assert Stage.objects.filter(pk=stages["Lead"].pk).exists()
    services.stage_delete(tenant=ctx, stage=stages["Quote"])
    assert not Stage.objects.filter(pk=stages["Quote"].pk).exists()


def test_stages_are_reordered_all_at_once(ctx: Any) -> None:
    pipeline, stages = default_pipeline(ctx)
    ids = [s.pk for s in Stage.objects.filter(pipeline=pipeline).order_by("position")]
    with pytest.raises(ValidationError):
        services.stage_reorder(tenant=ctx, pipeline=pipeline, stage_ids=ids[:-1])
    services.stage_reorder(tenant=ctx, pipeline=pipeline, stage_ids=list(reversed(ids)))
    assert [s.pk for s in Stage.objects.filter(pipeline=pipeline).order_by("position")] == list(
        reversed(ids)
    )


def test_bad_deal_input_says_what_to_fix_and_stores_nothing(ctx: Any) -> None:
    default_pipeline(ctx)
    with pytest.raises(ValidationError) as caught:
        make_deal(ctx, name="", amount="-5", currency="円", probability=150)
    assert set(caught.value.message_dict) >= {"name", "amount", "currency", "probability"}
    assert Deal.objects.count() == 0


def test_soft_delete_hides_and_restore_brings_back(ctx: Any) -> None:
    default_pipeline(ctx)
    deal = make_deal(ctx)
    services.deal_soft_delete(tenant=ctx, deal=deal)
    assert not selectors.visible_deals(ctx, None).filter(pk=deal.pk).exists()
    services.deal_restore(tenant=ctx, deal=deal)
    assert selectors.visible_deals(ctx, None).filter(pk=deal.pk).exists()
