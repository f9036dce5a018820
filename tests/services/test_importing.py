"""The importing service: counts, identity, idempotency, dry runs, strictness, interactions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import CORPUS
from tiekeep.adapters import registry
from tiekeep.adapters.records import (
    ContactRecord,
    InteractionRecord,
    PersonRef,
    Record,
    SkippedRecord,
)
from tiekeep.core.db import Database
from tiekeep.core.models import (
    AuditEntry,
    Contact,
    ContactSource,
    ImportRun,
    Interaction,
    Role,
)
from tiekeep.errors import ImportRejected
from tiekeep.services import contacts, importing, roles

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def fake_read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """A reader that yields the records a test hands it (and then fails if told to)."""
    yield from options["records"]
    if "then" in options:
        raise options["then"]


@pytest.fixture(autouse=True)
def fake_importer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.IMPORTERS, "fake", registry.Adapter(
        "fake", "tests.services.test_importing:fake_read", "records handed in by a test"))


def run(db: Database, owner_id: int, records: list[Record], **kwargs: Any) -> dict[str, Any]:
    options = {"records": records, "my_emails": ["me@example.com"],
               **kwargs.pop("options", {})}
    with db.transaction() as s:
        summary = importing.run(s, owner_id=owner_id, kind="fake", path=Path("fake.txt"),
                                options=options, now=NOW, **kwargs)
    return summary.to_dict()


def counts(summary: dict[str, Any]) -> tuple[int, ...]:
    return tuple(summary[k] for k in ("created", "updated", "merged", "unchanged", "skipped",
                                      "interactions"))


def count(db: Database, model: Any) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def anna(**overrides: Any) -> ContactRecord:
    fields: dict[str, Any] = {"name": "Anna Petrova", "source_key": "uid-anna",
                              "emails": ["Anna@Example.com"], "phones": ["+49 30 1234567"],
                              "organization": "Acme", "title": "Lead", "tags": ["Mentor"],
                              "where": "fake.txt, line 1"}
    return ContactRecord(**{**fields, **overrides})


# --- contacts ------------------------------------------------------------------------------


def test_create_then_nothing_changes_the_second_time(db: Database, owner_id: int) -> None:
    records: list[Record] = [anna(), ContactRecord(name="Ivan Petrov", emails=["ivan@x.ru"],
                                                   where="fake.txt, line 2")]
    assert counts(run(db, owner_id, records)) == (2, 0, 0, 0, 0, 0)
    with db.reading() as s:
        view = contacts.to_dict(contacts.resolve(s, owner_id=owner_id, ref="anna@example.com"))
    assert (view["emails"], view["phones"]) == (["anna@example.com"], ["+49301234567"])
    assert (view["organization"], view["title"], view["tags"]) == ("Acme", "Lead", ["mentor"])
    audit_rows = count(db, AuditEntry)
    assert counts(run(db, owner_id, records)) == (0, 0, 0, 2, 0, 0)
    assert count(db, Contact) == 2
    assert count(db, AuditEntry) == audit_rows
    assert count(db, ImportRun) == 2


def test_new_facts_update_a_known_contact(db: Database, owner_id: int) -> None:
    run(db, owner_id, [anna()])
    summary = run(db, owner_id, [anna(emails=["anna@example.com", "anna@acme.io"],
                                      birthday=date(1990, 4, 1), notes="Plays chess.")])
    assert counts(summary) == (0, 1, 0, 0, 0, 0)
    with db.reading() as s:
        found = contacts.resolve(s, owner_id=owner_id, ref="anna@acme.io")
        assert found.birthday == date(1990, 4, 1) and found.personal_notes == "Plays chess."


def test_existing_contact_is_merged_never_overwritten(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        factories.contact(s, owner_id, "Anna P.", emails=["anna@example.com"],
                          personal_notes="Mine.")
    summary = run(db, owner_id, [anna(notes="From the address book.")])
    assert counts(summary) == (0, 0, 1, 0, 0, 0)
    with db.reading() as s:
        found = contacts.resolve(s, owner_id=owner_id, ref="anna@example.com")
        assert found.display_name == "Anna P." and found.personal_notes == "Mine."
        assert [p.phone for p in found.phones] == ["+49301234567"]
        assert [(x.source, x.key) for x in found.sources] == [("fake", "uid-anna")]
    assert counts(run(db, owner_id, [anna()])) == (0, 0, 0, 1, 0, 0)


def test_uncertain_match_is_reported_and_not_merged(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        known = factories.contact(s, owner_id, "Anna Petrova", emails=["anna@work.com"])
    summary = run(db, owner_id, [anna(emails=["anna@home.com"], phones=[])])
    assert counts(summary) == (1, 0, 0, 0, 0, 0)
    (entry,) = summary["uncertain"]
    assert entry["name"] == "Anna Petrova" and entry["contact_id"] != known.id
    assert entry["candidates"] == [{"id": known.id, "name": "Anna Petrova", "score": 90.0,
                                    "evidence": ["same name 'Anna Petrova'",
                                                 "different email addresses"]}]
    assert count(db, Contact) == 2


def test_bad_values_are_noted_and_the_contact_kept(db: Database, owner_id: int) -> None:
    summary = run(db, owner_id, [anna(emails=["not-an-address", "anna@example.com"],
                                      phones=["§"], dropped=["birthday 'x' is not a date"])])
    assert counts(summary) == (1, 0, 0, 0, 0, 0)
    assert [n["reason"] for n in summary["notes"]] == [
        "birthday 'x' is not a date", "email 'not-an-address' is not an address; left out",
        "phone '§' is not a phone number; left out"]


def test_skipped_records_are_listed(db: Database, owner_id: int) -> None:
    summary = run(db, owner_id, [SkippedRecord("fake.txt, line 3", "unreadable card"), anna(),
                                 ContactRecord(name="  ", where="fake.txt, line 9")])
    assert counts(summary) == (1, 0, 0, 0, 2, 0)
    assert summary["skipped_records"] == [
        {"where": "fake.txt, line 3", "reason": "unreadable card"},
        {"where": "fake.txt, line 9", "reason": "no name"}]


def test_strict_rejects_bad_records_but_not_rules(db: Database, owner_id: int) -> None:
    with pytest.raises(ImportRejected, match=r"fake.txt, line 3: unreadable card .*--strict"):
        run(db, owner_id, [anna(), SkippedRecord("fake.txt, line 3", "unreadable card")],
            strict=True)
    with pytest.raises(ImportRejected, match="phone '12' is not a phone number"):
        run(db, owner_id, [anna(phones=["12"])], strict=True)
    assert count(db, Contact) == 0
    summary = run(db, owner_id, [anna(), SkippedRecord("fake.txt, line 3", "declined",
                                                       by_rule=True)], strict=True)
    assert counts(summary) == (1, 0, 0, 0, 1, 0)


def test_my_own_card_is_not_a_contact(db: Database, owner_id: int) -> None:
    summary = run(db, owner_id, [anna(emails=["ME@example.com"])])
    assert counts(summary) == (0, 0, 0, 0, 1, 0)


def test_dry_run_writes_nothing(db: Database, owner_id: int) -> None:
    summary = run(db, owner_id, [anna(), anna(source_key="other", name="Ivan Petrov",
                                              emails=["ivan@x.ru"], phones=[])], dry_run=True)
    assert summary["dry_run"] is True
    assert counts(summary) == (2, 0, 0, 0, 0, 0)
    assert (count(db, Contact), count(db, ImportRun), count(db, AuditEntry)) == (0, 0, 0)


def test_a_rejected_file_leaves_the_database_as_it_was(db: Database, owner_id: int) -> None:
    with pytest.raises(ImportRejected, match="broken at the end"):
        run(db, owner_id, [anna()], options={"then": ImportRejected("broken at the end")})
    with pytest.raises(ImportRejected, match=r"fake.txt: cannot be read after fake.txt, line 1 "
                                             r"\(ValueError: boom\)"):
        run(db, owner_id, [anna()], options={"then": ValueError("boom")})
    assert (count(db, Contact), count(db, ImportRun)) == (0, 0)


def test_deleted_contacts_stay_deleted(db: Database, owner_id: int) -> None:
    run(db, owner_id, [anna()])
    with db.transaction() as s:
        found = contacts.resolve(s, owner_id=owner_id, ref="anna@example.com")
        contacts.delete_contact(s, owner_id=owner_id, contact_id=found.id)
    summary = run(db, owner_id, [anna()])
    assert counts(summary) == (0, 0, 0, 0, 1, 0)
    assert summary["skipped_records"][0]["reason"] == (
        "'Anna Petrova' was deleted here; not imported again")
    chat = InteractionRecord(source_key="c1", occurred_at=factories.at("2025-02-01 10:00"),
                             format="chat", participants=[PersonRef(name="Anna",
                                                                    source_key="uid-anna")])
    assert counts(run(db, owner_id, [chat])) == (0, 0, 0, 0, 1, 0)  # no one else was there


def test_many_records_resolve_across_batches(db: Database, owner_id: int) -> None:
    records: list[Record] = [ContactRecord(name=f"Person {i}", emails=[f"p{i}@x.org"],
                                           where=f"fake.txt, line {i}")
                             for i in range(importing.BATCH * 2 + 10)]
    # The last one is the first person again, by email, under a name that is not theirs.
    records.append(ContactRecord(name="P. Zero", emails=["p0@x.org"], source_key="k",
                                 where="fake.txt, line 9999"))
    summary = run(db, owner_id, records)
    assert counts(summary) == (importing.BATCH * 2 + 10, 0, 1, 0, 0, 0)
    with db.reading() as s:
        person = contacts.resolve(s, owner_id=owner_id, ref="p0@x.org")
        assert sorted((x.source, x.key) for x in person.sources) == [
            ("fake", "k"), ("fake", "~0 person|p0@x.org")]  # name words sorted
        hits = contacts.search_contacts(s, owner_id=owner_id, query="Person 1000")
        assert hits[0].display_name == "Person 1000"


# --- roles ------------------------------------------------------------------------------------


def connections(tmp_path: Path, company: str, title: str) -> Path:
    path = tmp_path / f"Connections_{company}.csv"
    path.write_text("Notes:\n\"Some emails are missing.\"\n\nFirst Name,Last Name,URL,"
                    "Email Address,Company,Position,Connected On\n"
                    f"Alice,Johnson,https://www.linkedin.com/in/alicejohnson,,{company},"
                    f"{title},15 Jan 2023\n", encoding="utf-8")
    return path


def test_newer_linkedin_export_records_a_role_change(db: Database, owner_id: int,
                                                     tmp_path: Path) -> None:
    def linkedin(path: Path) -> importing.ImportSummary:
        with db.transaction() as s:
            return importing.run(s, owner_id=owner_id, kind="linkedin", path=path, now=NOW)

    first = linkedin(connections(tmp_path, "TechCorp", "CTO"))
    assert (first.created, first.role_changes) == (1, 0)
    newer = connections(tmp_path, "Initech", "VP Engineering")
    changed = linkedin(newer)
    assert (changed.updated, changed.role_changes) == (1, 1)
    again = linkedin(newer)
    assert (again.updated, again.unchanged, again.role_changes) == (0, 1, 0)
    with db.reading() as s:
        alice = contacts.resolve(s, owner_id=owner_id, ref="Alice Johnson")
        history = sorted(alice.roles, key=lambda r: r.id)
        assert alice.how_met == "LinkedIn" and alice.met_on == date(2023, 1, 15)
    assert [(r.organization, r.title, r.started, r.ended, r.is_change, r.source)
            for r in history] == [
        ("TechCorp", "CTO", None, date(2025, 2, 28), False, "linkedin"),
        ("Initech", "VP Engineering", date(2025, 3, 1), None, True, "linkedin")]


def test_a_role_typed_by_hand_is_not_overridden(db: Database, owner_id: int,
                                                tmp_path: Path) -> None:
    with db.transaction() as s:
        alice = factories.contact(s, owner_id, "Alice Johnson")
        roles.change(s, owner_id=owner_id, contact_id=alice.id,
                     new=roles.RoleChange(organization="Own Startup", title="Founder"),
                     today=date(2025, 1, 1))
    with db.transaction() as s:
        summary = importing.run(s, owner_id=owner_id, kind="linkedin", now=NOW,
                                path=connections(tmp_path, "TechCorp", "CTO"))
    assert (summary.merged, summary.role_changes) == (1, 0)
    with db.reading() as s:
        (role,) = s.scalars(select(Role)).all()
        assert (role.organization, role.ended) == ("Own Startup", None)


# --- interactions -------------------------------------------------------------------------


def message(key: str, when: str, sender: str, reply_to: str | None = None,
            **overrides: Any) -> InteractionRecord:
    fields: dict[str, Any] = {
        "source_key": key, "occurred_at": factories.at(when), "format": "email",
        "participants": [PersonRef(name="Anna Petrova", email="anna@example.com"),
                         PersonRef(name="Me", email="me@example.com")],
        "initiated_by": "me" if sender == "me" else "them", "thread_key": "t1",
        "in_reply_to_key": reply_to, "topics": ["roadmap"], "where": f"fake.txt, {key}"}
    return InteractionRecord(**{**fields, **overrides})


def test_interactions_link_replies_even_out_of_order(db: Database, owner_id: int) -> None:
    records: list[Record] = [
        message("m3", "2025-01-03 09:00", "them", reply_to="m2"),
        message("m1", "2025-01-01 09:00", "them"),
        message("m2", "2025-01-02 09:00", "me", reply_to="m1"),
        message("m2", "2025-01-02 09:00", "me", reply_to="m1"),  # the same message twice
    ]
    summary = run(db, owner_id, records)
    assert counts(summary) == (1, 0, 0, 1, 0, 3)
    with db.reading() as s:
        rows = {i.source_key: i for i in s.scalars(select(Interaction))}
        assert rows["m2"].reply_to_id == rows["m1"].id
        assert rows["m3"].reply_to_id == rows["m2"].id
        assert rows["m1"].reply_to_id is None
        assert [p.display_name for p in rows["m1"].participants] == ["Anna Petrova"]
        assert rows["m2"].initiated_by == "me" and rows["m1"].attendee_count == 1
        person = contacts.resolve(s, owner_id=owner_id, ref="anna@example.com")
        assert person.last_contact_at == factories.at("2025-01-03 09:00")
        assert contacts.search_contacts(s, owner_id=owner_id, query="roadmap")[0].id == person.id
    assert counts(run(db, owner_id, records)) == (0, 0, 0, 4, 0, 0)


def test_participants_are_found_by_name_and_topic(db: Database, owner_id: int) -> None:
    """A participant's search document is written once, at the end: with the topics of its
    interactions, and with its name when they have none."""
    boris = PersonRef(name="Boris Sokolov", email="boris@example.com")
    run(db, owner_id, [message("m1", "2025-01-01 09:00", "them"),
                       message("m2", "2025-01-02 09:00", "them", topics=[],
                               participants=[boris])])
    with db.reading() as s:
        anna = contacts.resolve(s, owner_id=owner_id, ref="anna@example.com")
        found = contacts.resolve(s, owner_id=owner_id, ref="boris@example.com")
        assert [c.id for c in contacts.search_contacts(s, owner_id=owner_id,
                                                        query="roadmap")] == [anna.id]
        assert [c.id for c in contacts.search_contacts(s, owner_id=owner_id,
                                                        query="Sokolov")] == [found.id]
        assert [c.id for c in contacts.search_contacts(s, owner_id=owner_id,
                                                        query="Petrova")] == [anna.id]


def test_a_reply_to_an_earlier_import_is_linked(db: Database, owner_id: int) -> None:
    run(db, owner_id, [message("m1", "2025-01-01 09:00", "them")])
    run(db, owner_id, [message("m2", "2025-01-02 09:00", "me", reply_to="m1")])
    with db.reading() as s:
        rows = {i.source_key: i for i in s.scalars(select(Interaction))}
        assert rows["m2"].reply_to_id == rows["m1"].id


def test_participants_are_found_by_name_and_key(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        known = factories.contact(s, owner_id, "Иван Петров")
    chat = InteractionRecord(source_key="c1", occurred_at=factories.at("2025-02-01 10:00"),
                             format="chat", participants=[PersonRef(name="Ivan Petrov",
                                                                    source_key="U123")])
    summary = run(db, owner_id, [chat])
    assert counts(summary) == (0, 0, 1, 0, 0, 1)
    with db.reading() as s:
        assert s.scalar(select(ContactSource.contact_id).where(
            ContactSource.key == "U123")) == known.id
    again = InteractionRecord(source_key="c2", occurred_at=factories.at("2025-02-02 10:00"),
                              format="chat", participants=[PersonRef(name="Vanya",
                                                                     source_key="U123")])
    assert counts(run(db, owner_id, [again])) == (0, 0, 0, 0, 0, 1)


@pytest.mark.parametrize("record,reason", [
    (message("x", "2025-01-01", "them", format="telepathy"), "unknown format 'telepathy'"),
    (message("x", "2025-01-01", "them",
             participants=[PersonRef(email="me@example.com")]), "no participants besides you"),
    (message("x", "2025-01-01", "them", occurred_at=datetime(2025, 1, 1)),
     "a time without a time zone"),
])
def test_bad_interactions_are_skipped(db: Database, owner_id: int, record: Record,
                                      reason: str) -> None:
    summary = run(db, owner_id, [record])
    assert summary["skipped"] == 1 and summary["skipped_records"][0]["reason"].startswith(reason)
    assert count(db, Interaction) == 0


def test_corpus_linkedin_export_end_to_end(db: Database, owner_id: int, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("Connections.csv", "Messages.csv"):
        (folder / name).write_bytes((CORPUS / "csv" / "linkedin" / name).read_bytes())
    with db.transaction() as s:
        summary = importing.run(s, owner_id=owner_id, kind="linkedin", path=folder, now=NOW)
    assert (summary.created, summary.interactions, summary.skipped) == (10, 11, 0)
    with db.reading() as s:
        alice = contacts.resolve(s, owner_id=owner_id, ref="Alice Johnson")
        assert alice.last_contact_at == datetime(2024, 5, 20, 14, 30, tzinfo=UTC)
        replies = s.scalar(select(func.count()).select_from(Interaction).where(
            Interaction.reply_to_id.is_not(None)))
    assert replies == 7  # every message that follows the other side's, in 4 conversations


def test_text_a_database_refuses_is_made_storable(db: Database, owner_id: int) -> None:
    """Readers that decode bad bytes with surrogateescape hand over lone surrogates."""
    record = InteractionRecord(
        source_key="<\udcff\udcfeid@example.com>", occurred_at=factories.at("2025-01-01"),
        format="email", summary="Re: \x00plan", where="bad\udcffname.mbox, message 1",
        participants=[PersonRef(name="Bj\udcf6rn", email="bjorn@example.com")])
    skipped = SkippedRecord("bad\udcffname.mbox, message 2", "no Date (\udcff)")
    assert counts(run(db, owner_id, [record, skipped])) == (1, 0, 0, 0, 1, 1)
    with db.reading() as s:
        row = s.scalars(select(Interaction)).one()
        assert row.source_key == "<\ufffd\ufffdid@example.com>"
        assert row.summary == "Re: plan"
        assert row.participants[0].display_name == "Bj\ufffdrn"
    assert counts(run(db, owner_id, [record])) == (0, 0, 0, 1, 0, 0)
