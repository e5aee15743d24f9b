"""The board: columns with counts, totals and weighted totals, the first cards of each column
in a fixed number of queries whatever the number of deals, stale marks, filters, show more,
moves answered with the new headers (and refused ones changing nothing)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.core.context import tenant_context
from sales.deals import selectors, services
from sales.deals.models import Deal, DealStageChange, Stage
from tests.factories import owner_of

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


def _seed(tenant: Any, per_column: int) -> tuple[Any, dict[str, Stage]]:
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        for name in ("Lead", "Proposal", "Quote"):
            for i in range(per_column):
                make_deal(
                    tenant,
                    name=f"{name} {i}",
                    stage=stages[name].pk,
                    amount=100_000,
                    owner=owner_of(tenant).pk,
                    tags=["展示会"] if i % 2 == 0 else [],
                )
    return pipeline, stages


def _board_queries(tenant: Any, pipeline: Any, django_assert_num_queries: Any) -> list[Any]:
    with tenant_context(tenant), django_assert_num_queries(3):
        return selectors.board(
            tenant=tenant,
            pipeline=pipeline,
            membership=None,
            filters=selectors.deal_filters(params={}),
            per_column=20,
        )


@pytest.mark.parametrize("per_column", [1, 30])
def test_the_board_takes_three_queries_for_1_or_30_deals_per_column(
    tenant: Any, per_column: int, django_assert_num_queries: Any
) -> None:
    pipeline, stages = _seed(tenant, per_column)
    columns = _board_queries(tenant, pipeline, django_assert_num_queries)
    by_name = {c.stage.name_en: c for c in columns}
    assert by_name["Lead"].count == per_column
    assert len(by_name["Lead"].cards) == min(per_column, 20)
    assert by_name["Lead"].has_more == (per_column > 20)
    assert by_name["Proposal"].total == Decimal(100_000 * per_column)
    assert by_name["Proposal"].weighted == Decimal(30_000 * per_column)
    assert by_name["Won"].count == 0 and by_name["Won"].cards == []


@pytest.mark.parametrize("per_column", [1, 30])
def test_the_board_page_query_count_does_not_grow_with_deals(
    tenant: Any, member_client: Any, per_column: int, django_assert_max_num_queries: Any
) -> None:
    _seed(tenant, per_column)
    with django_assert_max_num_queries(16):
        response = member_client.get(reverse("sales:deal_board"))
    assert response.status_code == 200


def test_a_probability_override_counts_in_the_weighted_total(tenant: Any) -> None:
    with tenant_context(tenant):
        pipeline, stages = default_pipeline(tenant)
        make_deal(tenant, amount=1_000_000, stage=stages["Lead"].pk, probability=90)
        make_deal(tenant, amount=1_000_000, stage=stages["Lead"].pk)
        columns = selectors.board(
            tenant=tenant,
            pipeline=pipeline,
            membership=None,
            filters=selectors.deal_filters(params={}),
        )
    lead = next(c for c in columns if c.stage.pk == stages["Lead"].pk)
    assert lead.weighted == Decimal(1_000_000)  # 900,000 + 100,000


def test_deals_left_longer_than_the_stage_allows_are_stale(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        old = make_deal(tenant, name="放置案件")
        fresh = make_deal(tenant, name="新規案件")
        Deal.objects.filter(pk=old.pk).update(
            stage_entered_at=timezone.now() - dt.timedelta(days=31)
        )
    body = member_client.get(reverse("sales:deal_board")).content.decode()
    assert f'data-testid="stale-{old.pk}"' in body
    assert f'data-testid="stale-{fresh.pk}"' not in body


def test_filters_by_owner_close_month_and_tag(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        mine = make_deal(
            tenant,
            name="March tagged",
            owner=owner_of(tenant).pk,
            expected_close_date=dt.date(2026, 3, 15),
            tags=["展示会"],
        )
        other = make_deal(tenant, name="April untagged", expected_close_date=dt.date(2026, 4, 1))
    url = reverse("sales:deal_board")
    for query in ("?owner=me", "?close_month=2026-03", "?tag=展示会"):
        body = member_client.get(url + query).content.decode()
        assert f'data-testid="card-{mine.pk}"' in body, query
        assert f'data-testid="card-{other.pk}"' not in body, query


def test_show_more_loads_the_next_cards_of_a_column(tenant: Any, member_client: Any) -> None:
    _pipeline, stages = _seed(tenant, 25)
    with tenant_context(tenant):
        ids = list(
            Deal.objects.filter(stage=stages["Lead"]).order_by("-id").values_list("id", flat=True)
        )
    url = reverse("sales:deal_board_column", kwargs={"stage_id": stages["Lead"].pk})
    body = member_client.get(f"{url}?before={ids[19]}").content.decode()
    assert all(f'data-testid="card-{pk}"' in body for pk in ids[20:])
    assert f'data-testid="card-{ids[19]}"' not in body
    assert "Show more" not in body


def test_a_move_answers_with_the_new_column_headers(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        deal = make_deal(tenant, amount=2_000_000)
    response = member_client.post(
        reverse("sales:deal_move", kwargs={"deal_id": deal.pk}),
        {"stage": stages["Proposal"].pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["stage"] == stages["Proposal"].pk
    proposal_head = data["headers"][str(stages["Proposal"].pk)]
    assert "¥2,000,000" in proposal_head and "¥600,000" in proposal_head
    assert ">0<" in data["headers"][str(stages["Lead"].pk)]


def test_a_refused_move_says_why_and_changes_nothing(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        other = services.pipeline_create(tenant=tenant, name="代理店", with_default_stages=True)
        foreign = Stage.objects.filter(pipeline=other).first()
        deal = make_deal(tenant)
    url = reverse("sales:deal_move", kwargs={"deal_id": deal.pk})
    response = member_client.post(url, {"stage": foreign.pk}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "another pipeline" in json.loads(response.content)["error"]
    response = member_client.post(url, {"stage": stages["Lost"].pk}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "lost" in json.loads(response.content)["error"]
    with tenant_context(tenant):
        deal.refresh_from_db()
        assert deal.stage_id == stages["Lead"].pk
        assert DealStageChange.objects.filter(deal=deal).count() == 1


def test_the_board_speaks_japanese(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
    response = member_client.get(reverse("sales:deal_board"), HTTP_ACCEPT_LANGUAGE="ja")
    body = response.content.decode()
    assert "見込み" in body and "交渉" in body
