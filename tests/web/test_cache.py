"""The view cache: served until the database changes, from this process or another."""

from __future__ import annotations

import sqlite3

from tiekeep.core.db import Database
from tiekeep.web.cache import ViewCache


def test_any_commit_drops_cached_views(sqlite_db: Database) -> None:
    cache = ViewCache(sqlite_db)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(("view", 1), compute) == 1
    assert cache.get(("view", 1), compute) == 1  # a hit
    # Another process (here: another connection) commits: the next read recomputes.
    other = sqlite3.connect(str(sqlite_db.engine.url.database))
    other.execute("INSERT INTO app_secrets (name, value) VALUES ('x', 'y')")
    other.commit()
    other.close()
    assert cache.get(("view", 1), compute) == 2
    cache.changed()  # this process wrote
    assert cache.get(("view", 1), compute) == 3
    assert cache.get(("view", 2), compute) == 4  # keys (owner, view, …) never mix
    cache.close()


def test_entries_expire_with_time(sqlite_db: Database) -> None:
    cache = ViewCache(sqlite_db, max_age=0.0)
    values = iter(range(10))
    first = cache.get("k", lambda: next(values))
    assert cache.get("k", lambda: next(values)) != first
    cache.close()
