"""Opening databases: creation, upgrade on open, and clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tiekeep.core.schema import HEAD, known_revisions, open_database
from tiekeep.errors import DatabaseError, SchemaTooNew


def test_head_is_the_newest_migration() -> None:
    assert HEAD in known_revisions()


def test_fresh_database_gets_every_table(db_url: str) -> None:
    db = open_database(db_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "contacts", "interactions", "interaction_participants", "roles",
                "value_exchanges", "followups", "plan_items", "resources", "contact_links",
                "goals", "reminder_states", "audit_log", "contact_search"} <= tables
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == HEAD
    finally:
        db.dispose()


def test_sqlite_pragmas(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaTooNew, match="newer tiekeep"):
        open_database(str(path))


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_database(str(path))


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER)")
    with pytest.raises(DatabaseError, match="not a tiekeep database"):
        open_database(str(path))


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no folder"):
        open_database(str(tmp_path / "nope" / "x.db"))


def test_older_database_is_upgraded(tmp_path: Path) -> None:
    """A database stamped with no revision but empty is brought to the head on open."""
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    db = open_database(str(path))
    try:
        assert "contacts" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
