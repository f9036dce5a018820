"""Snapshots of a SQLite database: an online backup, and a restore that verifies first.

A backup goes through SQLite's backup API, which copies a consistent snapshot of the database
(its WAL included) while other connections keep writing, so it is safe with `tiekeep serve`
running. The copy is written to a temporary file beside the destination, checked (integrity,
and that it is a tiekeep database of a schema this release knows), and only then moved into
place with ``os.replace``: a crash leaves either the old file or the new one, never half of one.

A restore checks the snapshot the same way before it touches anything, keeps the current
database as ``FILE.bak``, and replaces the database atomically. It refuses a database that
another process has open, since that process would keep writing to the file it opened.
PostgreSQL is backed up with its own tools, pg_dump and pg_restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from tiekeep.core.db import SQLITE_BUSY_TIMEOUT_MS, normalize_url
from tiekeep.errors import DatabaseError, InvalidInput, SchemaTooNew

SQLITE_HEADER = b"SQLite format 3\x00"
# A restore refuses a database in use rather than waiting for it to be free.
IN_USE_TIMEOUT_S = 1.0
# Counted for the summaries: tables a backup of any schema revision has. Spelled out whole,
# so that no query is built from a name.
COUNT_QUERIES = {
    "users": "SELECT count(*) FROM users",
    "contacts": "SELECT count(*) FROM contacts",
    "interactions": "SELECT count(*) FROM interactions",
}
POSTGRES_HINT = (
    "{verb} works on a SQLite database; for PostgreSQL use its own tools: "
    "`pg_dump -Fc -f tiekeep.dump DBNAME` to back up, and "
    "`pg_restore --clean --if-exists -d DBNAME tiekeep.dump` to restore (see the README)"
)


@dataclass(frozen=True)
class SnapshotInfo:
    """A verified SQLite tiekeep database: its schema revision, size and row counts."""

    path: Path
    revision: str
    size: int
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: how much it holds, for messages and confirmations."""
        shown = ", ".join(f"{self.counts.get(name, 0)} {name}" for name in COUNT_QUERIES)
        return f"{shown}; schema {self.revision}"


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the database replaced, and where its previous content went."""

    target: Path
    previous: Path | None
    snapshot: SnapshotInfo


def sqlite_path(target: str, *, verb: str = "backup") -> Path:
    """The file of a SQLite database target (a path or a URL); other databases are refused."""
    url = make_url(normalize_url(target))
    if url.get_backend_name() != "sqlite":
        raise InvalidInput(POSTGRES_HINT.format(verb=verb))
    if not url.database or url.database == ":memory:":
        raise InvalidInput(f"{verb} needs a database file, not an in-memory database")
    return Path(url.database)


def verify(path: Path) -> SnapshotInfo:
    """Check that a file is a sound tiekeep database of a known schema; raise if it is not."""
    if not path.is_file():
        raise InvalidInput(f"no file {path}")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InvalidInput(f"{path} is not a SQLite database")
    with _connect(path, read_only=True, shown=path) as connection:
        revision, counts = _inspect(connection, path, thorough=True)
    return SnapshotInfo(path, revision, path.stat().st_size, counts)


def backup(*, source: Path, destination: Path) -> SnapshotInfo:
    """Copy a live SQLite database to ``destination``, verified, replacing it atomically."""
    if not source.is_file():
        raise InvalidInput(f"no database at {source}")
    destination = destination.expanduser()
    if not destination.parent.is_dir():
        raise InvalidInput(f"cannot write {destination}: no folder {destination.parent}")
    if destination.exists() and destination.resolve() == source.resolve():
        raise InvalidInput(f"{destination} is the database itself; back up to another file")
    with _connect(source, read_only=True, shown=source) as connection:
        _inspect(connection, source, thorough=False)  # a tiekeep database before copying it
        with _temporary_beside(destination) as temp:
            _copy(connection, temp, shown=source)
            revision, counts = _verified_copy(temp, shown=destination)
            _replace(temp, destination)
    return SnapshotInfo(destination, revision, destination.stat().st_size, counts)


def restore(*, snapshot: Path, target: Path,
            confirm: Callable[[SnapshotInfo], bool] | None = None) -> RestoreResult | None:
    """Replace the database at ``target`` with a verified snapshot; the old one goes to .bak.

    ``confirm`` is asked after the snapshot passed its checks and before anything changes;
    when it says no, nothing changes and None is returned.
    """
    snapshot = snapshot.expanduser()
    if target.exists() and snapshot.exists() and snapshot.resolve() == target.resolve():
        raise InvalidInput(f"{snapshot} is the database itself")
    if not target.parent.is_dir():
        raise InvalidInput(f"cannot restore to {target}: no folder {target.parent}")
    info = verify(snapshot)
    if confirm is not None and not confirm(info):
        return None
    with _temporary_beside(target) as temp:
        with _connect(snapshot, read_only=True, shown=snapshot) as connection:
            _copy(connection, temp, shown=snapshot)
        _verified_copy(temp, shown=snapshot)
        previous = _set_aside(target) if target.exists() else None
        _remove_stale_journals(target)
        _replace(temp, target)
    return RestoreResult(target, previous, info)


# --- helpers -------------------------------------------------------------------------------


@contextmanager
def _connect(path: Path, *, read_only: bool, shown: Path,
             timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection; read-only ones never create the file."""
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "?mode=rw")
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {shown}: {exc}") from None
    try:
        yield connection
    except sqlite3.DatabaseError as exc:
        # "file is not a database", "database disk image is malformed", "database is locked"
        raise InvalidInput(f"{shown} cannot be read: {exc}") from None
    finally:
        connection.close()


def _inspect(connection: sqlite3.Connection, shown: Path, *,
             thorough: bool) -> tuple[str, dict[str, int]]:
    """Integrity (when thorough), the schema revision and tables; returns (revision, counts)."""
    from tiekeep.core.schema import HEAD, known_revisions

    if thorough:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
        if problems != ["ok"]:
            raise InvalidInput(f"{shown} is damaged: {problems[0]}")
        if connection.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise InvalidInput(f"{shown} is damaged: rows refer to rows that do not exist")
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in tables or not {"users", "contacts"} <= tables:
        raise InvalidInput(f"{shown} is not a tiekeep database")
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) != 1:
        raise InvalidInput(f"{shown} is not a tiekeep database (no schema revision)")
    revision = str(rows[0][0])
    if revision != HEAD and revision not in known_revisions():
        raise SchemaTooNew(f"{shown} was written by a newer tiekeep (schema {revision}); "
                           "upgrade tiekeep to restore it")
    if revision == HEAD:
        from tiekeep.core.models import Base

        missing = sorted(set(Base.metadata.tables) - tables)
        if missing:
            raise InvalidInput(f"{shown} is not a complete tiekeep database "
                               f"(missing tables: {', '.join(missing[:5])})")
    counts = {name: int(connection.execute(query).fetchone()[0])
              for name, query in COUNT_QUERIES.items() if name in tables}
    return revision, counts


@contextmanager
def _temporary_beside(path: Path) -> Iterator[Path]:
    """A fresh temporary file name in the same folder (so os.replace is atomic); removed
    afterwards unless it was moved into place."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    temp.unlink()  # sqlite creates it; an empty file would be taken for an empty database
    try:
        yield temp
    finally:
        for leftover in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"),
                         Path(f"{temp}-shm")):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _copy(source: sqlite3.Connection, temp: Path, *, shown: Path) -> None:
    """Copy a consistent snapshot of ``source`` into a new self-contained file."""
    with closing(sqlite3.connect(temp, isolation_level=None)) as copy:
        try:
            # One step: the copy is taken inside one read transaction, a snapshot that
            # concurrent writers in WAL mode neither block nor change.
            source.backup(copy, pages=-1)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot copy {shown}: {exc}") from None
        # A backup must be one file: take it out of WAL mode.
        copy.execute("PRAGMA journal_mode = DELETE")
    _fsync(temp)


def _verified_copy(temp: Path, *, shown: Path) -> tuple[str, dict[str, int]]:
    """Check the freshly written copy (a bad disk must not yield a bad backup)."""
    with _connect(temp, read_only=True, shown=shown) as connection:
        return _inspect(connection, shown, thorough=True)


def _set_aside(target: Path) -> Path:
    """Keep the current database as TARGET.bak, after making sure no one else has it open."""
    previous = target.with_name(target.name + ".bak")
    mode = ""
    try:
        connection = sqlite3.connect(target.resolve().as_uri() + "?mode=rw", uri=True,
                                     timeout=IN_USE_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {target}: {exc}") from None
    try:
        # Leaving WAL mode needs the only connection: this fails while a server or another
        # command has the database open. It also folds the WAL into the file.
        mode = str(connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
        readable = True
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            connection.close()
            raise DatabaseError(f"{target} is in use by another process (is `tiekeep serve` "
                                "running?); stop it and retry the restore") from None
        readable = False
    except sqlite3.DatabaseError:
        readable = False
    try:
        if readable and mode.lower() != "delete":
            raise DatabaseError(f"{target} is in use by another process; stop it and retry")
        with _temporary_beside(previous) as temp:
            if readable:
                _copy(connection, temp, shown=target)
            else:
                # Not a readable database (often the reason to restore): keep its bytes.
                shutil.copyfile(target, temp)
                _fsync(temp)
                wal = Path(f"{target}-wal")
                if wal.exists():
                    shutil.copyfile(wal, f"{previous}-wal")
            _replace(temp, previous)
    finally:
        connection.close()
    return previous


def _remove_stale_journals(target: Path) -> None:
    """A -wal or -shm left beside the target belongs to the old file, never the new one."""
    for suffix in ("-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()


def _replace(temp: Path, destination: Path) -> None:
    """Move a finished file into place atomically, and make the rename durable."""
    os.replace(temp, destination)
    _fsync(destination.parent)


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
