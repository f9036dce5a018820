"""Concurrency: many writers at once, nothing lost, no "database is locked" reaching anyone.

- SQLite: the web server, writer processes (the services, one transaction per interaction,
  as `tiekeep log` does), real `tiekeep log` processes and API clients all write to the same
  file at once. Every write is found afterwards, exactly once.
- SQLite and PostgreSQL: 20 API clients create contacts and interactions and edit one shared
  contact by read-modify-write with its ``version``; a collision is a 409 and a retry, and no
  update is lost.
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.support import (
    ROOT,
    module_command,
    process_env,
    record_figure,
    server,
    tiekeep_command,
)
from tiekeep.core.schema import open_database
from tiekeep.services import contacts, users

pytestmark = pytest.mark.slow

WRITERS = 4
WRITES_EACH = 500
CLI_LOOPS = 2
CLI_WRITES_EACH = 5
API_THREADS = 2
API_WRITES_EACH = 100
CLIENTS = 20
SHARED_EDITS_EACH = 2
SIMULTANEOUS_LOGS = 3


def _account(target: str, people: int) -> tuple[str, list[int]]:
    """A user with an API token and some contacts; returns (token, contact ids)."""
    database = open_database(target)
    try:
        with database.transaction() as session:
            user = users.create(session, username="me")
            token = users.create_token(session, owner_id=user.id, name="reliability")
            ids = [contacts.create(session, owner_id=user.id, data=contacts.ContactCreate(
                name=f"Colleague {n:02d}", emails=[f"colleague{n}@example.org"])).id
                for n in range(people)]
        return token, ids
    finally:
        database.dispose()


def _summaries(target: str) -> Counter[str]:
    from sqlalchemy import select

    from tiekeep.core.models import Interaction

    database = open_database(target)
    try:
        with database.reading() as session:
            return Counter(s for s in session.scalars(select(Interaction.summary)) if s)
    finally:
        database.dispose()


def _cli_loop(target: str, loop: int, contact_id: int, errors: list[str]) -> None:
    """Real `tiekeep log` processes, one after another."""
    for n in range(CLI_WRITES_EACH):
        completed = subprocess.run(
            tiekeep_command("--db", target, "log", "--with", str(contact_id), "--format",
                            "call", "--summary", f"cli{loop}-{n}", "--topic", "concurrency",
                            "--at", "2025-07-01T10:00:00+00:00"),
            cwd=ROOT, env=process_env(), capture_output=True, text=True, timeout=300)
        if completed.returncode != 0 or "locked" in completed.stderr:
            errors.append(f"tiekeep log: {completed.returncode} {completed.stderr[-500:]}")


def _api_loop(base: str, token: str, thread: int, contact_ids: list[int],
              errors: list[str]) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=120) as client:
        for n in range(API_WRITES_EACH):
            response = client.post("/api/v1/interactions", json={
                "participant_ids": [contact_ids[n % len(contact_ids)]], "format": "chat",
                "summary": f"api{thread}-{n}", "occurred_at": "2025-08-01T10:00:00+00:00"})
            if response.status_code != 201:
                errors.append(f"POST /api/v1/interactions: {response.status_code} "
                              f"{response.text[:300]}")


def test_server_cli_and_writer_processes_write_one_sqlite_file_at_once(
        tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    path = tmp_path / "shared.db"
    shutil.copy(sqlite_template, path)
    target = str(path)
    token, ids = _account(target, people=8)
    errors: list[str] = []
    with server(target) as base:
        writers = [subprocess.Popen(module_command("workers", "log", target, str(w),
                                                   str(WRITES_EACH), ",".join(map(str, ids))),
                                    cwd=ROOT, env=process_env(), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
                   for w in range(WRITERS)]
        threads = [threading.Thread(target=_cli_loop, args=(target, n, ids[n], errors))
                   for n in range(CLI_LOOPS)]
        threads += [threading.Thread(target=_api_loop, args=(base, token, n, ids, errors))
                    for n in range(API_THREADS)]
        for thread in threads:
            thread.start()
        for writer in writers:
            _, stderr = writer.communicate(timeout=900)
            if writer.returncode != 0:
                errors.append(f"writer: {writer.returncode} {stderr[-1500:]}")
        for thread in threads:
            thread.join(timeout=900)
    assert errors == []

    found = _summaries(target)
    expected = ([f"w{w}-{n}" for w in range(WRITERS) for n in range(WRITES_EACH)]
                + [f"cli{k}-{n}" for k in range(CLI_LOOPS) for n in range(CLI_WRITES_EACH)]
                + [f"api{t}-{n}" for t in range(API_THREADS) for n in range(API_WRITES_EACH)])
    missing = [s for s in expected if found[s] == 0]
    doubled = [s for s in expected if found[s] > 1]
    assert (missing[:10], doubled[:10]) == ([], [])
    assert sum(found.values()) == len(expected)
    record_figure("concurrency", "sqlite: server + CLI + writer processes, writes kept",
                  len(expected))


# --- optimistic concurrency through the API -----------------------------------------------------


def _client_work(base: str, token: str, client_id: int, shared_id: int,
                 stats: Counter[str]) -> list[str]:
    """One API client: its own contacts and interactions, and read-modify-write edits of the
    shared contact that retry on 409."""
    problems: list[str] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=120) as client:
        own = []
        for n in range(3):
            response = client.post("/api/v1/contacts", json={
                "name": f"Client {client_id} contact {n}",
                "emails": [f"c{client_id}-{n}@example.net"], "tags": [f"client-{client_id}"]})
            if response.status_code != 201:
                problems.append(f"create: {response.status_code} {response.text[:200]}")
                continue
            own.append(response.json()["id"])
        for n, contact_id in enumerate(own):
            # Logs with the shared contact at the same moment: see the test below.
            response = client.post("/api/v1/interactions", json={
                "participant_ids": [contact_id], "format": "video_call",
                "summary": f"client{client_id}-{n}"})
            if response.status_code != 201:
                problems.append(f"log: {response.status_code} {response.text[:200]}")
            tagged = client.patch(f"/api/v1/contacts/{contact_id}", json={
                "tier": "key", "add_tags": [f"edited-{client_id}"]})
            if tagged.status_code != 200:
                problems.append(f"edit: {tagged.status_code} {tagged.text[:200]}")
        for n in range(SHARED_EDITS_EACH):
            for _attempt in range(200):
                current = client.get(f"/api/v1/contacts/{shared_id}")
                if current.status_code != 200:
                    problems.append(f"read: {current.status_code} {current.text[:200]}")
                    break
                body: dict[str, Any] = current.json()
                interests = [*body.get("interests", []), f"c{client_id}-{n}"]
                response = client.patch(f"/api/v1/contacts/{shared_id}", json={
                    "interests": interests, "version": body["version"]})
                if response.status_code == 200:
                    stats["updates"] += 1
                    break
                if response.status_code == 409:
                    stats["conflicts"] += 1
                    continue
                problems.append(f"update: {response.status_code} {response.text[:200]}")
                break
            else:
                problems.append("gave up after 200 conflicts")
    return problems


def _interests(target: str, contact_id: int) -> list[str]:
    from tiekeep.core.models import Contact

    database = open_database(target)
    try:
        with database.reading() as session:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            return list(contact.interests)
    finally:
        database.dispose()


def test_twenty_api_clients_lose_no_update(db_url: str) -> None:
    token, ids = _account(db_url, people=1)
    shared = ids[0]
    stats: Counter[str] = Counter()
    with server(db_url) as base:
        detail = httpx.get(f"{base}/api/v1/contacts/{shared}",
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if "interests" not in detail.json():
            pytest.fail("the contact detail has no 'interests' to edit")
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda c: _client_work(base, token, c, shared, stats),
                                    range(CLIENTS)))
    assert [p for problems in results for p in problems] == []
    expected = {f"c{c}-{n}" for c in range(CLIENTS) for n in range(SHARED_EDITS_EACH)}
    kept = _interests(db_url, shared)
    assert sorted(kept) == sorted(expected), f"lost: {sorted(expected - set(kept))[:10]}"
    assert stats["updates"] == len(expected)
    assert _summaries(db_url).total() == 3 * CLIENTS
    dialect = "postgresql" if db_url.startswith("postgres") else "sqlite"
    record_figure("concurrency", f"{dialect}: {CLIENTS} API clients, updates kept",
                  stats["updates"])
    record_figure("concurrency", f"{dialect}: {CLIENTS} API clients, 409 conflicts retried",
                  stats["conflicts"])


def _target(kind: str, tmp_path: Path, template: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database of that kind."""
    if kind == "sqlite":
        import shutil

        shutil.copy(template, tmp_path / "simultaneous.db")
        return str(tmp_path / "simultaneous.db")
    from tests.conftest import PG_URL, _empty_postgres

    _empty_postgres(request.getfixturevalue("pg_database"))
    return PG_URL


def _at_once(base: str, token: str, send: Any) -> list[int]:
    """Every client sends its requests, the first ones all at the same moment."""
    barrier = threading.Barrier(CLIENTS)

    def client_requests(client_id: int) -> list[int]:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                          timeout=120) as client:
            barrier.wait(timeout=60)
            return [r.status_code for r in send(client, client_id)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [c for result in pool.map(client_requests, range(CLIENTS)) for c in result]


def _search_body(target: str, contact_id: int) -> str:
    from sqlalchemy import text

    database = open_database(target)
    try:
        with database.reading() as session:
            column = "rowid" if database.dialect == "sqlite" else "contact_id"
            return str(session.execute(
                text(f"SELECT body FROM contact_search WHERE {column} = :id"),
                {"id": contact_id}).scalar_one())
    finally:
        database.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_simultaneous_logs_with_one_contact_all_land(kind: str, tmp_path: Path,
                                                    sqlite_template: Path,
                                                    request: pytest.FixtureRequest) -> None:
    """Logging is not an edit of the contact: simultaneous logs never conflict or drop words."""
    target = _target(kind, tmp_path, sqlite_template, request)
    token, ids = _account(target, people=1)
    shared = ids[0]

    def send(client: httpx.Client, client_id: int) -> list[httpx.Response]:
        return [client.post("/api/v1/interactions", json={
            "participant_ids": [shared], "format": "chat",
            "topics": [f"topic{client_id}x{n}"]}) for n in range(SIMULTANEOUS_LOGS)]

    with server(target) as base:
        codes = _at_once(base, token, send)
    assert Counter(codes) == Counter({201: CLIENTS * SIMULTANEOUS_LOGS})
    body = _search_body(target, shared)
    lost = [f"topic{c}x{n}" for c in range(CLIENTS) for n in range(SIMULTANEOUS_LOGS)
            if f"topic{c}x{n}" not in body]
    assert lost == [], "topics missing from the contact's search document"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_simultaneous_edits_adding_one_new_tag_all_land(kind: str, tmp_path: Path,
                                                       sqlite_template: Path,
                                                       request: pytest.FixtureRequest) -> None:
    target = _target(kind, tmp_path, sqlite_template, request)
    token, ids = _account(target, people=CLIENTS)

    def send(client: httpx.Client, client_id: int) -> list[httpx.Response]:
        return [client.patch(f"/api/v1/contacts/{ids[client_id]}",
                             json={"add_tags": ["brand-new"]})]

    with server(target) as base:
        codes = _at_once(base, token, send)
        listed = httpx.get(f"{base}/api/v1/contacts", params={"tag": "brand-new", "limit": 100},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert Counter(codes) == Counter({200: CLIENTS})
    assert sorted(c["id"] for c in listed["items"]) == sorted(ids)
