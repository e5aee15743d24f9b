"""Business-time arithmetic, pure (no database): the SLA clock counts only the minutes a
tenant is open.

A `Calendar` holds, per weekday, the open blocks as minutes from midnight (several per
day: 9:00–12:00 and 13:00–18:00 around lunch), the tenant's closed dates and whether
Japanese public holidays (jpholiday) close the office. All arithmetic walks day by day over
precomputed intervals — never minute by minute — so a target of weeks costs a few dozen
steps, and a span of a year a few hundred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import jpholiday

DAY_MINUTES = 24 * 60
# A calendar open one minute a year still ends a walk; beyond this it is not a calendar.
MAX_DAYS = 366 * 5

Block = tuple[int, int]  # (start, end) minutes from local midnight, end exclusive


class NoBusinessHours(ValueError):
    """The calendar is never open (no blocks on any weekday), so no due time exists."""


@lru_cache(maxsize=4096)
def is_japanese_holiday(day: dt.date) -> bool:
    return bool(jpholiday.is_holiday(day))


def expand_dates(ranges: Iterable[tuple[dt.date, dt.date]]) -> frozenset[dt.date]:
    """Closed ranges (both ends included) as a set of dates."""
    out: set[dt.date] = set()
    for start, end in ranges:
        day = start
        while day <= end:
            out.add(day)
            day += dt.timedelta(days=1)
    return frozenset(out)


@dataclass(frozen=True)
class Calendar:
    zone: dt.tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    # Index 0 = Monday … 6 = Sunday; each a sorted tuple of non-overlapping blocks.
    week: tuple[tuple[Block, ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = frozenset()
    use_jp_holidays: bool = True

    @classmethod
    def build(
        cls,
        *,
        zone: dt.tzinfo | str = "Asia/Tokyo",
        blocks: Iterable[tuple[int, dt.time, dt.time]] = (),
        holidays: Iterable[tuple[dt.date, dt.date]] = (),
        use_jp_holidays: bool = True,
    ) -> Calendar:
        """From (weekday, start, end) rows as stored; end 00:00 means midnight."""
        days: list[list[Block]] = [[] for _ in range(7)]
        for weekday, start, end in blocks:
            a, b = time_minutes(start), time_minutes(end, end_of_day=True)
            if b > a:
                days[weekday].append((a, b))
        return cls(
            zone=ZoneInfo(zone) if isinstance(zone, str) else zone,
            week=tuple(tuple(sorted(d)) for d in days),
            holidays=expand_dates(holidays),
            use_jp_holidays=use_jp_holidays,
        )

    @property
    def has_hours(self) -> bool:
        return any(self.week)

    def is_closed(self, day: dt.date) -> bool:
        return day in self.holidays or (self.use_jp_holidays and is_japanese_holiday(day))

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open stretches of one local day as aware datetimes (empty when closed)."""
        blocks = self.week[day.weekday()]
        if not blocks or self.is_closed(day):
            return []
        midnight = dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)
        return [
            (midnight + dt.timedelta(minutes=a), midnight + dt.timedelta(minutes=b))
            for a, b in blocks
        ]

    def days_from(self, start: dt.datetime) -> Iterator[dt.date]:
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            yield day
            day += dt.timedelta(days=1)


def time_minutes(value: dt.time, *, end_of_day: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    if end_of_day and minutes == 0:
        return DAY_MINUTES
    return minutes


def add_business_minutes(start: dt.datetime, minutes: float, calendar: Calendar) -> dt.datetime:
    """The moment `minutes` of open time after `start`. A start outside hours begins at
    the next opening; a target that ends exactly at a block's end is due at that end (not
    at the next opening). Zero minutes is due at once."""
    if start.tzinfo is None:
        raise ValueError("add_business_minutes needs an aware datetime")
    if minutes <= 0:
        return start
    if not calendar.has_hours:
        raise NoBusinessHours("the calendar has no business hours")
    remaining = dt.timedelta(minutes=minutes)
    for day in calendar.days_from(start):
        for open_at, close_at in calendar.intervals(day):
            if close_at <= start:
                continue
            begin = max(open_at, start)
            available = close_at - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
    raise NoBusinessHours("the calendar is not open within five years")


def business_minutes_between(a: dt.datetime, b: dt.datetime, calendar: Calendar) -> float:
    """Open minutes in [a, b) (0 when b is not after a)."""
    if a.tzinfo is None or b.tzinfo is None:
        raise ValueError("business_minutes_between needs aware datetimes")
    if b <= a:
        return 0.0
    total = dt.timedelta()
    last_day = b.astimezone(calendar.zone).date()
    for day in calendar.days_from(a):
        if day > last_day:
            break
        for open_at, close_at in calendar.intervals(day):
            begin, end = max(open_at, a), min(close_at, b)
            if end > begin:
                total += end - begin
    return total.total_seconds() / 60


def is_open(moment: dt.datetime, calendar: Calendar) -> bool:
    day = moment.astimezone(calendar.zone).date()
    return any(a <= moment < b for a, b in calendar.intervals(day))


def overlaps(blocks: Iterable[tuple[int, dt.time, dt.time]]) -> list[tuple[int, Block, Block]]:
    """Pairs of blocks on the same weekday that overlap: (weekday, first, second)."""
    days: dict[int, list[Block]] = {}
    for weekday, start, end in blocks:
        days.setdefault(weekday, []).append(
            (time_minutes(start), time_minutes(end, end_of_day=True))
        )
    out: list[tuple[int, Block, Block]] = []
    for weekday, items in sorted(days.items()):
        items.sort()
        for first, second in zip(items, items[1:], strict=False):
            if second[0] < first[1]:
                out.append((weekday, first, second))
    return out
