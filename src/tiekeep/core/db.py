"""The database: engine creation with the right pragmas, sessions, and the unit of work.

One user action is one transaction: ``Database.transaction()`` yields a session, commits once
at the end, and rolls everything back if anything raises. Query helpers never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tiekeep.core.dialect import reserve_ids
from tiekeep.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# The page cache for one bulk write (KiB): rows written in no index order touch index pages
# all over the file, and SQLite's default 2 MB cache spills and re-reads them constantly.
SQLITE_BULK_CACHE_KIB = 256 * 1024


def normalize_url(target: str) -> str:
    """Turn a path or a URL into a SQLAlchemy URL; PostgreSQL goes through psycopg 3."""
    if "://" not in target:
        return "sqlite:///" + str(Path(target).expanduser().resolve())
    if target.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout; writes take the lock up front.

    pysqlite's own implicit BEGIN is switched off so that a write transaction can start with
    BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write fails at once with
    "database is locked" instead of waiting, which concurrent writers must never see.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal" and mode != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("tiekeep_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLAlchemy URL (already normalized)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.is_dir():
                raise DatabaseError(f"cannot open database {database}: no folder {folder}")
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def bulk_cache(session: Session, kib: int = SQLITE_BULK_CACHE_KIB) -> Iterator[None]:
    """A large SQLite page cache while a bulk write runs (nothing changes on PostgreSQL).

    With SQLite's default of 2 MiB, a long write transaction keeps evicting the index pages
    it is about to change again; the cache grows only as far as pages are used.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in one statement, as plain table rows."""
    if rows:
        # The table, not the mapped class: the ORM's bulk path prepares every row again.
        session.execute(insert(model.__table__), rows)


def insert_with_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows (all with the same keys); returns their new ids in the rows' order."""
    ids = reserve_ids(session, model, len(rows))
    insert_rows(session, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


class Database:
    """An open tiekeep database: its engine and the sessions made from it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(tiekeep_write=True), expire_on_commit=False
        )

    def session(self) -> Session:
        """A session for reading (the caller closes it)."""
        return self._reader()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: commit once at the end, or roll back everything."""
        with self._writer() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session, closed afterwards."""
        with self._reader() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
