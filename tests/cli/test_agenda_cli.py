"""`tiekeep today`, `done`, `snooze`, `dismiss`, `resource …` and free-text `log`, driven
through the real CLI on a small network at fixed dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.cli_helpers import run, run_process
from tiekeep.core.db import Database
from tiekeep.services import contacts, followups, interactions


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def network(db: Database, owner_id: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Kira (key, 14 days since on 15 March), Rob (regular, 42 days) with a follow-up due,
    Bea (regular) with a birthday on 17 March, all in UTC."""
    monkeypatch.setenv("TIEKEEP_ME_TIME_ZONE", "UTC")
    ids = {}
    with db.transaction() as s:
        for key, name, tier, met, birthday in (
                ("kira", "Kira Key", "key", "2026-03-01 12:00", None),
                ("rob", "Rob Regular", "regular", "2026-02-01 09:00", None),
                ("bea", "Bea Birthday", "regular", "2026-03-10 12:00", date(1990, 3, 17))):
            ids[key] = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
                name=name, tier=tier, birthday=birthday)).id
            interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
                participant_ids=[ids[key]], occurred_at=at(met)))
        ids["step"] = followups.create(s, owner_id=owner_id, contact_id=ids["rob"],
                                       text="send the deck", due=date(2026, 3, 14)).id
    return ids


def agenda(db_url: str, day: str, *extra: str) -> list[dict[str, Any]]:
    result = run(db_url, "today", "--date", day, "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return result.json()  # type: ignore[no-any-return]


def summary(items: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    return [(i["kind"], i["contact"]["name"], i["priority"]) for i in items]


def test_today_json_lists_every_item_ranked(db_url: str, network: dict[str, int]) -> None:
    items = agenda(db_url, "2026-03-15")
    assert summary(items) == [
        ("followup", "Rob Regular", 3.5),     # 3 + 0.5 × 1 day late
        ("date", "Bea Birthday", 3.5),        # 2 × (2 − 2/8)
        ("overdue", "Kira Key", 3.0),         # 3 × 14/14
        ("overdue", "Rob Regular", 2.8),      # 2 × 42/30
    ]
    first = items[0]
    assert first["contact"] == {"id": network["rob"], "name": "Rob Regular"}
    assert first["reason"] == "Follow-up 1 day late: send the deck"
    assert {"kind", "contact", "reason", "priority", "due", "suggestions"} <= set(first)
    assert summary(agenda(db_url, "2026-03-15", "--limit", "2")) == summary(items)[:2]


def test_today_table(db_url: str, network: dict[str, int]) -> None:
    result = run(db_url, "today", "--date", "2026-03-15", "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert "Agenda for Sun 15 Mar 2026 (UTC)" in result.stdout
    for name in ("Rob Regular", "Bea Birthday", "Kira Key"):
        assert name in result.stdout
    assert result.stdout.rstrip().endswith("The first 3 items; --limit N or --json shows more.")
    empty = run(db_url, "today", "--date", "2026-03-02")
    assert empty.stdout.strip() == "Nothing on the agenda for 2026-03-02."


def test_done_round_trip_resets_the_cadence(db_url: str, db: Database, owner_id: int,
                                            network: dict[str, int]) -> None:
    result = run(db_url, "done", "Kira", "--format", "call", "--note", "caught up",
                 "--date", "2026-03-15")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("; next due in 14 days")
    assert [i["contact"]["name"] for i in agenda(db_url, "2026-03-15")
            if i["kind"] == "overdue"] == ["Rob Regular"]
    back = [i for i in agenda(db_url, "2026-03-29") if i["contact"]["name"] == "Kira Key"]
    assert [(i["kind"], i["days_since"]) for i in back] == [("overdue", 14)]
    with db.reading() as s:
        (logged, *_) = interactions.list_for_contact(s, owner_id=owner_id,
                                                                  contact_id=network["kira"])
        assert (logged.format, logged.notes, logged.occurred_at) == (
            "call", "caught up", at("2026-03-15 12:00"))
    post = run(db_url, "done", "Rob", "--format", "social_post", "--date", "2026-03-15")
    assert post.stdout.strip().endswith("a social_post does not reset the cadence")


def test_snooze_round_trip(db_url: str, network: dict[str, int]) -> None:
    result = run(db_url, "snooze", "Rob Regular", "--days", "3", "--date", "2026-03-15")
    assert (result.exit_code, result.stdout.strip()) == (
        0, "Snoozed Rob Regular (all items) until 2026-03-18")
    assert "Rob Regular" not in {i["contact"]["name"] for i in agenda(db_url, "2026-03-17")}
    assert [i["kind"] for i in agenda(db_url, "2026-03-18")
            if i["contact"]["name"] == "Rob Regular"] == ["followup", "overdue"]
    run(db_url, "snooze", "Kira", "--until", "2026-03-20", "--kind", "overdue",
        "--date", "2026-03-15")
    assert "Kira Key" not in {i["contact"]["name"] for i in agenda(db_url, "2026-03-19")}
    for bad, message in ((["--days", "2", "--until", "2026-04-01"], "--until DATE or --days N"),
                         ([], "--until DATE or --days N"),
                         (["--days", "0"], "--days must be at least 1"),
                         (["--days", "2", "--kind", "everything"], "unknown agenda kind"),
                         (["--until", "2026-03-01"], "a day after today"),
                         (["--dismiss", "--days", "2"], "--dismiss takes no"),
                         (["--dismiss", "--kind", "overdue"], "not dismissed")):
        failed = run(db_url, "snooze", "Kira", *bad, "--date", "2026-03-15")
        assert failed.exit_code == 2
        (line,) = failed.stderr.splitlines()
        assert line.startswith("error: ") and message in line


def test_dismiss_a_birthday_for_this_year(db_url: str, network: dict[str, int]) -> None:
    result = run(db_url, "snooze", "Bea", "--dismiss", "--date", "2026-03-15")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == ("Dismissed: Bea Birthday: Birthday in 2 days (Tue 17 Mar) "
                                     "— turns 36 (for 2026 only)")
    assert "date" not in {i["kind"] for i in agenda(db_url, "2026-03-16")}
    assert [i["key"] for i in agenda(db_url, "2027-03-15") if i["kind"] == "date"] == [
        "birthday:2027"]
    again = run(db_url, "snooze", "Bea", "--dismiss", "--kind", "date", "--date", "2026-03-15")
    assert again.stdout.strip() == "Nothing to dismiss for Bea Birthday on 2026-03-15."


def test_free_text_log_with_yes(db_url: str, network: dict[str, int]) -> None:
    result = run(db_url, "log", "lunch with Kira Key on 2026-03-12 about the Q3 roadmap",
                 "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    logged = result.json()
    assert [p["name"] for p in logged["participants"]] == ["Kira Key"]
    assert (logged["format"], logged["topics"]) == ("lunch", ["Q3 roadmap"])
    assert logged["occurred_at"].startswith("2026-03-12T12:00")
    assert result.stderr.startswith("Understood: lunch with Kira Key")


def test_free_text_log_in_russian_relative_to_today(db_url: str, db: Database,
                                                    owner_id: int) -> None:
    with db.transaction() as s:
        contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(name="Анна Петрова"))
    before = datetime.now(UTC).date()
    result = run(db_url, "log", "обед с Анной вчера про планы на Q3", "--yes", "--json")
    after = datetime.now(UTC).date()
    assert result.exit_code == 0, result.stderr
    logged = result.json()
    assert [p["name"] for p in logged["participants"]] == ["Анна Петрова"]
    assert (logged["format"], logged["topics"]) == ("lunch", ["планы на Q3"])
    yesterday = {(d - timedelta(days=1)).isoformat() + "T12:00" for d in (before, after)}
    assert logged["occurred_at"][:16] in yesterday


def test_an_unresolved_or_ambiguous_name_with_yes_is_an_error(db_url: str, db: Database,
                                                              network: dict[str, int]) -> None:
    unknown = run(db_url, "log", "coffee with Zed Unknown yesterday", "--yes")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == [
        "error: no contact matches 'Zed Unknown' (use --with REF, or add the contact first)"]
    run(db_url, "contact", "add", "Kira Other")
    ambiguous = run(db_url, "log", "coffee with Kira", "--yes")
    assert ambiguous.exit_code == 2
    (line,) = ambiguous.stderr.splitlines()
    assert line.startswith("error: 'Kira' is ambiguous: #") and "Kira Other" in line
    with db.reading() as s:
        assert interactions.count_for_contact(s, contact_id=network["kira"]) == 1


def answered(result: Any) -> dict[str, Any]:
    """The JSON printed after a conversation (the test runner echoes the answers)."""
    out = result.stdout
    return json.loads(out[out.index("{"):])  # type: ignore[no-any-return]


def test_free_text_log_asks_and_confirms(db_url: str, db: Database,
                                         network: dict[str, int]) -> None:
    run(db_url, "contact", "add", "Kira Other")
    declined = run(db_url, "log", "coffee with Kira on 2026-03-12", input="1\nn\n")
    assert declined.exit_code == 1
    assert "Who is “Kira”?" in declined.stderr and "Nothing logged." in declined.stderr
    picked = run(db_url, "log", "coffee with Kira on 2026-03-12", "--json", input="1\ny\n")
    assert picked.exit_code == 0, picked.stderr
    assert [p["name"] for p in answered(picked)["participants"]] == ["Kira Key"]
    asked = run(db_url, "log", "call with Zed on 2026-03-12", "--json", input="Rob\n\n")
    assert asked.exit_code == 0, asked.stderr
    assert "No contact matches “Zed”." in asked.stderr
    assert [p["name"] for p in answered(asked)["participants"]] == ["Rob Regular"]


def test_resources_add_list_share_and_suggest(db_url: str, db: Database, owner_id: int,
                                              network: dict[str, int]) -> None:
    with db.transaction() as s:
        contacts.update(s, owner_id=owner_id, contact_id=network["kira"],
                        changes=contacts.ContactUpdate(interests=["Hiring"]))
    added = run(db_url, "resource", "add", "https://example.com/hiring", "--title",
                "Hiring guide", "--topic", "hiring")
    assert added.stdout.splitlines() == ["Resource #1: Hiring guide",
                                         f"Interested: Kira Key (#{network['kira']})"]
    (kira,) = [i for i in agenda(db_url, "2026-03-15") if i["contact"]["name"] == "Kira Key"]
    assert [s["text"] for s in kira["suggestions"] if s["kind"] == "resource"] == [
        "Hiring guide"]
    shared = run(db_url, "resource", "share", "1", "Kira", "Rob Regular")
    assert shared.stdout.strip() == "Shared “Hiring guide” with Kira Key, Rob Regular"
    (listed,) = run(db_url, "resource", "list", "--json").json()
    assert (listed["title"], listed["topics"], [p["name"] for p in listed["shared_with"]]) == (
        "Hiring guide", ["hiring"], ["Kira Key", "Rob Regular"])
    (kira,) = [i for i in agenda(db_url, "2026-03-15") if i["contact"]["name"] == "Kira Key"]
    assert [s for s in kira["suggestions"] if s["kind"] == "resource"] == []
    values = run(db_url, "value", "list", "Kira", "--json").json()
    assert [(v["direction"], v["kind"]) for v in values["values"]] == [("given", "information")]
    bad = run(db_url, "resource", "add", "not a url")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: malformed URL")


def test_today_as_a_real_process(db_url: str, network: dict[str, int]) -> None:
    result = run_process(db_url, "today", "--date", "2026-03-15", "--json",
                         env={"TIEKEEP_ME_TIME_ZONE": "UTC"})
    assert result.exit_code == 0, result.stderr
    assert summary(result.json()) == summary(agenda(db_url, "2026-03-15"))
