"""Resources: adding, sharing (with the value given), and matching them to interests."""

from __future__ import annotations

import pytest

from tiekeep.core.db import Database
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, resources, values


def add(db: Database, owner_id: int, **fields: object) -> int:
    with db.transaction() as s:
        return resources.create(s, owner_id=owner_id,
                                data=resources.ResourceCreate(**fields)).id  # type: ignore[arg-type]


def test_create_cleans_topics_and_checks_the_url(db: Database, owner_id: int) -> None:
    rid = add(db, owner_id, url=" https://example.com/guide ", title="  Hiring   guide ",
              topics=["Hiring", "hiring ", " AI  strategy", ""])
    with db.reading() as s:
        row = resources.get(s, owner_id=owner_id, resource_id=rid)
        assert (row.url, row.title, row.topics) == ("https://example.com/guide", "Hiring guide",
                                                    ["Hiring", "AI strategy"])
        assert resources.to_dict(row)["shared_with"] == []
    assert add(db, owner_id, url="https://example.com/x") > rid  # the title defaults to the URL
    for bad in ("example.com/guide", "ftp://example.com/f", "https://", "javascript:alert(1)"):
        with pytest.raises(InvalidInput, match="malformed URL"):
            add(db, owner_id, url=bad)
    with pytest.raises(InvalidInput, match="needs a URL or a title"):
        add(db, owner_id, url=None, title=" ")


def test_share_records_information_given_once_per_contact(db: Database, owner_id: int) -> None:
    rid = add(db, owner_id, url=None, title="Q3 memo", topics=["Q3 roadmap"])
    with db.transaction() as s:
        anna = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(name="Anna"))
        ivan = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(name="Ivan"))
        first = resources.share(s, owner_id=owner_id, resource_id=rid, contact_ids=[anna.id])
        assert [c.id for c in first.shared] == [anna.id]
    with db.transaction() as s:
        again = resources.share(s, owner_id=owner_id, resource_id=rid,
                                contact_ids=[anna.id, ivan.id, ivan.id])
        assert ([c.id for c in again.shared], [c.id for c in again.already]) == (
            [ivan.id], [anna.id])
    with db.reading() as s:
        ledger = values.list(s, owner_id=owner_id)
        assert sorted((v.contact_id, v.direction, v.kind, v.description) for v in ledger) == [
            (anna.id, "given", "information", "Shared: Q3 memo"),
            (ivan.id, "given", "information", "Shared: Q3 memo")]
        shared = resources.shared_with(s, resource_ids=[rid])[rid]
        assert [p["name"] for p in shared] == ["Anna", "Ivan"]
    with db.transaction() as s, pytest.raises(NotFound):
        resources.share(s, owner_id=owner_id, resource_id=rid + 100, contact_ids=[anna.id])


def test_matches_and_interested_compare_topics_case_insensitively(db: Database,
                                                                  owner_id: int) -> None:
    with db.transaction() as s:
        tia = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name="Tia", interests=["hiring", "Design Systems"]))
        bo = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name="Bo", interests=["pricing"]))
        cy = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name="Cy", interests=["HIRING"]))
        contacts.archive(s, owner_id=owner_id, contact_id=cy.id)
    guide = add(db, owner_id, url=None, title="Hiring guide", topics=["Hiring"])
    system = add(db, owner_id, url=None, title="Tokens", topics=["design systems", "css"])
    add(db, owner_id, url=None, title="Unrelated", topics=["gardening"])
    with db.reading() as s:
        found = resources.matches(s, owner_id=owner_id, contact_ids=[tia.id, bo.id])
        assert {cid: [r.id for r in rows] for cid, rows in found.items()} == {
            tia.id: [system, guide]}  # newest first
        assert [c.display_name for c in resources.interested(
            s, owner_id=owner_id, resource_id=guide)] == ["Tia"]  # Cy is archived
    with db.transaction() as s:
        resources.share(s, owner_id=owner_id, resource_id=guide, contact_ids=[tia.id])
    with db.reading() as s:
        found = resources.matches(s, owner_id=owner_id, contact_ids=[tia.id])
        assert [r.id for r in found[tia.id]] == [system]
        assert resources.interested(s, owner_id=owner_id, resource_id=guide) == []
