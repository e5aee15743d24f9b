"""Business-time arithmetic (support/sla/calendar.py): lunch breaks, evenings, weekends,
Japanese and tenant holidays, starts outside hours, the year boundary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from support.sla.calendar import (
    Calendar,
    NoBusinessHours,
    add_business_minutes,
    business_minutes_between,
    is_open,
    overlaps,
)

TOKYO = ZoneInfo("Asia/Tokyo")
T = dt.time


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TOKYO)


def office(**kw) -> Calendar:
    """Mon–Fri 9:00–12:00 and 13:00–18:00 (8 hours a day)."""
    blocks = [(d, T(9), T(12)) for d in range(5)] + [(d, T(13), T(18)) for d in range(5)]
    return Calendar.build(zone=TOKYO, blocks=blocks, **kw)


# 2026-12-01 is a Tuesday.


def test_it_adds_within_one_block() -> None:
    assert add_business_minutes(at(2026, 12, 1, 9), 90, office()) == at(2026, 12, 1, 10, 30)


def test_it_skips_the_lunch_break() -> None:
    assert add_business_minutes(at(2026, 12, 1, 11), 120, office()) == at(2026, 12, 1, 14)


def test_a_target_ending_at_a_block_end_is_due_at_that_end() -> None:
    assert add_business_minutes(at(2026, 12, 1, 9), 180, office()) == at(2026, 12, 1, 12)


def test_it_carries_over_the_evening() -> None:
    assert add_business_minutes(at(2026, 12, 1, 17), 120, office()) == at(2026, 12, 2, 10)


def test_it_skips_the_weekend() -> None:
    # Friday 17:30 + 1 h → Monday 9:30.
    assert add_business_minutes(at(2026, 12, 4, 17, 30), 60, office()) == at(2026, 12, 7, 9, 30)


def test_a_start_outside_hours_begins_at_the_next_opening() -> None:
    cal = office()
    assert add_business_minutes(at(2026, 12, 1, 6), 30, cal) == at(2026, 12, 1, 9, 30)
    assert add_business_minutes(at(2026, 12, 1, 12, 20), 30, cal) == at(2026, 12, 1, 13, 30)
    assert add_business_minutes(at(2026, 12, 5, 10), 30, cal) == at(2026, 12, 7, 9, 30)  # Sat


def test_japanese_public_holidays_are_closed_unless_turned_off() -> None:
    # 2027-01-11 (Mon) is 成人の日.
    friday = at(2027, 1, 8, 17)
    assert add_business_minutes(friday, 120, office()) == at(2027, 1, 12, 10)
    assert add_business_minutes(friday, 120, office(use_jp_holidays=False)) == at(2027, 1, 11, 10)


def test_the_year_end_break_and_new_year_across_the_year_boundary() -> None:
    cal = office(holidays=[(dt.date(2026, 12, 29), dt.date(2027, 1, 3))])
    # Mon 12/28 17:00 + 2 h: 12/29–1/3 closed (tenant), 1/1 is also a public holiday →
    # Mon 1/4 10:00.
    assert add_business_minutes(at(2026, 12, 28, 17), 120, cal) == at(2027, 1, 4, 10)
    assert business_minutes_between(at(2026, 12, 28, 17), at(2027, 1, 4, 10), cal) == 120


def test_between_counts_only_open_minutes() -> None:
    cal = office()
    assert business_minutes_between(at(2026, 12, 1, 8), at(2026, 12, 1, 19), cal) == 480
    assert business_minutes_between(at(2026, 12, 1, 11, 30), at(2026, 12, 1, 13, 15), cal) == 45
    assert business_minutes_between(at(2026, 12, 4, 17), at(2026, 12, 7, 10), cal) == 120
    assert business_minutes_between(at(2026, 12, 2), at(2026, 12, 1), cal) == 0


def test_between_and_add_are_inverse_over_a_long_span() -> None:
    cal = office(holidays=[(dt.date(2027, 5, 6), dt.date(2027, 5, 7))])
    start = at(2026, 12, 1, 10, 17)
    for minutes in (1, 59, 479, 480, 481, 5_000, 60_000):
        due = add_business_minutes(start, minutes, cal)
        assert business_minutes_between(start, due, cal) == pytest.approx(minutes)


def test_a_year_of_targets_takes_no_per_minute_loop() -> None:
    # 60,000 business minutes (~125 working days) lands within the next year.
    due = add_business_minutes(at(2026, 12, 1, 9), 60_000, office())
    assert at(2027, 5, 1) < due < at(2027, 7, 1)


def test_zero_minutes_is_due_at_once_and_a_closed_week_has_no_due_time() -> None:
    assert add_business_minutes(at(2026, 12, 1, 3), 0, office()) == at(2026, 12, 1, 3)
    with pytest.raises(NoBusinessHours):
        add_business_minutes(at(2026, 12, 1, 3), 10, Calendar.build(zone=TOKYO))


def test_an_end_at_midnight_means_the_end_of_the_day() -> None:
    cal = Calendar.build(
        zone=TOKYO, blocks=[(d, T(0), T(0)) for d in range(7)], use_jp_holidays=False
    )
    assert add_business_minutes(at(2026, 12, 1, 23), 120, cal) == at(2026, 12, 2, 1)


def test_the_result_keeps_utc_when_given_utc() -> None:
    start = at(2026, 12, 1, 9).astimezone(dt.UTC)
    due = add_business_minutes(start, 60, office())
    assert due == at(2026, 12, 1, 10) and due.tzinfo == dt.UTC


def test_is_open_and_overlaps() -> None:
    cal = office()
    assert is_open(at(2026, 12, 1, 9), cal) and not is_open(at(2026, 12, 1, 12, 30), cal)
    assert overlaps([(0, T(9), T(12)), (0, T(11), T(13)), (1, T(9), T(12))]) == [
        (0, (540, 720), (660, 780))
    ]
    assert overlaps([(0, T(9), T(12)), (0, T(12), T(13))]) == []
