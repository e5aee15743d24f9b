"""Every analytics figure against small data computed by hand (times in JST)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from crm.core.context import tenant_context
from support.csat.models import CsatRequest
from support.insights import selectors
from support.insights.selectors import InsightsFilters
from support.tickets.models import Channel, Status, Ticket
from tests.support.helpers import make_agent, make_category, make_team, make_ticket

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 5)
FAR = dt.datetime(2099, 1, 1, tzinfo=JST)


def at(day: int, hour: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=JST)


def put(tenant: Any, ticket: Ticket, **columns: Any) -> Ticket:
    with tenant_context(tenant):
        Ticket.objects.filter(tenant=tenant, pk=ticket.pk).update(**columns)
        ticket.refresh_from_db()
    return ticket


@pytest.fixture
def data(tenant: Any) -> dict[str, Any]:
    x = make_agent(tenant, "x@example.jp", display_name="Agent X")
    y = make_agent(tenant, "y@example.jp", display_name="Agent Y")
    a = make_category(tenant, "A")
    a1 = make_category(tenant, "A1", parent=a)
    b = make_category(tenant, "B")
    team = make_team(tenant, "Tier 1")

    def ticket(**columns: Any) -> Ticket:
        return put(tenant, make_ticket(tenant, subject=columns.pop("subject", "件名")), **columns)

    t = {
        1: ticket(
            created_at=at(1, 10),
            channel=Channel.EMAIL,
            category=a,
            assignee=x,
            team=team,
            first_response_at=at(1, 11),
            resolved_at=at(1, 14),
            status=Status.RESOLVED,
            first_response_due_at=at(1, 12),
            resolution_due_at=at(1, 13),
        ),
        2: ticket(
            created_at=at(1, 12),
            channel=Channel.WEB,
            category=a1,
            assignee=x,
            first_response_at=at(1, 15),
            resolved_at=at(3, 12),
            status=Status.CLOSED,
            first_response_due_at=at(1, 13),
            resolution_due_at=at(5, 0),
        ),
        3: ticket(
            created_at=at(2, 9),
            channel=Channel.EMAIL,
            category=b,
            assignee=y,
            first_response_at=at(2, 19),
            status=Status.OPEN,
            first_response_due_at=at(2, 18),
            resolution_due_at=FAR,
        ),
        4: ticket(
            subject='=HYPERLINK("http://evil")',
            created_at=at(4, 9),
            channel=Channel.PHONE,
            status=Status.NEW,
            first_response_due_at=FAR,
        ),
        5: ticket(
            created_at=at(30, 9, 10),
            channel=Channel.EMAIL,
            category=b,
            assignee=y,
            first_response_at=at(30, 10, 10),
            resolved_at=at(2, 9),
            status=Status.RESOLVED,
        ),
        6: ticket(
            created_at=at(29, 9, 10),
            channel=Channel.CHAT,
            resolved_at=at(31, 9, 10),
            status=Status.CLOSED,
        ),
    }
    with tenant_context(tenant):
        CsatRequest.objects.filter(tenant=tenant).delete()  # the hook's asks for the helpers

        def ask(n: int, rating: int | None, rated: dt.datetime | None, **kw: Any) -> None:
            CsatRequest.objects.create(
                tenant=tenant,
                ticket=t[n],
                token_hash=f"h{n}",
                resolved_at=at(1, 0),
                created_at=at(2, 0),
                expires_at=FAR,
                rating=rating,
                rated_at=rated,
                **kw,
            )

        ask(1, 5, at(2, 10), agent=x, category=a, comment="=cmd|' /C calc'!A0")
        ask(2, 2, at(4, 10), agent=x, category=a1, comment="遅い")
        ask(5, 4, at(3, 10), agent=y, category=b)
        ask(3, None, None, agent=y, category=b)
    return {"t": t, "x": x, "y": y, "a": a, "a1": a1, "b": b, "team": team}


def run(tenant: Any, section: str, **kw: Any) -> dict[str, Any]:
    with tenant_context(tenant):
        return selectors.insights_section(
            tenant=tenant, filters=InsightsFilters(start=START, end=END, **kw), section=section
        )


def test_volume_by_day_channel_and_category(tenant: Any, data: Any) -> None:
    v = run(tenant, "volume")
    assert v["total"] == 4
    assert [(d["day"], d["count"]) for d in v["by_day"]] == [
        ("2026-11-01", 2),
        ("2026-11-02", 1),
        ("2026-11-03", 0),
        ("2026-11-04", 1),
        ("2026-11-05", 0),
    ]
    assert {c["channel"]: c["count"] for c in v["by_channel"]} == {"email": 2, "web": 1, "phone": 1}
    assert {c["category_id"]: c["count"] for c in v["by_category"]} == {
        data["a"].pk: 1,
        data["a1"].pk: 1,
        data["b"].pk: 1,
        None: 1,
    }


def test_a_day_is_the_tenants_day(tenant: Any, data: Any) -> None:
    # 23:30 JST on 11-05 is 14:30 UTC the same day; 00:30 JST on 11-06 is outside.
    put(tenant, make_ticket(tenant), created_at=dt.datetime(2026, 11, 5, 23, 30, tzinfo=JST))
    put(tenant, make_ticket(tenant), created_at=dt.datetime(2026, 11, 6, 0, 30, tzinfo=JST))
    assert run(tenant, "volume")["by_day"][-1] == {"day": "2026-11-05", "count": 1}


def test_filters_narrow_every_section(tenant: Any, data: Any) -> None:
    assert run(tenant, "volume", channel="email")["total"] == 2
    # A category counts its subcategories too.
    assert run(tenant, "volume", category_id=data["a"].pk)["total"] == 2
    assert run(tenant, "volume", category_id=data["a1"].pk)["total"] == 1
    assert run(tenant, "volume", team_id=data["team"].pk)["total"] == 1
    assert run(tenant, "csat", channel="web")["rated"] == 1


def test_median_and_p90_of_first_response_and_resolution(tenant: Any, data: Any) -> None:
    times = run(tenant, "times")
    # First replies in the period: 1 h, 3 h, 10 h. p90 = 3 + 0.8 × (10 − 3) = 8.6.
    assert times["first_response"] == {
        **times["first_response"],
        "count": 3,
        "median_hours": 3.0,
        "p90_hours": 8.6,
    }
    # Resolved in the period: 4 h, 48 h, 72 h (ticket 5 was received before the period).
    # p90 = 48 + 0.8 × (72 − 48) = 67.2.
    assert (times["resolution"]["count"], times["resolution"]["median_hours"]) == (3, 48.0)
    assert times["resolution"]["p90_hours"] == 67.2
    email = run(tenant, "times", channel="email")["first_response"]  # 1 h and 10 h
    assert (email["count"], email["median_hours"], email["p90_hours"]) == (2, 5.5, 9.1)
    assert times["basis"] == "wall_clock_hours"


def record(tenant: Any, ticket: Ticket, target: str, outcome: str, due: dt.datetime) -> None:
    from support.sla.models import SlaRecord

    with tenant_context(tenant):
        SlaRecord.objects.filter(tenant=tenant, ticket=ticket, target=target).delete()
        SlaRecord.objects.create(
            tenant=tenant, ticket=ticket, target=target, outcome=outcome, due_at=due
        )


def test_sla_attainment(tenant: Any, data: Any) -> None:
    t = data["t"]
    with tenant_context(tenant):
        from support.sla.models import SlaRecord

        SlaRecord.objects.filter(tenant=tenant).delete()  # the SLA part's own, due now
    record(tenant, t[1], "first_response", "met", at(1, 12))
    record(tenant, t[1], "resolution", "breached", at(1, 13))
    record(tenant, t[2], "first_response", "breached", at(1, 13))
    record(tenant, t[2], "resolution", "met", at(5, 0))
    record(tenant, t[3], "first_response", "breached", at(2, 18))
    record(tenant, t[5], "resolution", "met", at(6, 0))  # due after the period: not counted
    sla = run(tenant, "sla")
    assert sla["first_response"] == {"met": 1, "missed": 2, "running": 0, "rate": 33.3}
    assert sla["resolution"] == {"met": 1, "missed": 1, "running": 0, "rate": 50.0}
    assert run(tenant, "sla", channel="web")["first_response"]["missed"] == 1
    # The same count as the SLA part's own selector.
    from support.sla.selectors import sla_attainment

    with tenant_context(tenant):
        theirs = sla_attainment(
            tenant=tenant, start=at(1, 0), end=dt.datetime(2026, 11, 6, tzinfo=JST)
        )
    assert {r["target"]: (r["met"], r["breached"], r["attainment"]) for r in theirs} == {
        "first_response": (1, 2, 33.3),
        "resolution": (1, 1, 50.0),
    }


def test_sla_targets_still_inside_their_time_are_running(tenant: Any) -> None:
    ticket = make_ticket(tenant)
    put(
        tenant,
        ticket,
        status=Status.OPEN,
        first_response_at=None,
        first_response_due_at=timezone.now() + dt.timedelta(minutes=5),
    )
    with tenant_context(tenant):
        today = selectors.tenant_today(tenant)
        filters = InsightsFilters(start=today, end=today + dt.timedelta(days=1))
        sla = selectors.sla(tenant=tenant, filters=filters)
    assert sla["first_response"]["running"] == 1
    assert sla["first_response"]["rate"] is None


def test_backlog_is_open_at_the_end_of_each_day(tenant: Any, data: Any) -> None:
    days = run(tenant, "backlog")["days"]
    # Before the period: ticket 5 open, ticket 6 resolved → 1 open at the start.
    assert [(d["received"], d["resolved"], d["open"]) for d in days] == [
        (2, 1, 2),
        (1, 1, 2),
        (0, 1, 1),
        (1, 0, 2),
        (0, 0, 2),
    ]


def test_each_section_runs_a_fixed_number_of_queries(tenant: Any, data: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts() -> dict[str, int]:
        out = {}
        for section in selectors.SECTIONS:
            with CaptureQueriesContext(connection) as ctx:
                run(tenant, section)
            out[section] = len(ctx)
        return out

    before = counts()
    agent = make_agent(tenant, "more@example.jp", display_name="Agent Z")
    for i in range(6):
        put(
            tenant,
            make_ticket(tenant, subject=f"追加{i}"),
            created_at=at(2 + i % 3, 10),
            assignee=agent,
            first_response_at=at(3, 10),
            resolved_at=at(4, 10),
        )
    assert counts() == before
    # No loop per day: the backlog over the period is one statement (plus its SET LOCAL).
    with CaptureQueriesContext(connection) as ctx:
        run(tenant, "backlog")
    assert sum("generate_series" in q["sql"] for q in ctx.captured_queries) == 1


def test_long_running_lists_the_oldest_open_first(tenant: Any, data: Any) -> None:
    rows = run(tenant, "long_running")["tickets"]
    assert [r["id"] for r in rows] == [data["t"][3].pk, data["t"][4].pk]
    assert rows[0]["assignee"] == "Agent Y"


def test_workload_per_agent(tenant: Any, data: Any) -> None:
    agents = {a["name"]: a for a in run(tenant, "workload")["agents"]}
    assert agents["Agent X"] == {**agents["Agent X"], "open": 0, "resolved": 2}
    assert agents["Agent X"]["median_first_response_hours"] == 2.0
    assert agents["Agent Y"] == {**agents["Agent Y"], "open": 1, "resolved": 1}
    assert agents["Agent Y"]["median_first_response_hours"] == 10.0


def test_csat_average_distribution_and_per_agent_and_category(tenant: Any, data: Any) -> None:
    c = run(tenant, "csat")
    assert (c["sent"], c["rated"], c["response_rate"]) == (4, 3, 75.0)
    assert c["average"] == 3.67
    assert c["distribution"] == [0, 1, 0, 1, 1]
    assert {a["name"]: (a["count"], a["average"]) for a in c["by_agent"]} == {
        "Agent X": (2, 3.5),
        "Agent Y": (1, 4.0),
    }
    assert {k["category_id"]: (k["count"], k["average"]) for k in c["by_category"]} == {
        data["a"].pk: (1, 5.0),
        data["a1"].pk: (1, 2.0),
        data["b"].pk: (1, 4.0),
    }
    assert [m["comment"] for m in c["comments"]] == ["遅い", "=cmd|' /C calc'!A0"]


def test_empty_tenant_has_zeros_not_errors(tenant: Any) -> None:
    for section in selectors.SECTIONS:
        run(tenant, section)
    assert run(tenant, "times")["first_response"]["median_hours"] is None
    assert run(tenant, "sla")["first_response"]["rate"] is None
    assert run(tenant, "csat")["average"] is None
    assert len(run(tenant, "backlog")["days"]) == 5


def test_filters_default_to_the_last_30_days_and_refuse_more_than_a_year(tenant: Any) -> None:
    with tenant_context(tenant):
        default = selectors.insights_filters(tenant=tenant, params={})
        assert (default.end - default.start).days == 29 and not default.errors
        assert default.end == timezone.localtime(timezone.now(), JST).date()
        long = selectors.insights_filters(
            tenant=tenant, params={"start": "2024-01-01", "end": "2026-01-01"}
        )
        assert "start" in long.errors and (long.end - long.start).days == 365
        bad = selectors.insights_filters(
            tenant=tenant, params={"start": "2026/13/01", "channel": "fax", "category": "999999"}
        )
        assert set(bad.errors) == {"start", "channel", "category"}
        assert "YYYY-MM-DD" in bad.errors["start"]
        backwards = selectors.insights_filters(
            tenant=tenant, params={"start": "2026-11-05", "end": "2026-11-01"}
        )
        assert "start" in backwards.errors
