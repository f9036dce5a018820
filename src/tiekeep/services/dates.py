"""Calendar arithmetic for reminders: the user's day, anniversaries, and days between times.

- *Today* is a calendar date in the user's zone (``me.time_zone``, else the system's).
- *Days since* a moment, as of a day, are calendar days in the user's zone: from the local
  date of the moment to that day. A contact at 23:30 on 1 March in Tokyo (14:30 UTC) is 14
  days old on 15 March there, and 13 days old on 14 March in UTC; daylight saving time
  changes nothing.
- *Anniversaries* fall on the same month and day each year. Someone born on 29 February is
  celebrated on 28 February in other years: the day stays in February, and 28 February is
  the last day that is still "their" month (1 March would move it to another month).
- A birthday whose year is unknown is stored in year 1604 (as vCard 4 does), so no age is
  given for it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, cast, func

from tiekeep.services import parsing

UNKNOWN_YEAR = 1604
SECONDS_PER_DAY = 86_400


def local_today(tz: str | None, now: datetime | None = None) -> date:
    """The calendar date in the zone ``tz`` at ``now`` (default: the current time)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(parsing.zone(tz)).date()


def start_of(day: date, tz: str | None) -> datetime:
    """The UTC instant at which the local day begins."""
    return datetime.combine(day, time(0, 0), tzinfo=parsing.zone(tz)).astimezone(UTC)


def noon(day: date, tz: str | None) -> datetime:
    """Noon of the local day, in UTC: when something logged for a day without a time was."""
    return datetime.combine(day, time(12, 0), tzinfo=parsing.zone(tz)).astimezone(UTC)


def end_of(day: date, tz: str | None) -> datetime:
    """The UTC instant at which the local day ends (the next local midnight)."""
    return start_of(day + timedelta(days=1), tz)


def local_date(moment: datetime, tz: str | None) -> date:
    """The calendar date of a moment in the zone ``tz``."""
    return moment.astimezone(parsing.zone(tz)).date()


def days_since(moment: datetime, today: date, tz: str | None) -> int:
    """Calendar days from the local date of ``moment`` to ``today``."""
    return (today - local_date(moment, tz)).days


def days_since_sql(dialect: str, end: datetime, column: Any) -> Any:
    """SQL for the 24-hour days from ``column`` to ``end``, which is never less than the
    calendar days since it when ``end`` is the end of today; the one place the agenda's SQL
    differs by dialect. SQLite keeps timestamps as naive UTC text, read by ``julianday``.
    """
    if dialect == "sqlite":
        naive = end.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return func.julianday(naive) - func.julianday(column)
    seconds = func.extract("epoch", cast(end, column.type) - column)
    return cast(seconds, Float) / SECONDS_PER_DAY


def anniversary(original: date, year: int) -> date:
    """The date ``original`` recurs on in ``year``; 29 February becomes 28 February."""
    if original.month == 2 and original.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return original.replace(year=year)


def next_occurrence(original: date, today: date) -> date:
    """The first recurrence of ``original`` on or after ``today``."""
    this_year = anniversary(original, today.year)
    return this_year if this_year >= today else anniversary(original, today.year + 1)


def upcoming(original: date, today: date, horizon_days: int) -> tuple[date, int] | None:
    """(occurrence, days until it) if ``original`` recurs within ``horizon_days`` of today."""
    occurrence = next_occurrence(original, today)
    days = (occurrence - today).days
    return (occurrence, days) if days <= horizon_days else None


def month_days(today: date, horizon_days: int) -> list[tuple[int, int]]:
    """Every (month, day) whose recurrence falls within the horizon, 29 February included
    when 28 February of a common year is in it."""
    days: list[tuple[int, int]] = []
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        days.append((day.month, day.day))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            days.append((2, 29))
    return list(dict.fromkeys(days))


def years_at(original: date, occurrence: date) -> int | None:
    """Completed years at an occurrence (an age, a work anniversary); None if year unknown."""
    if original.year == UNKNOWN_YEAR:
        return None
    return occurrence.year - original.year


def add_years(day: date, years: int) -> date:
    """The same month and day ``years`` later or earlier (29 February → 28 February)."""
    return anniversary(day, day.year + years)


def iter_days(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last`` inclusive."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)
