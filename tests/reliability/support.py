"""Helpers for the reliability tests: canonical dumps, integrity, real processes, a real
server, and the figures the reliability report aggregates.

Kept free of pytest fixtures so that the worker processes (``workers.py``, ``pausing.py``)
can import it too.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Not TIEKEEP_-prefixed: the suite's conftest clears those from every test's environment.
STATS_ENV = "RELIABILITY_STATS_FILE"
# Columns stamped with the wall clock when a row is written: two runs of the same action
# differ there and nowhere else.
VOLATILE_COLUMNS = frozenset({"created_at", "updated_at", "changed_at", "shared_at", "at",
                              "started_at", "finished_at", "last_used_at"})

Dump = dict[str, list[tuple[Any, ...]]]


# --- canonical dumps -------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """One comparable form per value, whatever the driver returned."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
        except ValueError:
            return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical_dump(target: str) -> Dump:
    """Every row of every table (SQLite or PostgreSQL), without wall-clock columns, sorted.

    Two databases with equal dumps hold the same data: the same rows with the same ids.
    """
    from sqlalchemy import inspect, text

    from tiekeep.core.db import make_engine, normalize_url

    engine = make_engine(normalize_url(target))
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                names = [r[0] for r in connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'contact_search_%'")]
            else:
                names = inspect(connection).get_table_names()
            dump: Dump = {}
            for name in sorted(names):
                # The table names come from the database's own catalogue, never from input.
                query = f'SELECT {"rowid, " if sqlite else ""}* FROM "{name}"'
                result = connection.execute(text(query))
                keep = [i for i, column in enumerate(result.keys())
                        if column not in VOLATILE_COLUMNS]
                rows = [tuple(_plain(row[i]) for i in keep) for row in result]
                dump[name] = sorted(rows, key=repr)
            return dump
    finally:
        engine.dispose()


def dump_difference(before: Dump, after: Dump, limit: int = 5) -> str:
    """A short account of how two dumps differ, for assertion messages."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        if old != new:
            lines.append(f"{table}: {len(new - old)} rows added, {len(old - new)} removed; "
                         f"e.g. +{sorted(new - old, key=repr)[:1]} "
                         f"-{sorted(old - new, key=repr)[:1]}")
    return "\n".join(lines[:limit]) or "no difference"


def integrity(path: Path) -> list[str]:
    """PRAGMA integrity_check and foreign_key_check of a SQLite file: [] when sound."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        problems = [r[0] for r in connection.execute("PRAGMA integrity_check")]
        problems = [] if problems == ["ok"] else problems
        problems += [f"foreign key: {r}" for r in connection.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        connection.close()


# --- processes -------------------------------------------------------------------------------


def tiekeep_command(*args: str) -> list[str]:
    """The argv of tiekeep as a real process."""
    return [sys.executable, "-m", "tiekeep", *args]


def module_command(module: str, *args: str) -> list[str]:
    """The argv of one of the helper modules here, as a real process."""
    return [sys.executable, "-m", f"tests.reliability.{module}", *args]


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for child processes: ours, with the project root importable."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(db_target: str, *, env: dict[str, str] | None = None,
           timeout: float = 60) -> Iterator[str]:
    """`tiekeep serve` as a real process on a free port; yields its base URL."""
    import httpx

    port = free_port()
    log = open(os.devnull, "w")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(tiekeep_command("--db", db_target, "serve", "--host",
                                               "127.0.0.1", "--port", str(port)),
                               env=process_env(env), cwd=ROOT, stdout=log,
                               stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tiekeep serve exited: {process.stderr.read()[-2000:]}"
                                   if process.stderr else "tiekeep serve exited")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tiekeep serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            errors = process.stderr.read()
            process.stderr.close()
            if "database is locked" in errors or "Traceback" in errors:
                raise AssertionError(f"the server logged an error:\n{errors[-3000:]}")
        log.close()


# --- figures for the report ------------------------------------------------------------------


def record_figure(category: str, name: str, value: int) -> None:
    """Add a figure (crash runs survived, writes checked, examples tried…) for the report.

    Written only when the report runs the tests (it sets RELIABILITY_STATS_FILE).
    """
    target = os.environ.get(STATS_ENV)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"category": category, "name": name, "value": value}) + "\n")
