"""The SLA settings pages: calendars (week editor, overlap refused naming the weekday and
times, nothing saved), holidays, policies with hours+minutes, admins only; the timers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.sla import selectors, services
from support.sla.models import BusinessBlock, BusinessCalendar, BusinessHoliday, SlaPolicy
from support.tickets import services as ticket_services
from support.tickets.models import Ticket
from tests.factories import make_member

from .helpers import make_ticket
from .sla_helpers import frozen, make_calendar, make_policy

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, d, h, mi, tzinfo=TOKYO)


def week_post(name: str = "本社", **blocks: list[tuple[str, str]]) -> dict:
    data: dict = {"name": name, "use_jp_holidays": "on"}
    for weekday in range(7):
        rows = blocks.get(f"d{weekday}", [])
        data[f"block-{weekday}-start"] = [r[0] for r in rows] + [""]
        data[f"block-{weekday}-end"] = [r[1] for r in rows] + [""]
    return data


LUNCH = [("09:00", "12:00"), ("13:00", "18:00")]


def test_an_admin_saves_a_calendar_with_a_lunch_break(member_client, tenant) -> None:
    response = member_client.post(
        reverse("support:sla_calendar_new"), week_post(d0=LUNCH, d1=LUNCH, d2=[("10:00", "15:00")])
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        calendar = BusinessCalendar.objects.get(name="本社")
        blocks = list(calendar.blocks.values_list("weekday", "start", "end"))
    assert calendar.is_default and calendar.use_jp_holidays
    assert blocks == [
        (0, dt.time(9), dt.time(12)),
        (0, dt.time(13), dt.time(18)),
        (1, dt.time(9), dt.time(12)),
        (1, dt.time(13), dt.time(18)),
        (2, dt.time(10), dt.time(15)),
    ]
    page = member_client.get(reverse("support:sla_settings")).content.decode()
    assert "09:00–12:00, 13:00–18:00" in page


def test_overlapping_blocks_are_refused_naming_the_weekday_and_nothing_is_saved(
    member_client, tenant
) -> None:
    calendar = make_calendar(tenant)
    url = reverse("support:sla_calendar_edit", kwargs={"calendar_id": calendar.pk})
    response = member_client.post(
        url, week_post("新しい名前", d0=[("09:00", "12:00"), ("11:30", "18:00")], d1=LUNCH)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Monday: 9:00–12:00 overlaps 11:30–18:00" in page
    assert 'value="11:30"' in page  # what was typed is shown again
    with tenant_context(tenant):
        calendar.refresh_from_db()
        assert calendar.name == "本社"
        assert BusinessBlock.objects.filter(calendar=calendar).count() == 10


def test_an_inverted_block_and_a_half_filled_block_are_refused(member_client, tenant) -> None:
    response = member_client.post(
        reverse("support:sla_calendar_new"), week_post(d4=[("18:00", "09:00")])
    )
    assert response.status_code == 400
    assert "Friday 18:00–9:00: the end must be after the start" in response.content.decode()
    response = member_client.post(
        reverse("support:sla_calendar_new"), week_post(d2=[("09:00", "")])
    )
    assert "Wednesday: enter both times as HH:MM" in response.content.decode()
    with tenant_context(tenant):
        assert not BusinessCalendar.objects.exists()


def test_holidays_single_days_ranges_and_bad_ranges(member_client, tenant) -> None:
    calendar = make_calendar(tenant)
    url = reverse("support:sla_holiday_add", kwargs={"calendar_id": calendar.pk})
    ok = member_client.post(
        url, {"name": "年末年始", "start_date": "2026-12-29", "end_date": "2027-01-03"}
    )
    assert ok.status_code == 302
    bad = member_client.post(
        url, {"name": "逆", "start_date": "2027-01-03", "end_date": "2026-12-29"}
    )
    assert bad.status_code == 400
    assert "The last day must not be before the first day." in bad.content.decode()
    member_client.post(url, {"name": "創立記念日", "start_date": "2027-06-01"})
    with tenant_context(tenant):
        rows = list(BusinessHoliday.objects.values_list("name", "start_date", "end_date"))
    assert rows == [
        ("年末年始", dt.date(2026, 12, 29), dt.date(2027, 1, 3)),
        ("創立記念日", dt.date(2027, 6, 1), dt.date(2027, 6, 1)),
    ]


def test_next_years_public_holidays_are_previewed_and_imported_once(member_client, tenant) -> None:
    calendar = make_calendar(tenant)
    page = member_client.get(
        reverse("support:sla_calendar_edit", kwargs={"calendar_id": calendar.pk})
    ).content.decode()
    assert "元日" in page
    url = reverse("support:sla_holiday_import", kwargs={"calendar_id": calendar.pk})
    member_client.post(url)
    member_client.post(url)
    with tenant_context(tenant):
        count = BusinessHoliday.objects.filter(calendar=calendar).count()
    assert count >= 15  # Japan has 16 public holidays a year (some years more)


def test_a_policy_is_entered_in_hours_and_minutes(member_client, tenant) -> None:
    calendar = make_calendar(tenant)
    data = {
        "name": "緊急",
        "priority": "urgent",
        "category": "",
        "first_response_hours": "0",
        "first_response_mins": "30",
        "resolution_hours": "4",
        "resolution_mins": "15",
        "warn_before_minutes": "10",
        "calendar": str(calendar.pk),
        "is_active": "on",
        "position": "0",
    }
    assert member_client.post(reverse("support:sla_policy_new"), data).status_code == 302
    with tenant_context(tenant):
        policy = SlaPolicy.objects.get()
    assert (policy.first_response_minutes, policy.resolution_minutes) == (30, 255)
    bad = member_client.post(
        reverse("support:sla_policy_edit", kwargs={"policy_id": policy.pk}),
        {**data, "name": "変更", "first_response_mins": "0"},
    )
    assert bad.status_code == 400
    assert "Enter a target longer than zero" in bad.content.decode()
    with tenant_context(tenant):
        policy.refresh_from_db()
    assert policy.name == "緊急"
    page = member_client.get(reverse("support:sla_settings")).content.decode()
    assert "0:30" in page and "4:15" in page


def test_deleting_a_calendar_in_use_is_refused(member_client, tenant) -> None:
    calendar = make_calendar(tenant)
    other = make_calendar(tenant, "別", is_default=True)
    make_policy(tenant, other)
    response = member_client.post(
        reverse("support:sla_calendar_delete", kwargs={"calendar_id": other.pk}), follow=True
    )
    assert "Policies use this calendar." in response.content.decode()
    member_client.post(reverse("support:sla_calendar_delete", kwargs={"calendar_id": calendar.pk}))
    with tenant_context(tenant):
        assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["別"]


def test_the_pages_are_for_admins(client, tenant) -> None:
    agent = make_member(tenant, Role.SUPPORT, email="agent@alpha.example.com")
    client.force_login(agent)
    assert client.get(reverse("support:sla_settings")).status_code == 403


def test_the_settings_page_says_what_to_do_when_empty(member_client) -> None:
    page = member_client.get(reverse("support:sla_settings")).content.decode()
    assert 'data-testid="sla-policies-empty"' in page
    assert 'data-testid="sla-calendars-empty"' in page


def test_the_settings_page_runs_a_fixed_number_of_queries(
    member_client, tenant, django_assert_max_num_queries
) -> None:
    for i in range(3):
        calendar = make_calendar(tenant, f"cal{i}")
        make_policy(tenant, calendar, name=f"p{i}")
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("support:sla_settings")).status_code == 200


def _timers(tenant, tickets, now):
    with tenant_context(tenant):
        fresh = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("id"))
        selectors.attach_timers(tenant=tenant, tickets=fresh, now=now)
    return [t.sla_timer for t in fresh]


def test_timers_show_business_time_left_warn_overdue_and_paused(
    tenant, django_assert_num_queries
) -> None:
    make_policy(
        tenant,
        make_calendar(tenant),
        first_response_minutes=200,
        resolution_minutes=600,
        warn_before_minutes=30,
    )
    with frozen(at(1, 9)):
        running = make_ticket(tenant)
        paused = make_ticket(tenant, subject="保留")
    with frozen(at(1, 10)), tenant_context(tenant):
        ticket_services.ticket_update(tenant=tenant, ticket=paused, status="pending")
    # 11:50: 10 minutes to lunch + 20 after = 30 business minutes left, 1h 30m of clock.
    first, second = _timers(tenant, [running, paused], at(1, 11, 50))
    assert (first["state"], first["minutes"], first["label"]) == ("ok", 30, "30m left")
    assert second["state"] == "paused" and second["minutes"] == 140
    assert _timers(tenant, [running], at(1, 13))[0]["state"] == "warn"
    late = _timers(tenant, [running], at(2, 9, 5))[0]
    assert (late["state"], late["label"]) == ("breached", "overdue by 4h 45m")
    with tenant_context(tenant):
        many = list(Ticket.objects.all())
        selectors.forget_calendars(tenant.pk)
        with django_assert_num_queries(5):  # the clocks, the calendar ids, the calendars in 3
            selectors.attach_timers(tenant=tenant, tickets=many, now=at(1, 11))
        with django_assert_num_queries(1):  # the calendars from the cache
            selectors.attach_timers(tenant=tenant, tickets=many, now=at(1, 11))


def test_the_timers_follow_a_change_of_business_hours(tenant) -> None:
    """The timers read the calendars from the cache (display_calendars); changing the
    blocks (saved with bulk_create, which sends no signals) shows on the next timer."""
    calendar = make_calendar(tenant)
    make_policy(tenant, calendar, first_response_minutes=200, resolution_minutes=600)
    with frozen(at(1, 9)):
        running = make_ticket(tenant)
    # Due at 13:20 on the clock: 30 business minutes left at 11:50 with the lunch break.
    assert _timers(tenant, [running], at(1, 11, 50))[0]["minutes"] == 30
    week = [(day, dt.time(9), dt.time(18)) for day in range(5)]
    with tenant_context(tenant):
        services.calendar_update(tenant=tenant, calendar=calendar, blocks=week)
    assert _timers(tenant, [running], at(1, 11, 50))[0]["minutes"] == 90  # no lunch break


def test_the_timer_partial_renders_state_and_due(tenant) -> None:
    from django.template.loader import render_to_string

    make_policy(tenant, make_calendar(tenant), first_response_minutes=80)
    with frozen(at(1, 9)):
        ticket = make_ticket(tenant)
    with tenant_context(tenant):
        selectors.attach_timers(tenant=tenant, tickets=[ticket], now=at(1, 9))
    html = render_to_string("support/sla/partials/timer.html", {"ticket": ticket})
    assert 'data-state="ok"' in html and "1h 20m left" in html
    assert 'data-due="2026-12-01T01:20:00+00:00"' in html


def test_the_timer_badge_without_a_clock_says_paused_or_shows_the_due_time() -> None:
    """Tickets whose clock row is missing (no policy matched any more): the badge falls
    back to the ticket's own pause and due columns; a timer's texts are escaped."""
    from types import SimpleNamespace

    from support.sla.presenters import timer_badge

    due = dt.datetime(2026, 12, 1, 1, 20, tzinfo=dt.UTC)  # 10:20 in Tokyo
    paused = SimpleNamespace(sla_timer=None, sla_paused_at=due, sla_due_at=due)
    assert 'data-state="paused"' in timer_badge(paused) and "Paused" in timer_badge(paused)
    bare = SimpleNamespace(sla_timer=None, sla_paused_at=None, sla_due_at=due)
    html = timer_badge(bare)
    assert 'data-state="unknown"' in html and 'data-due="2026-12-01T10:20:00+09:00"' in html
    assert 'title="2026-12-01 10:20"' in html and "12/01 10:20</span>" in html
    none = SimpleNamespace(sla_timer=None, sla_paused_at=None, sla_due_at=None)
    assert timer_badge(none) == ""
    timer = {
        "state": "warn",
        "target": "resolution",
        "due": "x",
        "minutes": 5,
        "ticking": True,
        "label": "<b>5m</b>",
        "title": '"t"',
        "css": "text-bg-warning",
        "fmt_left": "%(time)s left",
        "fmt_over": "",
        "fmt_hm": "",
        "fmt_m": "",
    }
    html = timer_badge(SimpleNamespace(sla_timer=timer, sla_paused_at=None, sla_due_at=None))
    assert "&lt;b&gt;5m&lt;/b&gt;" in html and 'title="&quot;t&quot;"' in html
    assert 'data-ticking="1"' in html and 'data-minutes="5"' in html


def test_attainment_by_target_and_priority(tenant) -> None:
    make_policy(tenant, make_calendar(tenant), first_response_minutes=60)
    with frozen(at(1, 9)):
        fast = make_ticket(tenant, priority="high")
        slow = make_ticket(tenant)
    with frozen(at(1, 9, 30)):
        from .helpers import make_message

        make_message(tenant, fast)
    with frozen(at(1, 11)):
        make_message(tenant, slow)
    with tenant_context(tenant):
        rows = selectors.sla_attainment(tenant=tenant, start=at(1, 0), end=at(2, 0))
        by_priority = selectors.sla_attainment(
            tenant=tenant, start=at(1, 0), end=at(2, 0), group_by="priority"
        )
    assert rows == [
        {
            "target": "first_response",
            "group": None,
            "met": 1,
            "breached": 1,
            "total": 2,
            "attainment": 50.0,
        }
    ]
    assert [(r["group"], r["attainment"]) for r in by_priority] == [
        ("high", 100.0),
        ("normal", 0.0),
    ]
    assert services is not None
