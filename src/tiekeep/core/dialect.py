"""Statements whose SQL differs between SQLite and PostgreSQL (besides search, in search.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
