"""The analytics rollup (support.insights.rollup): the sections answer from it the same
figures as the live SQL over the tickets (counts exactly, medians / p90 within one bucket),
changes to past days show at once, refreshes are idempotent, tenants stay apart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.core.context import NoTenantError, tenant_context
from support.csat.models import CsatRequest
from support.insights import selectors
from support.insights.demo import seed_bulk_tickets
from support.insights.models import InsightsDay, InsightsDirtyDay, InsightsRollupState
from support.insights.rollup import percentiles, rollup_refresh
from support.insights.selectors import InsightsFilters
from support.tickets import services
from support.tickets.models import Ticket, TicketCategory
from tests.support.helpers import make_agent

pytestmark = pytest.mark.django_db

COMPARED = ("volume", "times", "sla", "backlog", "workload", "csat")


@pytest.fixture
def seeded(tenant: Any) -> Any:
    for i in range(4):
        make_agent(tenant, f"agent{i}@example.jp")
    with tenant_context(tenant):
        seed_bulk_tickets(tenant=tenant, count=1500)  # refreshes the rollup at its end
    return tenant


def year(tenant: Any, **kw: Any) -> InsightsFilters:
    today = selectors.tenant_today(tenant)
    return InsightsFilters(start=today - dt.timedelta(days=365), end=today, **kw)


def section(tenant: Any, filters: InsightsFilters, name: str) -> tuple[dict[str, Any], bool]:
    """The section's figures and whether the rollup was read."""
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        data = selectors.insights_section(tenant=tenant, filters=filters, section=name)
    tables = ("FROM support_insights_day", "FROM support_insights_duration")
    return data, any(t in q["sql"] for q in queries.captured_queries for t in tables)


def live(tenant: Any, filters: InsightsFilters, name: str) -> dict[str, Any]:
    """The same section read live: a rollup in another zone is not used."""
    with tenant_context(tenant):
        zone = InsightsRollupState.objects.get(tenant=tenant).zone
        InsightsRollupState.objects.filter(tenant=tenant).update(zone="Etc/Unused")
    try:
        data, used = section(tenant, filters, name)
        assert not used, name
    finally:
        with tenant_context(tenant):
            InsightsRollupState.objects.filter(tenant=tenant).update(zone=zone)
    return data


def assert_same(rolled: Any, exact: Any, path: str = "") -> None:
    """Equal, but medians / p90 (…_hours) within one bucket: a minute below an hour,
    1 % above (and the rounding to 0.01 h)."""
    if isinstance(exact, dict):
        assert set(rolled) == set(exact), path
        for key in exact:
            assert_same(rolled[key], exact[key], f"{path}.{key}")
    elif isinstance(exact, list):
        assert len(rolled) == len(exact), path
        for i, (a, b) in enumerate(zip(rolled, exact, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif path.endswith("_hours") and exact is not None:
        assert rolled is not None, path
        assert abs(rolled - exact) <= max(1 / 60, 0.01 * exact) + 0.011, (path, rolled, exact)
    else:
        assert rolled == exact, (path, rolled, exact)


def assert_sections_match_live(tenant: Any, filters: InsightsFilters) -> None:
    for name in COMPARED:
        rolled, used = section(tenant, filters, name)
        assert used, name
        assert_same(rolled, live(tenant, filters, name), name)


def test_every_section_from_the_rollup_matches_the_live_figures(seeded: Any) -> None:
    tenant = seeded
    assert_sections_match_live(tenant, year(tenant))
    # A period that ends yesterday (rollup only) and one in the middle of the year.
    today = selectors.tenant_today(tenant)
    assert_sections_match_live(
        tenant, InsightsFilters(start=today - dt.timedelta(days=40), end=today - dt.timedelta(1))
    )
    assert_sections_match_live(
        tenant,
        InsightsFilters(start=today - dt.timedelta(days=200), end=today - dt.timedelta(100)),
    )


def test_filtered_sections_from_the_rollup_match_the_live_figures(seeded: Any) -> None:
    tenant = seeded
    with tenant_context(tenant):
        parent = TicketCategory.objects.filter(tenant=tenant, parent__isnull=True).first()
        team = Ticket.objects.filter(tenant=tenant).exclude(team=None).first().team_id  # type: ignore[union-attr]
    assert parent is not None
    assert_sections_match_live(tenant, year(tenant, channel="email", category_id=parent.pk))
    assert_sections_match_live(tenant, year(tenant, team_id=team))


def test_the_rollup_holds_the_closed_days_only(seeded: Any) -> None:
    tenant = seeded
    today = selectors.tenant_today(tenant)
    with tenant_context(tenant):
        state = InsightsRollupState.objects.get(tenant=tenant)
        assert state.rolled_until == today
        assert state.zone == "Asia/Tokyo"
        days = set(InsightsDay.objects.values_list("day", flat=True))
        assert days and max(days) < today
        assert not InsightsDirtyDay.objects.filter(slot__lt=selectors_day_start(tenant, today))


def selectors_day_start(tenant: Any, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=selectors.tenant_zone(tenant))


def test_a_change_to_a_past_day_shows_at_once_and_after_the_next_refresh(seeded: Any) -> None:
    tenant = seeded
    filters = year(tenant)
    with tenant_context(tenant):
        other = TicketCategory.objects.create(tenant=tenant, name_ja="新分類")
        old = (
            Ticket.objects.filter(tenant=tenant, resolved_at__isnull=False)
            .order_by("created_at")
            .first()
        )
        assert old is not None
        services.ticket_update(tenant=tenant, ticket=old, category=other)
        assert InsightsDirtyDay.objects.exists()
    by_other = year(tenant, category_id=other.pk)
    volume, _ = section(tenant, by_other, "volume")
    assert volume["total"] == 1
    assert_sections_match_live(tenant, filters)
    assert_sections_match_live(tenant, by_other)
    with tenant_context(tenant):
        result = rollup_refresh(tenant=tenant)
        assert not result.full and result.days >= 1
        assert not InsightsDirtyDay.objects.filter(
            slot__lt=selectors_day_start(tenant, selectors.tenant_today(tenant))
        ).exists()
    assert section(tenant, by_other, "volume")[0]["total"] == 1
    assert_sections_match_live(tenant, by_other)


def test_a_late_rating_and_a_reopening_count_on_their_days(seeded: Any) -> None:
    tenant = seeded
    today = selectors.tenant_today(tenant)
    past = selectors_day_start(tenant, today - dt.timedelta(days=20)) + dt.timedelta(hours=10)
    with tenant_context(tenant):
        ask = CsatRequest.objects.filter(tenant=tenant, rating__isnull=True).first()
        assert ask is not None
        CsatRequest.objects.filter(pk=ask.pk).update(rating=1, rated_at=past)
        reopened = (
            Ticket.objects.filter(tenant=tenant, resolved_at__lt=past).order_by("-id").first()
        )
        assert reopened is not None
        Ticket.objects.filter(pk=reopened.pk).update(resolved_at=None, status="open")
    assert_sections_match_live(tenant, year(tenant))
    with tenant_context(tenant):
        rollup_refresh(tenant=tenant)
    assert_sections_match_live(tenant, year(tenant))


def test_writes_the_rollup_does_not_read_mark_nothing(seeded: Any) -> None:
    tenant = seeded
    with tenant_context(tenant):
        InsightsDirtyDay.objects.all().delete()
        ticket = Ticket.objects.filter(tenant=tenant).first()
        Ticket.objects.filter(pk=ticket.pk).update(  # type: ignore[union-attr]
            subject="件名だけ変更", tags=["至急"], status="on_hold"
        )
        assert not InsightsDirtyDay.objects.exists()


def test_refreshes_are_idempotent_and_a_full_rebuild_gives_the_same_rows(seeded: Any) -> None:
    tenant = seeded

    def rows() -> list[tuple[Any, ...]]:
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute(
                "SELECT day, grain, channel, category_id, team_id, assignee_id, csat_agent_id,"
                " csat_category_id, received, resolved, fr_met, fr_breached, res_met, "
                "res_breached, csat_sent, csat_rated, csat_score_sum FROM support_insights_day "
                "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
            )
            day = cursor.fetchall()
            cursor.execute(
                "SELECT day, target, grain, channel, category_id, team_id, assignee_id, bucket,"
                " n, min_seconds, max_seconds FROM support_insights_duration "
                "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
            )
            return day + cursor.fetchall()

    before = rows()
    with tenant_context(tenant):
        assert rollup_refresh(tenant=tenant).days == 0  # nothing new
        assert rows() == before
        assert rollup_refresh(tenant=tenant, full=True).full
    assert rows() == before
    # A refresh of a day range rewrites it to the same rows.
    with tenant_context(tenant):
        InsightsRollupState.objects.filter(tenant=tenant).update(
            rolled_until=selectors.tenant_today(tenant) - dt.timedelta(days=30)
        )
        assert rollup_refresh(tenant=tenant).days == 30
    assert rows() == before


def test_a_new_time_zone_reads_live_until_the_rollup_is_rebuilt(seeded: Any) -> None:
    tenant = seeded
    tenant.time_zone = "America/New_York"
    tenant.save(update_fields=["time_zone"])
    filters = year(tenant)
    for name in COMPARED:
        assert not section(tenant, filters, name)[1], name
    with tenant_context(tenant):
        assert rollup_refresh(tenant=tenant).full
    assert_sections_match_live(tenant, filters)


def test_it_keeps_tenants_apart(seeded: Any, other_tenant: Any) -> None:
    tenant = seeded
    with tenant_context(other_tenant):
        rollup_refresh(tenant=other_tenant)
        assert InsightsDay.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM support_insights_day")
            assert cursor.fetchone()[0] == 0  # RLS: tenant A's rows are not visible
            cursor.execute("SELECT count(*) FROM support_insights_duration")
            assert cursor.fetchone()[0] == 0
    volume, used = section(other_tenant, year(other_tenant), "volume")
    assert used and volume["total"] == 0
    with tenant_context(tenant):
        assert InsightsDay.objects.count() > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM support_insights_day")
        assert cursor.fetchone()[0] == 0  # no tenant, no rows
    with pytest.raises(NoTenantError):
        InsightsDay.objects.count()


def test_the_command_and_the_task_refresh(seeded: Any, capsys: Any) -> None:
    from support.insights.tasks import rollup_refresh as task

    tenant = seeded
    call_command("support_insights_rollup", "--tenant", tenant.slug, "--full")
    assert f"{tenant.slug}: rebuilt" in capsys.readouterr().out
    with tenant_context(tenant):
        InsightsRollupState.objects.filter(tenant=tenant).update(
            rolled_until=selectors.tenant_today(tenant) - dt.timedelta(days=2)
        )
    assert task(tenant_id=tenant.pk) == 2
    with pytest.raises(NoTenantError):
        task()


def test_percentiles_interpolate_like_percentile_cont() -> None:
    # One value per bucket: exact, as percentile_cont.
    assert percentiles([(1, 1, 60.0, 60.0), (3, 1, 180.0, 180.0)], (0.5, 0.9)) == (
        2,
        [120.0, 168.0],
    )
    # Two values in one bucket are its min and max; several are spread evenly.
    assert percentiles([(5, 2, 300.0, 350.0), (5, 1, 320.0, 320.0)], (0.5,)) == (3, [325.0])
    assert percentiles([], (0.5,)) == (0, [None])
