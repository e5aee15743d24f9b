"""The board's kept per-stage totals (StageTotals): after every way a deal is written they
equal a fresh aggregate over the deals, two transactions counting into the same stage both
count, the repair command puts wrong rows right, and the board shows the same headers with
the same number of queries as when it summed the deals."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from contacts.dedupe.services import contact_merge
from contacts.services import company_create, company_soft_delete, purge_deleted
from crm.core.context import tenant_context
from sales.deals import selectors, services
from sales.deals.hooks import register_won_hook, unregister_won_hook
from sales.deals.models import Deal, Pipeline, Stage, StageTotals
from tests.conftest import wait_until
from tests.factories import make_contact, owner_of

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db
NO_FILTERS = selectors.DealFilters()


def _numbers(rows: dict[int, dict[str, Any]]) -> dict[int, tuple[int, Decimal, Decimal, Decimal]]:
    """Per stage (count, total, Σ amount × override, Σ amount without override); stages
    without deals left out (a kept row may be all zeros, an aggregate has no row)."""
    out = {}
    for stage_id, row in rows.items():
        numbers = (
            int(row.get("count") or 0),
            Decimal(row.get("total") or 0),
            Decimal(row.get("overridden") or 0),
            Decimal(row.get("plain") or 0),
        )
        if any(numbers):
            out[stage_id] = numbers
    return out


def assert_kept_totals_exact(
    tenant: Any, after: str = ""
) -> dict[int, tuple[int, Decimal, Decimal, Decimal]]:
    """The kept rows of every pipeline equal the aggregate over the tenant's live deals."""
    seen: dict[int, tuple[int, Decimal, Decimal, Decimal]] = {}
    with tenant_context(tenant):
        for pipeline in Pipeline.objects.all():
            args = {"tenant": tenant, "pipeline": pipeline, "membership": None}
            kept = _numbers(selectors.board_totals(filters=NO_FILTERS, **args))
            fresh = _numbers(selectors.board_totals_aggregate(filters=NO_FILTERS, **args))
            assert kept == fresh, f"{pipeline.name} after {after or 'setup'}"
            seen.update(kept)
    return seen


def test_every_deal_service_keeps_the_totals_exact(tenant: Any) -> None:
    owner = owner_of(tenant)
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        deal = make_deal(tenant, amount=1_000_000)
        assert assert_kept_totals_exact(tenant)[stages["Lead"].pk] == (
            1,
            Decimal(1_000_000),
            Decimal(0),
            Decimal(1_000_000),
        )
        make_deal(tenant, amount=500_000, stage=stages["Proposal"].pk, probability=80)
        make_deal(tenant, amount=300_000, stage=stages["Won"].pk)
        make_deal(tenant, amount=200_000, stage=stages["Lost"].pk, lost_reason="価格")
        assert_kept_totals_exact(tenant)
        steps = [
            lambda: services.deal_update(tenant=tenant, deal=deal, amount="2,500,000"),
            lambda: services.deal_update(tenant=tenant, deal=deal, probability=40),
            lambda: services.deal_update(tenant=tenant, deal=deal, probability=""),
            lambda: services.deal_update(tenant=tenant, deal=deal, owner=owner.pk),
            lambda: services.deal_update(tenant=tenant, deal=deal, tags=["展示会", "紹介"]),
            lambda: services.deal_update(
                tenant=tenant, deal=deal, expected_close_date=dt.date(2027, 3, 31)
            ),
            lambda: services.deal_update(tenant=tenant, deal=deal, currency="USD"),
            lambda: services.deal_update(tenant=tenant, deal=deal, name="名前だけ変更"),
            lambda: services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Quote"]),
            lambda: services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Won"]),
            lambda: services.deal_move_stage(
                tenant=tenant, deal=deal, stage=stages["Lost"], lost_reason="予算"
            ),
            lambda: services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Lead"]),
            lambda: services.deal_soft_delete(tenant=tenant, deal=deal),
            lambda: services.deal_soft_delete(tenant=tenant, deal=deal),  # twice: no change
            lambda: services.deal_restore(tenant=tenant, deal=deal),
            lambda: services.stage_update(tenant=tenant, stage=stages["Lead"], probability=25),
        ]
        for number, step in enumerate(steps):
            step()
            assert_kept_totals_exact(tenant, after=f"step {number}")
        lead = next(
            c
            for c in selectors.board(
                tenant=tenant,
                pipeline=_pipeline,
                membership=None,
                filters=NO_FILTERS,
            )
            if c.stage.pk == stages["Lead"].pk
        )
        assert (lead.count, lead.total, lead.weighted) == (
            1,
            Decimal("2500000.00"),
            Decimal("625000.00"),  # the stage's new 25 %
        )


def test_refused_writes_leave_the_totals_as_they_were(tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        deal = make_deal(tenant, amount=1_000_000)
        before = assert_kept_totals_exact(tenant)
        with pytest.raises(ValidationError):
            services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Lost"])
        with pytest.raises(ValidationError):
            services.deal_update(tenant=tenant, deal=deal, amount="-5")
        with pytest.raises(ValidationError):
            services.deal_create(tenant=tenant, name="", amount=10)

        def refuse(**_: Any) -> None:
            raise ValidationError("受注処理に失敗しました")

        register_won_hook(refuse)
        try:
            with pytest.raises(ValidationError):
                services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Won"])
        finally:
            unregister_won_hook(refuse)
        assert assert_kept_totals_exact(tenant) == before


def test_bulk_writes_outside_the_services_keep_the_totals_exact(tenant: Any) -> None:
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        for i in range(6):
            make_deal(tenant, amount=100_000 * (i + 1), stage=stages["Lead"].pk)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO sales_deal (tenant_id, name, pipeline_id, stage_id, amount, currency,
                  probability, source, lost_reason, next_step, tags, stage_entered_at,
                  created_at, updated_at, custom_fields)
                SELECT %s, 'bulk ' || i, %s, %s, i * 1000, 'JPY',
                  CASE WHEN i %% 3 = 0 THEN 60 END, '', '', '', '{}', now(), now(), now(), '{}'
                FROM generate_series(1, 500) AS i
                """,
                [tenant.pk, pipeline.pk, stages["Quote"].pk],
            )
        assert assert_kept_totals_exact(tenant)[stages["Quote"].pk][0] == 500
        Deal.objects.filter(stage=stages["Quote"], amount__lt=100_000).update(
            stage=stages["Negotiation"], probability=None
        )
        assert_kept_totals_exact(tenant)
        Deal.objects.filter(stage=stages["Negotiation"]).update(deleted_at=timezone.now())
        assert_kept_totals_exact(tenant)
        Deal.objects.filter(stage=stages["Quote"], amount__gt=400_000).delete()
        Deal.objects.filter(stage=stages["Lead"]).first().delete()
        totals = assert_kept_totals_exact(tenant)
        assert stages["Negotiation"].pk not in totals
        assert totals[stages["Lead"].pk][0] == 5


def test_contact_merges_and_purges_keep_the_totals_exact(tenant: Any) -> None:
    survivor, other = make_contact(tenant), make_contact(tenant)
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        company = company_create(tenant=tenant, name="青空商事")
        make_deal(tenant, amount=700_000, company=company.pk, contacts=[other.pk])
        make_deal(tenant, amount=300_000, contacts=[survivor.pk, other.pk], probability=90)
        before = assert_kept_totals_exact(tenant)
        contact_merge(tenant=tenant, actor=None, survivor=survivor, other=other)
        company_soft_delete(tenant=tenant, company=company)
        purge_deleted(tenant=tenant, older_than=dt.timedelta(seconds=-1))
        assert assert_kept_totals_exact(tenant) == before


def test_each_tenant_keeps_its_own_totals(tenant: Any, other_tenant: Any) -> None:
    with tenant_context(tenant):
        _p, ours = default_pipeline(tenant)
        make_deal(tenant, amount=1_000)
    with tenant_context(other_tenant):
        _p, theirs = default_pipeline(other_tenant)
        make_deal(other_tenant, amount=2_000)
        make_deal(other_tenant, amount=3_000)
        assert set(StageTotals.objects.values_list("tenant_id", flat=True)) == {other_tenant.pk}
    assert assert_kept_totals_exact(tenant)[ours["Lead"].pk][:2] == (1, Decimal(1_000))
    assert assert_kept_totals_exact(other_tenant)[theirs["Lead"].pk][:2] == (2, Decimal(5_000))


def test_the_rebuild_command_repairs_wrong_totals(tenant: Any, other_tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        for amount in (1_000, 2_000, 3_000):
            make_deal(tenant, amount=amount, stage=stages["Quote"].pk, probability=10)
        expected = assert_kept_totals_exact(tenant)
        StageTotals.objects.filter(stage=stages["Quote"]).update(deal_count=99, amount_total=1)
        StageTotals.objects.filter(stage=stages["Lead"]).delete()
        make_deal(tenant, amount=5, stage=stages["Lead"].pk)  # counted on a missing row
        StageTotals.objects.filter(stage=stages["Won"]).update(deal_count=4)
        with pytest.raises(AssertionError):
            assert_kept_totals_exact(tenant)
    call_command("board_totals_rebuild", tenant=tenant.slug)
    totals = assert_kept_totals_exact(tenant)
    assert totals[stages["Quote"].pk] == expected[stages["Quote"].pk]
    assert totals[stages["Lead"].pk][:2] == (1, Decimal(5))
    with tenant_context(tenant):
        # every stage has its row, zero where no deal is
        assert StageTotals.objects.count() == Stage.objects.count()
        assert services.board_totals_rebuild(tenant=tenant) == Stage.objects.count()
    call_command("board_totals_rebuild")  # every tenant


def test_the_board_shows_the_same_headers_from_the_kept_totals(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    owner = owner_of(tenant)
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        for i in range(25):
            make_deal(
                tenant,
                amount=10_000 * (i + 1),
                stage=stages[("Lead", "Proposal", "Negotiation")[i % 3]].pk,
                probability=(i * 7) % 100 if i % 4 == 0 else None,
                owner=owner.pk if i % 2 else None,
            )

        def headers(filters: selectors.DealFilters) -> list[tuple[Any, ...]]:
            with django_assert_num_queries(3):
                columns = selectors.board(
                    tenant=tenant, pipeline=pipeline, membership=None, filters=filters
                )
            return [(c.stage.pk, c.count, c.total, c.weighted, len(c.cards)) for c in columns]

        def summed(filters: selectors.DealFilters) -> list[tuple[Any, ...]]:
            rows = selectors.board_totals_aggregate(
                tenant=tenant, pipeline=pipeline, membership=None, filters=filters
            )
            out = []
            for stage in selectors.stages_of(tenant=tenant, pipeline=pipeline):
                column = selectors.column_totals(rows.get(stage.pk, {}), stage)
                count = column["count"]
                shown = min(count, selectors.BOARD_CARDS)
                out.append((stage.pk, count, column["total"], column["weighted"], shown))
            return out

        assert headers(NO_FILTERS) == summed(NO_FILTERS)
        narrowed = selectors.deal_filters(params={"owner": "unassigned"})
        assert headers(narrowed) == summed(narrowed)
        assert headers(narrowed) != headers(NO_FILTERS)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_counting_into_the_same_stage_both_count(tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        first_deal = make_deal(tenant, amount=1_000_000)
        second_deal = make_deal(tenant, amount=2_000_000, stage=stages["Quote"].pk)
    first_moved, release_first = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with tenant_context(tenant), transaction.atomic():
                services.deal_move_stage(tenant=tenant, deal=first_deal, stage=stages["Proposal"])
                first_moved.set()
                release_first.wait(30)  # uncommitted: the second move waits for the row
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with tenant_context(tenant):
                services.deal_move_stage(tenant=tenant, deal=second_deal, stage=stages["Proposal"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert first_moved.wait(30)
    b = threading.Thread(target=second)
    b.start()

    def second_waits_for_the_first() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
            )
            return cursor.fetchone()[0] > 0

    try:
        assert wait_until(second_waits_for_the_first, timeout=15)
    finally:
        release_first.set()
        a.join(30)
        b.join(30)
    assert not errors
    totals = assert_kept_totals_exact(tenant)
    assert totals[stages["Proposal"].pk][:2] == (2, Decimal(3_000_000))
    assert stages["Lead"].pk not in totals and stages["Quote"].pk not in totals


@pytest.mark.django_db(transaction=True)
def test_many_moves_in_both_directions_at_once_stay_exact(tenant: Any) -> None:
    """Two connections moving deals between the same two stages in opposite directions:
    no deadlock (rows are locked in one order) and no lost update."""
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        lead = [make_deal(tenant, amount=1_000 * (i + 1)) for i in range(12)]
        quote = [
            make_deal(tenant, amount=3_000 * (i + 1), stage=stages["Quote"].pk) for i in range(12)
        ]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def mover(deals: list[Deal], targets: tuple[Stage, Stage]) -> None:
        try:
            start.wait(30)
            with tenant_context(tenant):
                for round_ in range(3):
                    for deal in deals:
                        services.deal_move_stage(
                            tenant=tenant, deal=deal, stage=targets[round_ % 2]
                        )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=mover, args=(lead, (stages["Quote"], stages["Lead"]))),
        threading.Thread(target=mover, args=(quote, (stages["Lead"], stages["Quote"]))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    totals = assert_kept_totals_exact(tenant)
    # three rounds: each side ends in the other's stage
    assert totals[stages["Quote"].pk][:2] == (12, Decimal(1_000 * 78))
    assert totals[stages["Lead"].pk][:2] == (12, Decimal(3_000 * 78))


def test_cards_keep_their_markup_on_the_board_and_on_show_more(
    tenant: Any, member_client: Any
) -> None:
    """The cards' display strings are made in the selector now (one reversed URL, options
    once per column); what the page and the board's script read stays the same."""
    from django.urls import reverse

    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        yen = make_deal(
            tenant,
            name="円の案件",
            amount="1234567.50",
            expected_close_date=dt.date(2027, 3, 31),
            owner=owner_of(tenant).pk,
        )
        dollars = make_deal(tenant, name="USD deal", amount="1200.5", currency="USD")
        for i in range(21):
            make_deal(tenant, name=f"古い案件 {i}", stage=stages["Quote"].pk)
        oldest = Deal.objects.filter(stage=stages["Quote"]).order_by("id").first()
    body = member_client.get(reverse("sales:deal_board")).content.decode()
    move = reverse("sales:deal_move", kwargs={"deal_id": yen.pk})
    assert f'data-deal-id="{yen.pk}" data-move-url="{move}" data-testid="card-{yen.pk}"' in body
    assert f'href="{reverse("sales:deal_detail", kwargs={"deal_id": yen.pk})}"' in body
    assert "¥1,234,568" in body and "1,200.50 USD" in body
    assert "2027-03-31" in body and str(owner_of(tenant)) in body
    assert f'id="move-{dollars.pk}" data-testid="move-{dollars.pk}"' in body
    assert f'<option value="{stages["Lead"].pk}" disabled>' in body
    assert f'<option value="{stages["Won"].pk}">' in body
    more = member_client.get(
        reverse("sales:deal_board_column", kwargs={"stage_id": stages["Quote"].pk})
        + f"?before={oldest.pk + 1}"
    ).content.decode()
    assert f'data-testid="card-{oldest.pk}"' in more
    assert f'<option value="{stages["Quote"].pk}" disabled>' in more
    assert f'<option value="{stages["Lead"].pk}">' in more


def test_the_migration_backfill_counts_the_deals_of_every_tenant(
    tenant: Any, other_tenant: Any
) -> None:
    import importlib

    backfill = importlib.import_module("sales.migrations.0007_board_totals").BACKFILL
    for who, amounts in ((tenant, (1_000, 2_000)), (other_tenant, (5_000,))):
        with tenant_context(who):
            _p, stages = default_pipeline(who)
            for amount in amounts:
                make_deal(who, amount=amount, stage=stages["Proposal"].pk, probability=20)
            make_deal(who, amount=7, stage=stages["Won"].pk)
            StageTotals.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    ours = assert_kept_totals_exact(tenant)
    theirs = assert_kept_totals_exact(other_tenant)
    with tenant_context(tenant):
        proposal = Stage.objects.get(name_en="Proposal")
    assert ours[proposal.pk] == (2, Decimal(3_000), Decimal(60_000), Decimal(0))
    assert sum(row[0] for row in theirs.values()) == 2


def test_stages_and_pipelines_with_kept_rows_can_still_be_deleted(tenant: Any) -> None:
    """The repair gives every stage a row (zeros where no deal is); deleting an unused
    stage or pipeline takes its rows along."""
    with tenant_context(tenant):
        pipeline, _stages = default_pipeline(tenant)
        spare = services.stage_create(tenant=tenant, pipeline=pipeline, name="予備")
        other = services.pipeline_create(tenant=tenant, name="代理店", with_default_stages=True)
        services.board_totals_rebuild(tenant=tenant)
        assert StageTotals.objects.filter(stage=spare).exists()
        services.stage_delete(tenant=tenant, stage=spare)
        services.pipeline_delete(tenant=tenant, pipeline=other)
        assert not StageTotals.objects.filter(pipeline=other).exists()
        assert StageTotals.objects.count() == Stage.objects.count()
