"""`tiekeep backup` and `tiekeep restore`: a consistent online copy, and a restore that
verifies the file before it replaces anything (keeping the previous database as .bak)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.cli_helpers import run
from tests.reliability.support import (
    ROOT,
    canonical_dump,
    integrity,
    module_command,
    process_env,
    record_figure,
    server,
    tiekeep_command,
)
from tiekeep.core.schema import open_database
from tiekeep.services import contacts, snapshots, users


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _database(path: Path, template: Path, people: int = 3) -> Path:
    """A database with a user and a few contacts, through the CLI's own services."""
    shutil.copy(template, path)
    database = open_database(str(path))
    try:
        with database.transaction() as session:
            owner = users.create(session, username="me")
            for n in range(people):
                contacts.create(session, owner_id=owner.id, data=contacts.ContactCreate(
                    name=f"Person {n}", emails=[f"p{n}@example.org"]))
    finally:
        database.dispose()
    return path


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path) -> Path:
    return _database(tmp_path / "live.db", sqlite_template)


def test_backup_is_a_verified_single_file_copy(live: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = run(str(live), "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert "3 contacts" in result.stdout and "verified" in result.stdout
    with sqlite3.connect(target) as connection:  # one self-contained file
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(f"{target}-wal").exists()
    assert canonical_dump(str(target)) == canonical_dump(str(live))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_replaces_an_older_backup_and_refuses_the_database_itself(
        live: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    assert run(str(live), "backup", str(target)).exit_code == 0
    assert snapshots.verify(target).counts["contacts"] == 3
    itself = run(str(live), "backup", str(live))
    assert itself.exit_code == 2
    assert itself.stderr.startswith("error: ") and "the database itself" in itself.stderr
    missing = run(str(live), "backup", str(tmp_path / "no" / "such" / "folder.db"))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


def test_restore_verifies_replaces_and_keeps_the_previous_database(
        live: Path, tmp_path: Path, sqlite_template: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run(str(live), "backup", str(backup)).exit_code == 0
    assert run(str(live), "contact", "add", "Added Later").exit_code == 0
    previous = canonical_dump(str(live))

    result = run(str(live), "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    assert "live.db.bak" in result.stdout
    assert canonical_dump(str(live)) == canonical_dump(str(backup))
    assert canonical_dump(str(tmp_path / "live.db.bak")) == previous
    assert integrity(live) == []
    listed = run(str(live), "contact", "list", "--json").json()
    assert sorted(c["name"] for c in listed) == ["Person 0", "Person 1", "Person 2"]


def test_restore_asks_first_and_a_no_changes_nothing(live: Path, tmp_path: Path,
                                                     sqlite_template: Path) -> None:
    backup = _database(tmp_path / "other.db", sqlite_template, people=1)
    before = _fingerprint(live)
    declined = run(str(live), "restore", str(backup), input="n\n")
    assert declined.exit_code == 1
    assert _fingerprint(live) == before and not Path(f"{live}.bak").exists()
    accepted = run(str(live), "restore", str(backup), input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert snapshots.verify(live).counts["contacts"] == 1


def test_restore_into_a_new_location(live: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "elsewhere" / "tiekeep.db"
    fresh.parent.mkdir()
    result = run(str(fresh), "restore", str(live), "--yes")
    assert result.exit_code == 0, result.stderr
    assert canonical_dump(str(fresh)) == canonical_dump(str(live))
    assert not Path(f"{fresh}.bak").exists()


def _damaged(kind: str, good: Path, folder: Path) -> Path:
    """A file that must never be restored."""
    path = folder / f"{kind}.db"
    data = good.read_bytes()
    if kind == "garbage":
        path.write_bytes(b"\x00\xffnot a database at all" * 100)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "corrupted":
        # Overwrite the middle of the file (table and index pages) with junk.
        middle = len(data) // 2
        path.write_bytes(data[:middle] + b"\xa5" * 8192 + data[middle + 8192:])
    elif kind == "not_tiekeep":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (body TEXT)")
    elif kind == "newer_schema":
        shutil.copy(good, path)
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    elif kind == "missing_tables":
        shutil.copy(good, path)
        with sqlite3.connect(path) as connection:
            connection.execute("DROP TABLE followups")
    else:
        raise AssertionError(kind)
    return path


DAMAGED = ["garbage", "empty", "truncated", "corrupted", "not_tiekeep", "newer_schema",
           "missing_tables"]


@pytest.mark.parametrize("kind", DAMAGED)
def test_restore_refuses_a_bad_file_and_touches_nothing(live: Path, tmp_path: Path,
                                                        kind: str) -> None:
    backup = tmp_path / "good.db"
    assert run(str(live), "backup", str(backup)).exit_code == 0
    bad = _damaged(kind, backup, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    fingerprint = _fingerprint(live)

    result = run(str(live), "restore", str(bad), "--yes")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert _fingerprint(live) == fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .bak, no temp file
    record_figure("backup", "bad files refused", 1)


def test_restore_refuses_a_database_in_use(live: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run(str(live), "backup", str(backup)).exit_code == 0
    database = open_database(str(live))  # as a running server holds it
    try:
        with database.reading() as session:
            contacts.list(session, owner_id=1)
            result = run(str(live), "restore", str(backup), "--yes")
    finally:
        database.dispose()
    assert result.exit_code == 2
    assert "in use" in result.stderr and result.stderr.count("\n") == 1


def test_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://someone@127.0.0.1/nowhere"
    backup = run(url, "backup", str(tmp_path / "x.db"))
    assert backup.exit_code == 2 and "pg_dump" in backup.stderr
    restore = run(url, "restore", str(tmp_path / "x.db"), "--yes")
    assert restore.exit_code == 2 and "pg_restore" in restore.stderr


# --- online: backups taken while a server and a writer are busy --------------------------------


def _consistent(path: Path, writer_count: int) -> int:
    """Check the transactional invariants of a copy; returns the interactions it holds."""
    assert integrity(path) == []
    with sqlite3.connect(path) as connection:
        orphans = connection.execute(
            "SELECT count(*) FROM interactions i WHERE NOT EXISTS (SELECT 1 FROM "
            "interaction_participants p WHERE p.interaction_id = i.id)").fetchone()[0]
        assert orphans == 0
        summaries = [r[0] for r in connection.execute(
            "SELECT summary FROM interactions WHERE summary LIKE 'w%'")]
        values = connection.execute("SELECT count(*) FROM value_exchanges").fetchone()[0]
    assert values == len(summaries), "an interaction without its value, or the reverse"
    seen: dict[int, set[int]] = defaultdict(set)
    for summary in summaries:
        worker, number = summary[1:].split("-")
        seen[int(worker)].add(int(number))
    for worker, numbers in seen.items():
        # Each writer commits in order: a consistent snapshot holds a prefix of its writes.
        assert numbers == set(range(len(numbers))), f"writer {worker}: a torn snapshot"
    assert len(seen) <= writer_count
    return len(summaries)


@pytest.mark.slow
def test_backups_taken_while_the_server_and_writers_run_are_consistent(
        live: Path, tmp_path: Path) -> None:
    writes = 400
    with server(str(live)) as base:
        import httpx

        writers = [subprocess.Popen(module_command("workers", "log", str(live), str(w),
                                                   str(writes), "1,2,3"),
                                    cwd=ROOT, env=process_env(), stderr=subprocess.PIPE,
                                    text=True) for w in range(2)]
        copies = []
        while any(w.poll() is None for w in writers) or not copies:
            target = tmp_path / f"online-{len(copies)}.db"
            completed = subprocess.run(tiekeep_command("--db", str(live), "backup", str(target)),
                                       cwd=ROOT, env=process_env(), capture_output=True,
                                       text=True, timeout=300)
            assert completed.returncode == 0, completed.stderr
            copies.append(target)
            assert httpx.get(base + "/healthz", timeout=10).status_code == 200
            time.sleep(0.2)
        for writer in writers:
            _, errors = writer.communicate(timeout=300)
            assert writer.returncode == 0, errors
        # While the server holds the database, a restore is refused.
        refused = subprocess.run(tiekeep_command("--db", str(live), "restore", str(copies[0]),
                                                 "--yes"), cwd=ROOT, env=process_env(),
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode == 2 and "in use" in refused.stderr
    held = [_consistent(copy, writer_count=2) for copy in copies]
    assert held == sorted(held)
    assert _consistent(live, writer_count=2) == 2 * writes
    record_figure("backup", "online copies verified", len(copies))

    # The server stopped: the last copy taken while it ran restores exactly.
    result = run(str(live), "restore", str(copies[-1]), "--yes")
    assert result.exit_code == 0, result.stderr
    assert canonical_dump(str(live)) == canonical_dump(str(copies[-1]))
