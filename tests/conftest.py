"""Shared fixtures: a fresh real database per test (SQLite, and PostgreSQL when available).

Every database-backed test runs once on SQLite and once on PostgreSQL. PostgreSQL comes
from TIEKEEP_TEST_PG (a URL to a database the tests may empty); without it those runs are
skipped with a message, unless TIEKEEP_REQUIRE_PG=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tiekeep.core.db import Database
from tiekeep.core.schema import open_database

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
PG_URL = os.environ.get("TIEKEEP_TEST_PG", "")
REQUIRE_PG = os.environ.get("TIEKEEP_REQUIRE_PG") == "1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(str(path)).dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Database]:
    """One migrated PostgreSQL database for the session; tests empty it before use."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("TIEKEEP_REQUIRE_PG=1 but TIEKEEP_TEST_PG is not set")
        pytest.skip("PostgreSQL tests skipped: set TIEKEEP_TEST_PG to a database URL")
    database = open_database(PG_URL)
    yield database
    database.dispose()


def _empty_postgres(database: Database) -> None:
    with database.engine.begin() as connection:
        tables = [r[0] for r in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"))]
        connection.execute(text(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "tiekeep.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    database: Database = request.getfixturevalue("pg_database")
    _empty_postgres(database)
    return PG_URL


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A fresh SQLite database only (for SQLite-specific behaviour)."""
    path = tmp_path / "tiekeep.db"
    shutil.copy(sqlite_template, path)
    database = open_database(str(path))
    yield database
    database.dispose()


@pytest.fixture
def owner_id(db: Database) -> int:
    """The id of a user who owns the test's data."""
    from tiekeep.services import users

    with db.transaction() as session:
        return users.create(session, username="alice").id


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own config file or environment overrides."""
    monkeypatch.setenv("TIEKEEP_CONFIG", str(tmp_path / "config.toml"))
    for name in list(os.environ):
        if name.startswith("TIEKEEP_") and name not in {"TIEKEEP_TEST_PG", "TIEKEEP_REQUIRE_PG",
                                                        "TIEKEEP_CONFIG"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "UTC")
    # The default phone region comes from the locale: without a territory it is US, on
    # every developer's machine.
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LC_TELEPHONE", "C")
