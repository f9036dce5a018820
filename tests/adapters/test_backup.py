"""The JSON backup: export, restore into an empty database, export again, same bytes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import factories
from tiekeep.core.db import Database
from tiekeep.core.models import (
    Contact,
    ContactLink,
    Goal,
    Interaction,
    ReminderState,
    Resource,
    ResourceShare,
    Tag,
)
from tiekeep.core.schema import open_database
from tiekeep.errors import ImportRejected
from tiekeep.services import contacts, followups, importing, plans, roles, users, values


def build_account(db: Database, owner_id: int) -> None:
    """An account with a row in every table a backup carries, forward references included."""
    with db.transaction() as s:
        anna = factories.contact(
            s, owner_id, "Anna Petrova", emails=["anna@example.com"], phones=["+49301234567"],
            organization="Acme", department="Sales", title="Lead", tags=["mentor", "berlin"],
            birthday=date(1604, 3, 15), birthday_has_year=False, trust=4, cadence_days=21,
            interests=["chess"], personal_notes="Two kids.\nLikes jazz.", how_met="Conference",
            met_on=date(2019, 5, 2), urls=[("linkedin", "https://www.linkedin.com/in/anna")],
            aliases=["Anya"])
        anna.photo, anna.photo_type = bytes(range(256)), "image/png"
        ivan = factories.contact(s, owner_id, "Иван Петров", emails=["ivan@example.ru"],
                                 horizon="project", project_end=date(2025, 6, 30))
        gone = factories.contact(s, owner_id, "Deleted Person")
        s.add(Tag(owner_id=owner_id, name="unused"))
        s.flush()
        contacts.update(s, owner_id=owner_id, contact_id=anna.id,
                        changes=contacts.ContactUpdate(trust=5, introduced_by_id=ivan.id))
        contacts.delete_contact(s, owner_id=owner_id, contact_id=gone.id)
        roles.change(s, owner_id=owner_id, contact_id=anna.id,
                     new=roles.RoleChange(organization="Initech", title="CTO"),
                     today=date(2025, 2, 1))
        contacts.link(s, owner_id=owner_id, a_id=ivan.id, b_id=anna.id, kind="introduced")
        plans.add(s, owner_id=owner_id, contact_id=anna.id, kind="topic", text="Q3 roadmap")
        plans.set_next_meeting(s, owner_id=owner_id, contact_id=anna.id,
                               at=factories.at("2025-03-01 10:00"))
        first = factories.interaction(
            s, owner_id, [anna, ivan], "2025-01-10 12:00", format="lunch", topics=["roadmap"],
            summary="Lunch", depth=4, gave=[("information", "the deck")],
            next_steps=[("send notes", date(2025, 1, 17))])
        second = factories.interaction(s, owner_id, [anna], "2025-01-11 09:30", format="email",
                                       source="mail", source_key="<m2@example.com>",
                                       thread_key="<m1@example.com>", initiated_by="them")
        # A reply that points forward (as a mail import that met the answer first may leave).
        first.reply_to_id = second.id
        values.create(s, owner_id=owner_id, data=values.ValueCreate(
            contact_id=ivan.id, direction="received", kind="professional",
            description="referral", category="referral",
            occurred_at=factories.at("2025-01-12 08:00")))
        done = followups.create(s, owner_id=owner_id, contact_id=ivan.id, text="thank Ivan")
        followups.complete(s, owner_id=owner_id, followup_id=done.id)
        resource = Resource(owner_id=owner_id, title="Chess openings",
                            url="https://example.com/chess", topics=["chess"], notes="good")
        s.add(resource)
        s.flush()
        s.add(ResourceShare(resource_id=resource.id, contact_id=anna.id,
                            shared_at=factories.at("2025-01-13")))
        s.add(Goal(owner_id=owner_id, description="Key ties in cadence", metric="key_in_cadence",
                   target=0.9, scope={"department": "Sales"}))
        s.add(ReminderState(owner_id=owner_id, contact_id=ivan.id, kind="birthday",
                            key="2025", snoozed_until=date(2025, 4, 1)))


def export_bytes(db: Database, owner_id: int, path: Path) -> bytes:
    with db.reading() as s:
        importing.export(s, owner_id=owner_id, kind="json", path=path, options={})
    return path.read_bytes()


def test_round_trip_into_an_empty_database_is_exact(db: Database, owner_id: int,
                                                    tmp_path: Path) -> None:
    build_account(db, owner_id)
    first = export_bytes(db, owner_id, tmp_path / "first.json")
    document = json.loads(first)
    assert document["format"] == "tiekeep-backup"
    assert [len(document[k]) for k in ("contacts", "interactions", "values", "followups",
                                       "resources", "goals", "reminders", "links")] == [
        3, 2, 3, 3, 1, 1, 1, 1]  # the lunch's value and next step count once per person
    empty = open_database(str(tmp_path / "empty.db"))
    try:
        with empty.transaction() as s:
            target = users.create(s, username="restored").id
            summary = importing.run(s, owner_id=target, kind="json",
                                    path=tmp_path / "first.json")
        assert (summary.created, summary.interactions) == (3, 2)
        again = export_bytes(empty, target, tmp_path / "again.json")
        assert again == first
        with empty.reading() as s:
            anna = contacts.resolve(s, owner_id=target, ref="anna@example.com")
            assert anna.photo == bytes(range(256))
            assert anna.introduced_by is not None
            assert anna.introduced_by.display_name == "Иван Петров"
            assert contacts.resolve(s, owner_id=target, ref="Ivan Petrov").id != anna.id
            reply = s.scalar(select(Interaction).where(Interaction.summary == "Lunch"))
            assert reply is not None and reply.reply_to_id is not None
    finally:
        empty.dispose()


def test_round_trip_into_an_empty_account_of_the_same_database(
        db: Database, owner_id: int, tmp_path: Path) -> None:
    build_account(db, owner_id)
    first = export_bytes(db, owner_id, tmp_path / "first.json")
    with db.transaction() as s:
        other = users.create(s, username="twin").id
        importing.run(s, owner_id=other, kind="json", path=tmp_path / "first.json")
    assert export_bytes(db, other, tmp_path / "twin.json") == first


def test_restoring_the_same_backup_again_changes_nothing(db: Database, owner_id: int,
                                                         tmp_path: Path) -> None:
    build_account(db, owner_id)
    path = tmp_path / "backup.json"
    before = export_bytes(db, owner_id, path)
    with db.transaction() as s:
        summary = importing.run(s, owner_id=owner_id, kind="json", path=path)
    assert (summary.created, summary.unchanged) == (0, 3)
    assert export_bytes(db, owner_id, tmp_path / "after.json") == before


def test_restoring_into_an_account_with_other_data_is_refused(db: Database, owner_id: int,
                                                              tmp_path: Path) -> None:
    build_account(db, owner_id)
    path = tmp_path / "backup.json"
    export_bytes(db, owner_id, path)
    with db.transaction() as s:
        other = users.create(s, username="busy").id
        factories.contact(s, other, "Someone Else")
    with pytest.raises(ImportRejected, match="already holds other data"), \
            db.transaction() as s:
        importing.run(s, owner_id=other, kind="json", path=path)
    with db.reading() as s:
        assert s.scalar(select(func.count()).where(Contact.owner_id == other)) == 1


@pytest.mark.parametrize("cut,line", [(-3, None), (20, 1), (40, 2)])
def test_truncated_backup_is_rejected_and_nothing_written(
        db: Database, owner_id: int, tmp_path: Path, cut: int, line: int | None) -> None:
    build_account(db, owner_id)
    whole = export_bytes(db, owner_id, tmp_path / "whole.json")
    lines = whole.splitlines(keepends=True)
    broken = tmp_path / "truncated.json"
    broken.write_bytes(b"".join(lines[:cut]) if cut < 0 else whole[:cut])
    expected = len(lines[:cut]) + 1 if line is None else line
    with db.transaction() as s:
        target = users.create(s, username="fresh").id
    with pytest.raises(ImportRejected, match=rf"truncated.json: line {expected}: "), \
            db.transaction() as s:
        importing.run(s, owner_id=target, kind="json", path=broken)
    with db.reading() as s:
        assert s.scalar(select(func.count()).where(Contact.owner_id == target)) == 0
        assert s.scalar(select(func.count()).where(ContactLink.owner_id == target)) == 0


def test_a_malformed_item_names_its_line(db: Database, owner_id: int, tmp_path: Path) -> None:
    build_account(db, owner_id)
    whole = export_bytes(db, owner_id, tmp_path / "whole.json").decode()
    lines = whole.splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith('{"ref":2,'))
    lines[index] = lines[index].replace('"display_name"', '"displayname"')
    broken = tmp_path / "malformed.json"
    broken.write_text("\n".join(lines) + "\n")
    with db.transaction() as s:
        target = users.create(s, username="fresh").id
    with pytest.raises(ImportRejected, match=r"malformed.json: line \d+: a malformed item"), \
            db.transaction() as s:
        importing.run(s, owner_id=target, kind="json", path=broken)


def test_a_file_of_another_kind_is_rejected(db: Database, owner_id: int,
                                            tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_text("BEGIN:VCARD\nFN:Anna\nEND:VCARD\n")
    with pytest.raises(ImportRejected, match=r"contacts.vcf: line 1: not a tiekeep JSON backup"), \
            db.transaction() as s:
        importing.run(s, owner_id=owner_id, kind="json", path=path)


def test_an_empty_account_exports_a_valid_document(db: Database, owner_id: int,
                                                   tmp_path: Path) -> None:
    document = json.loads(export_bytes(db, owner_id, tmp_path / "empty.json"))
    assert document["contacts"] == [] and document["audit"] == []
