"""Crash safety: real `tiekeep` processes killed with SIGKILL in the middle of a large import,
a `log` and a merge.

Each action is first run uninterrupted, announcing its flushes and commits (see
``pausing.py``). Then it is run again from the same starting database and killed: at flushes
spread over its write transaction, just before its COMMIT, just after it, and at fractions of
its uninterrupted running time. After every kill the file passes ``PRAGMA integrity_check``,
holds exactly the state before the action or exactly the state after it, and running the
action again gives exactly what the uninterrupted run gave.
"""

from __future__ import annotations

import mailbox
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.reliability.support import (
    ROOT,
    Dump,
    canonical_dump,
    dump_difference,
    integrity,
    module_command,
    process_env,
    record_figure,
    tiekeep_command,
)
from tiekeep.core.schema import open_database
from tiekeep.services import contacts, interactions, users

pytestmark = pytest.mark.slow

MESSAGES = 1000  # a mailbox large enough that the import spans several batches
MY_EMAIL = "me@example.com"
TIMED_FRACTIONS = (0.55, 0.85)  # of the uninterrupted run, start-up included
MARKER = "@@PAUSED@@"
EVENT = re.compile(r"^@@(after_flush|before_commit|after_commit) (\d+)@@$")


@dataclass
class Action:
    """One user action to crash: the CLI arguments, and how to set up the database first."""

    name: str
    args: list[str]
    prepare: Callable[[Path], None]
    env: dict[str, str] = field(default_factory=dict)
    repeatable: bool = False  # running it again after it completed is a no-op (an import)


@dataclass
class Outcome:
    returncode: int
    events: list[tuple[str, int]]
    seconds: float
    stderr: str


def _run(path: Path, action: Action, *, pause: tuple[str, int] = ("after_flush", 0),
         kill_after: float | None = None) -> Outcome:
    """Run the action on the database; SIGKILL it at the pause point or after a delay."""
    argv = module_command("pausing", pause[0], str(pause[1]), "--", "--db", str(path),
                          *action.args)
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=ROOT, env=process_env(action.env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines: list[str] = []
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        lines = process.stderr.read().splitlines()
    elif pause[1] > 0:
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if line.strip() == MARKER:
                process.send_signal(signal.SIGKILL)
                break
        lines += process.stderr.read().splitlines()
    else:
        lines = process.stderr.read().splitlines()
    process.wait(timeout=300)
    process.stderr.close()
    events = [(m[1], int(m[2])) for m in map(EVENT.match, lines) if m]
    text = "\n".join(line for line in lines if not EVENT.match(line))
    return Outcome(process.returncode, events, time.monotonic() - started, text)


def _rerun(path: Path, action: Action) -> None:
    completed = subprocess.run(tiekeep_command("--db", str(path), *action.args), cwd=ROOT,
                               env=process_env(action.env), capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr


def _kill_points(reference: Outcome) -> list[tuple[str, int]]:
    """Two flushes inside the write transaction, and its COMMIT (just before and after)."""
    flushes = [k for name, k in reference.events if name == "after_flush"]
    commits = [k for name, k in reference.events if name == "before_commit"]
    picked = sorted({flushes[len(flushes) // 2], flushes[-1]})
    return [("after_flush", k) for k in picked] + [("before_commit", commits[-1]),
                                                   ("after_commit", commits[-1])]


def _crash_action(action: Action, base: Path, work: Path) -> None:
    """The whole check for one action; records how many kills it survived."""
    before = canonical_dump(str(base))
    reference_path = work / "reference.db"
    shutil.copy(base, reference_path)
    reference = _run(reference_path, action)
    assert reference.returncode == 0, reference.stderr
    after = canonical_dump(str(reference_path))
    assert after != before, "the action changed nothing"
    again: Dump | None = None
    if action.repeatable:
        _rerun(reference_path, action)
        again = canonical_dump(str(reference_path))

    plans: list[tuple[str, int] | float] = [*_kill_points(reference)]
    plans += [fraction * reference.seconds for fraction in TIMED_FRACTIONS]
    killed = 0
    for number, plan in enumerate(plans):
        path = work / f"crash-{number}.db"
        shutil.copy(base, path)
        if isinstance(plan, tuple):
            outcome = _run(path, action, pause=plan)
            assert outcome.returncode == -signal.SIGKILL, (plan, outcome.stderr)
        else:
            outcome = _run(path, action, kill_after=plan)
            assert outcome.returncode in (0, -signal.SIGKILL), outcome.stderr
        killed += outcome.returncode == -signal.SIGKILL

        assert integrity(path) == [], f"{action.name}, killed at {plan}"
        state = canonical_dump(str(path))
        if isinstance(plan, tuple):
            # Killed before its COMMIT the action left nothing; killed after it, everything.
            exact = after if plan[0] == "after_commit" else before
            assert state == exact, (f"{action.name}, killed at {plan}:\n"
                                    + dump_difference(exact, state))
        assert state in (before, after), (
            f"{action.name}, killed at {plan}: a partial write\n"
            + dump_difference(before, state))
        if state == before:
            _rerun(path, action)
            expected = after
        elif action.repeatable:
            _rerun(path, action)
            expected = again or after
        else:
            expected = after  # it had committed; running it again would do it twice
        final = canonical_dump(str(path))
        assert final == expected, (f"{action.name}, killed at {plan}, then run again:\n"
                                   + dump_difference(expected, final))
        assert integrity(path) == []
    assert killed >= len(plans) - len(TIMED_FRACTIONS)
    record_figure("crash", action.name, killed)


# --- the actions -------------------------------------------------------------------------------


def _owner(path: Path) -> int:
    database = open_database(str(path))
    try:
        with database.transaction() as session:
            return users.create(session, username="me").id
    finally:
        database.dispose()


def _with_contacts(path: Path, count: int, interactions_each: int = 0) -> None:
    owner_id = _owner(path)
    database = open_database(str(path))
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    try:
        with database.transaction() as session:
            people = [contacts.create(session, owner_id=owner_id, data=contacts.ContactCreate(
                name=f"Person {n:03d}", emails=[f"person{n}@example.org"],
                organization=f"Org {n % 7}", tags=["crash"])) for n in range(count)]
            for n in range(interactions_each):
                for person in people:
                    interactions.log(session, owner_id=owner_id, reindex=False,
                                     data=interactions.InteractionCreate(
                                         participant_ids=[person.id],
                                         occurred_at=start + timedelta(hours=n),
                                         format="call", topics=[f"topic {n % 9}"],
                                         gave=[("information", f"note {n}")],
                                         next_steps=[(f"step {n}", None)]))
    finally:
        database.dispose()


def _mailbox(path: Path, messages: int) -> None:
    """A generated mbox: mail with a few hundred people, both ways, over two years."""
    box = mailbox.mbox(path)
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    try:
        for n in range(messages):
            person = (n * 7919) % 400
            them = f"Person {person} <person{person}@corp{person % 30}.example>"
            mine = n % 2 == 0
            sent = start + timedelta(minutes=53 * n)
            message = mailbox.mboxMessage()
            message["From"] = f"Me <{MY_EMAIL}>" if mine else them
            message["To"] = them if mine else f"Me <{MY_EMAIL}>"
            message["Subject"] = f"Re: the {n % 40} roadmap"
            message["Date"] = format_datetime(sent)
            message["Message-ID"] = f"<m{n}@example.com>"
            message.set_payload(f"Message {n}\n")
            box.add(message)
        box.flush()
    finally:
        box.close()


@pytest.fixture
def empty_file(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "base.db"
    shutil.copy(sqlite_template, path)
    return path


def test_killed_import_leaves_nothing_and_reruns_to_the_same_result(
        tmp_path: Path, empty_file: Path) -> None:
    box = tmp_path / "mail.mbox"
    _mailbox(box, MESSAGES)
    action = Action("import", ["import", "mail", str(box), "--json"],
                    prepare=lambda path: _with_contacts(path, 5),
                    env={"TIEKEEP_MY_EMAILS": MY_EMAIL}, repeatable=True)
    action.prepare(empty_file)
    _crash_action(action, empty_file, tmp_path)


def test_killed_log_is_all_or_nothing(tmp_path: Path, empty_file: Path) -> None:
    action = Action("log", ["log", "--with", "Person 001", "--with", "person2@example.org",
                            "--with", "#4", "--format", "call",
                            "--at", "2026-01-05T10:00:00+00:00", "--topic", "roadmap",
                            "--topic", "hiring", "--notes", "talked it through", "--depth",
                            "4", "--gave", "information:the deck", "--received",
                            "social:an intro", "--next", "send the deck", "--due",
                            "2026-01-10", "--json"],
                    prepare=lambda path: _with_contacts(path, 6, interactions_each=3))
    action.prepare(empty_file)
    _crash_action(action, empty_file, tmp_path)


def test_killed_merge_is_all_or_nothing(tmp_path: Path, empty_file: Path) -> None:
    def prepare(path: Path) -> None:
        _with_contacts(path, 4, interactions_each=150)
        database = open_database(str(path))
        try:
            with database.transaction() as session:
                contacts.link(session, owner_id=1, a_id=2, b_id=3)
                contacts.link(session, owner_id=1, a_id=4, b_id=2, kind="works_with")
        finally:
            database.dispose()

    action = Action("merge", ["contact", "merge", "1", "2"], prepare=prepare)
    action.prepare(empty_file)
    _crash_action(action, empty_file, tmp_path)
