"""Statements whose SQL differs between SQLite and PostgreSQL (besides search, in search.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Ids are PostgreSQL `integer`; a larger number can name no row, so it is "not found" rather
# than a database error.
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    """Whether a number can be the id of a row on every supported database."""
    return 1 <= value <= MAX_ID


def insert_ignoring_duplicates(session: Session, model: Any, rows: Sequence[dict[str, Any]],
                               unique: Sequence[str]) -> None:
    """Insert rows, skipping those that would break the unique key ``unique``.

    Two concurrent requests creating the same tag both succeed this way, instead of one of
    them failing on the unique constraint.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as backend
    else:
        from sqlalchemy.dialects import sqlite as backend  # type: ignore[no-redef]
    statement = backend.insert(model).values(list(rows)).on_conflict_do_nothing(
        index_elements=list(unique))
    session.execute(statement)


def reserve_ids(session: Session, model: Any, count: int) -> list[int]:
    """Ids for ``count`` rows about to be inserted into ``model``'s table, in order.

    With the ids known first, rows can refer to each other (a reply to an earlier message)
    and go in as one statement: with RETURNING instead, SQLAlchemy inserts one row per
    statement on SQLite, which does not say which parameters each returned id belongs to.
    """
    if not count:
        return []
    if session.get_bind().dialect.name != "sqlite":
        sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
        return list(session.scalars(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
    # The ones after the largest, as SQLite would give them: a write transaction holds the
    # only write lock (had another writer come in between, the insert fails; it never takes
    # someone's id).
    start = (session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + count))
