"""SQL helpers the metrics share: the few dialect differences, kept in one place.

Everything else in the metrics is dialect-neutral SQLAlchemy with cut-off datetimes computed
in Python and passed as parameters. Two things cannot be done that way: the age of each row
in days (for the exponential decay of tie strength) and ``exp()``, which SQLite only has
when it is built with its math functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Float, cast, func, literal
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

JULIAN_DAY_OF_EPOCH = 2440587.5
SECONDS_PER_DAY = 86400.0
T = TypeVar("T")


def dialect(session: Session) -> str:
    """The name of the session's database dialect: 'sqlite' or 'postgresql'."""
    return session.get_bind().dialect.name


def age_days(session: Session, column: Any, now: datetime) -> ColumnElement[Any]:
    """An SQL expression: days from ``column`` (a UTC timestamp) to ``now``, fractional."""
    now = now.astimezone(UTC)
    if dialect(session) == "sqlite":
        julian_now = now.timestamp() / SECONDS_PER_DAY + JULIAN_DAY_OF_EPOCH
        return literal(julian_now, Float) - func.julianday(column)
    epoch_now = now.timestamp()
    return (literal(epoch_now, Float) - cast(func.extract("epoch", column), Float)) / \
        SECONDS_PER_DAY


def ensure_math(session: Session) -> None:
    """Give SQLite an ``exp()`` when its build lacks the math functions."""
    if dialect(session) != "sqlite":
        return
    connection = session.connection()
    try:
        connection.exec_driver_sql("SELECT exp(0)").scalar()
    except OperationalError:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.create_function("exp", 1, math.exp, deterministic=True)


def chunks(items: Sequence[T], size: int = 5000) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items (bind-parameter limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def entropy(counts: Iterable[float]) -> float:
    """Shannon entropy in bits of a distribution given by counts: −Σ p·log2 p."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total <= 0:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in values)


def percent(part: float, whole: float) -> float | None:
    """part ÷ whole as a percentage rounded to 0.1, or None when the whole is 0."""
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
