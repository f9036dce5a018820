"""The core CLI forms of DESIGN.md, through Typer's runner and a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run, run_process

CONTACT_KEYS = {"id", "name", "emails", "phones", "tier", "horizon", "organization",
                "department", "title", "tags", "last_contact"}


def test_contact_add_list_search_show(db_url: str) -> None:
    added = run(db_url, "contact", "add", "Anna Petrova", "--email", "anna@acme.example",
                "--phone", "+1 650 253 0000", "--org", "Acme", "--dept", "Sales",
                "--title", "Head of Sales", "--tier", "key", "--tag", "client",
                "--cadence", "10", "--birthday", "1990-02-28", "--json")
    assert added.exit_code == 0, added.stderr
    created = added.json()
    assert created["phones"] == ["+16502530000"]

    listed = run(db_url, "contact", "list", "--json").json()
    assert len(listed) == 1 and CONTACT_KEYS <= set(listed[0])
    assert listed[0]["organization"] == "Acme" and listed[0]["tags"] == ["client"]

    found = run(db_url, "contact", "search", "Anna Petrof", "--json").json()
    assert [c["id"] for c in found] == [created["id"]]
    found = run(db_url, "contact", "search", "Анна Петрова", "--json").json()
    assert [c["id"] for c in found] == [created["id"]]

    logged = run(db_url, "log", "--with", "Anna", "--format", "lunch", "--at",
                 "2026-03-02T12:00:00+00:00", "--topic", "Q3 roadmap", "--depth", "4",
                 "--next", "send the deck", "--due", "2026-03-09",
                 "--gave", "information:market report", "--received", "social:intro")
    assert logged.exit_code == 0, logged.stderr
    assert "Logged lunch with Anna Petrova" in logged.stdout

    shown = run(db_url, "contact", "show", "anna@acme.example", "--json").json()
    assert {"roles", "interactions", "plan", "values", "followups", "strength"} <= set(shown)
    assert shown["last_contact"].startswith("2026-03-02T12:00")
    assert shown["interactions"][0]["topics"] == ["Q3 roadmap"]
    assert [f["text"] for f in shown["followups"]] == ["send the deck"]
    assert sorted((v["direction"], v["kind"]) for v in shown["values"]) == [
        ("given", "information"), ("received", "social")]
    assert 0 <= shown["strength"]["score"] <= 100
    assert {c["name"] for c in shown["strength"]["components"]} == {
        "frequency", "depth", "diversity", "reciprocity", "trust"}

    table = run(db_url, "contact", "show", "Anna")
    assert table.exit_code == 0 and "Tie strength" in table.stdout


def test_role_value_followup_plan(db_url: str) -> None:
    run(db_url, "contact", "add", "Ivan Petrov", "--org", "Globex", "--title", "Engineer")
    changed = run(db_url, "role", "Ivan", "--title", "CTO", "--since", "2026-01-15")
    assert changed.exit_code == 0, changed.stderr
    shown = run(db_url, "contact", "show", "Ivan", "--json").json()
    assert [(r["title"], r["ended"]) for r in shown["roles"]] == [
        ("CTO", None), ("Engineer", "2026-01-14")]

    assert run(db_url, "value", "add", "Ivan", "received",
               "professional:referred me to a client", "--category", "referral").exit_code == 0
    values = run(db_url, "value", "list", "Ivan", "--json").json()
    assert values["balance"]["received"] == 1 and values["values"][0]["category"] == "referral"

    assert run(db_url, "followup", "add", "Ivan", "call back", "--due", "2026-02-01").exit_code \
        == 0
    followups = run(db_url, "followup", "list", "--json").json()
    assert [(f["text"], f["due"]) for f in followups] == [("call back", "2026-02-01")]
    assert run(db_url, "followup", "done", str(followups[0]["id"])).exit_code == 0
    assert run(db_url, "followup", "list", "--json").json() == []

    assert run(db_url, "plan", "add", "Ivan", "ask about the migration").exit_code == 0
    assert run(db_url, "plan", "add", "Ivan", "introduce to Anna", "--support").exit_code == 0
    assert run(db_url, "plan", "next", "Ivan", "2026-12-03T15:00:00+00:00").exit_code == 0
    plan = run(db_url, "plan", "show", "Ivan", "--json").json()
    assert [t["text"] for t in plan["topics"]] == ["ask about the migration"]
    assert [t["text"] for t in plan["support"]] == ["introduce to Anna"]
    assert plan["next_meeting"] == "2026-12-03T15:00:00+00:00"


@pytest.mark.parametrize("args,message", [
    (["contact", "add", "X", "--email", "nope"], "malformed email address 'nope'"),
    (["contact", "add", "X", "--phone", "abc"], "malformed phone number 'abc'"),
    (["contact", "add", "X", "--tier", "vip"], "unknown tier 'vip'"),
    (["contact", "add", "X", "--birthday", "1990-13-01"], "malformed birthday"),
    (["contact", "show", "Nobody Atall"], "no contact matches"),
    (["log", "--with", "Anna", "--format", "telepathy"], "unknown format 'telepathy'"),
    (["log", "--with", "Anna", "--at", "the day after never"], "malformed date or time"),
    (["log", "--with", "Anna", "--gave", "money:lots"], "unknown value kind 'money'"),
    (["log", "--with", "Anna", "--depth", "9"], "depth must be from 1 to 5"),
    (["role", "Anna", "--since", "2026-01-01"], "a role needs"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(db_url: str, args: list[str],
                                                           message: str) -> None:
    run(db_url, "contact", "add", "Anna Petrova")
    before = run(db_url, "contact", "show", "Anna", "--json").json()
    result = run(db_url, *args)
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    after = run(db_url, "contact", "show", "Anna", "--json").json()
    assert after == before
    assert len(run(db_url, "contact", "list", "--json").json()) == 1


def test_ambiguous_reference_lists_candidates(db_url: str) -> None:
    run(db_url, "contact", "add", "Anna Petrova")
    run(db_url, "contact", "add", "Anna Smith")
    result = run(db_url, "log", "--with", "Anna")
    assert result.exit_code == 2
    assert "'Anna' is ambiguous" in result.stderr
    assert "Anna Petrova" in result.stderr and "Anna Smith" in result.stderr


def test_users_and_tokens(db_url: str) -> None:
    assert run(db_url, "user", "add", "alice", input="correct horse battery\n").exit_code == 0
    assert run(db_url, "user", "add", "bob", input="another password\n").exit_code == 0
    token = run(db_url, "--user", "alice", "token", "create", "script").stdout.strip()
    assert token.startswith("tk_") and len(token) > 30
    run(db_url, "--user", "bob", "contact", "add", "Bob's friend")
    assert run(db_url, "--user", "alice", "contact", "list", "--json").json() == []
    assert len(run(db_url, "--user", "bob", "contact", "list", "--json").json()) == 1
    # Without --user, the installation's first user acts.
    assert run(db_url, "contact", "list", "--json").json() == []
    missing = run(db_url, "--user", "carol", "contact", "list")
    assert missing.exit_code == 2 and "no user 'carol'" in missing.stderr
    short = run(db_url, "user", "add", "dave", input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.stderr


def test_merge_and_archive(db_url: str) -> None:
    run(db_url, "contact", "add", "Anna Petrova", "--email", "anna@x.org")
    run(db_url, "contact", "add", "Анна Петрова", "--email", "anna@home.org")
    run(db_url, "log", "--with", "anna@home.org", "--format", "call")
    merged = run(db_url, "contact", "merge", "anna@x.org", "anna@home.org")
    assert merged.exit_code == 0, merged.stderr
    shown = run(db_url, "contact", "show", "anna@home.org", "--json").json()
    assert shown["emails"] == ["anna@x.org", "anna@home.org"]
    assert shown["interaction_count"] == 1
    assert run(db_url, "contact", "archive", "Anna").exit_code == 0
    assert run(db_url, "contact", "list", "--json").json() == []


def test_real_process_and_environment(tmp_path: Path) -> None:
    db_path = tmp_path / "proc.db"
    added = run_process(str(db_path), "contact", "add", "Ivan Petrov", "--json")
    assert added.exit_code == 0, added.stderr
    listed = run_process(str(db_path), "contact", "list", "--json")
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ivan Petrov"]
    bad = run_process(str(db_path), "contact", "add", "X", "--email", "bad@")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: malformed email")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 512)
    broken = run_process(str(junk), "contact", "list")
    assert broken.exit_code == 2 and "cannot open database" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_every_command_has_help() -> None:
    from typer.main import get_command

    from tiekeep.cli.app import build

    root = get_command(build())

    def walk(command, path):  # type: ignore[no-untyped-def]
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    missing = [" ".join(p) for p, c in walk(root, []) if p and not (c.help or "").strip()]
    assert missing == []


def test_a_run_loads_the_module_of_its_command_only() -> None:
    from typer.main import get_command

    from tiekeep.cli.app import COMMAND_MODULES, build, requested_command

    declared = sorted(name for names in COMMAND_MODULES.values() for name in names)
    assert sorted(get_command(build()).commands) == declared  # type: ignore[attr-defined]
    for names in COMMAND_MODULES.values():
        loaded = get_command(build(names[0])).commands  # type: ignore[attr-defined]
        assert sorted(loaded) == sorted(names)
    assert requested_command(["--db", "contact", "log", "--with", "x"]) == "log"
    assert requested_command(["--user=ann", "today", "--json"]) == "today"
    assert requested_command(["--help", "contact"]) is None
    assert requested_command(["contcat", "list"]) is None


def test_readme_mentions_every_command() -> None:
    from typer.main import get_command

    from tiekeep.cli.app import build

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    names = sorted(get_command(build()).commands)  # type: ignore[attr-defined]
    assert [n for n in names if f"tiekeep {n}" not in readme] == []
