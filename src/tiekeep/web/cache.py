"""A cache of computed page data (the dashboard, contact pages, list pages), dropped as soon as
the database changes.

On SQLite, "changed" is exact: a dedicated connection's ``PRAGMA data_version`` moves whenever
any other connection commits, in this process or another (the CLI, another server worker).
On PostgreSQL, this process's own writes drop the cache at once and other processes' writes
show within ``ttl`` seconds. Every entry also expires after ``max_age`` seconds, because some
figures (tie strength, "days since") move with the clock alone. Keys always carry the owner's
id, so one user's data is never served to another.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from tiekeep.core.db import Database

T = TypeVar("T")


class ViewCache:
    """An LRU of computed views keyed by (owner, view, parameters) and the data's version."""

    def __init__(self, db: Database, *, max_entries: int = 1024, max_age: float = 60.0,
                 ttl: float = 10.0, enabled: bool = True, computing: int = 2) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self.ttl = ttl
        self.enabled = enabled
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        # At most `computing` misses are computed at once per process: under load the others
        # wait their turn instead of all slowing down together, and hits are not held up.
        self._slots = threading.BoundedSemaphore(computing)
        self._depth = threading.local()
        self._writes = 0
        self._probe: sqlite3.Connection | None = None
        database = db.engine.url.database if db.dialect == "sqlite" else None
        if enabled and database and database != ":memory:":
            self._probe = sqlite3.connect(database, check_same_thread=False, timeout=30)

    def version(self) -> Hashable:
        """What the data's state is known as: any commit anywhere changes it (see above)."""
        if self._probe is not None:
            with self._lock:
                changes = self._probe.execute("PRAGMA data_version").fetchone()[0]
            return (self._writes, changes)
        return (self._writes, int(time.monotonic() // self.ttl))

    def get(self, key: Hashable, compute: Callable[[], T], *, light: bool = False) -> T:
        """The cached value for the key at the current version, else computed and kept
        (a ``light`` computation, such as a user lookup, does not wait for a slot)."""
        if not self.enabled:
            return compute()
        version = self.version()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version and now - hit[1] < self.max_age:
                self._entries.move_to_end(key)
                return hit[2]  # type: ignore[no-any-return]
        value = compute() if light else self._compute(compute)
        with self._lock:
            self._entries[key] = (version, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def _compute(self, compute: Callable[[], T]) -> T:
        depth = getattr(self._depth, "value", 0)
        if depth:  # a view computed inside another one's computation already holds a slot
            return compute()
        with self._slots:
            self._depth.value = 1
            try:
                return compute()
            finally:
                self._depth.value = 0

    def changed(self) -> None:
        """This process wrote something: drop every entry."""
        with self._lock:
            self._writes += 1
            self._entries.clear()

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None
