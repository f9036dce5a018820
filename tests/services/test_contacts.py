"""Contacts: creation and validation, references, search, updates, merge, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tiekeep.core.db import Database
from tiekeep.core.models import AuditEntry, Contact, FollowUp, Role, ValueExchange
from tiekeep.errors import Ambiguous, Conflict, InvalidInput, NotFound
from tiekeep.services import contacts, users


def test_create_normalizes_email_phone_and_role(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        c = factories.contact(s, owner_id, "  Anna   Petrova ", emails=["Anna@Example.COM"],
                              phones=["+49 30 1234567"], organization="Acme",
                              department="Sales", title="Lead", tags=["Mentor", "mentor"])
        view = contacts.to_dict(c)
    assert view["name"] == "Anna Petrova"
    assert view["emails"] == ["anna@example.com"]
    assert view["phones"] == ["+49301234567"]
    assert (view["organization"], view["department"], view["title"]) == ("Acme", "Sales", "Lead")
    assert view["tags"] == ["mentor"]
    assert view["last_contact"] is None


@pytest.mark.parametrize("field,value,message", [
    ("emails", ["not-an-email"], "malformed email"),
    ("phones", ["12"], "malformed phone"),
    ("tier", "vip", "unknown tier"),
    ("horizon", "forever", "unknown horizon"),
    ("cadence_days", 0, "cadence"),
    ("trust", 9, "trust"),
])
def test_bad_input_writes_nothing(db: Database, owner_id: int, field: str, value: object,
                                  message: str) -> None:
    with pytest.raises(InvalidInput, match=message), db.transaction() as s:
        factories.contact(s, owner_id, "Bad Input", **{field: value})
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


def test_resolve_by_id_email_name_prefix_and_typo(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna Petrova", emails=["anna@x.org"])
        ivan = factories.contact(s, owner_id, "Иван Петров")
        factories.contact(s, owner_id, "Boris Smirnov")
    with db.reading() as s:
        assert contacts.resolve(s, owner_id=owner_id, ref=str(anna.id)).id == anna.id
        assert contacts.resolve(s, owner_id=owner_id, ref="ANNA@x.org").id == anna.id
        assert contacts.resolve(s, owner_id=owner_id, ref="anna petrova").id == anna.id
        assert contacts.resolve(s, owner_id=owner_id, ref="Ann").id == anna.id
        assert contacts.resolve(s, owner_id=owner_id, ref="Ivan Petrov").id == ivan.id
        assert contacts.resolve(s, owner_id=owner_id, ref="Иван").id == ivan.id
        assert contacts.resolve(s, owner_id=owner_id, ref="Anna Petrovva").id == anna.id
        with pytest.raises(NotFound):
            contacts.resolve(s, owner_id=owner_id, ref="Zachary Quinto")
        with pytest.raises(NotFound):
            contacts.resolve(s, owner_id=owner_id, ref="nobody@x.org")


def test_ambiguous_reference_lists_candidates(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        factories.contact(s, owner_id, "Anna Petrova", organization="Acme")
        factories.contact(s, owner_id, "Anna Smith")
    with db.reading() as s, pytest.raises(Ambiguous) as error:
        contacts.resolve(s, owner_id=owner_id, ref="Anna")
    assert "Anna Petrova (Acme)" in error.value.message
    assert "Anna Smith" in error.value.message


def test_other_users_contacts_are_invisible(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        bob = users.create(s, username="bob")
        theirs = factories.contact(s, bob.id, "Anna Petrova", emails=["anna@x.org"])
    with db.reading() as s:
        with pytest.raises(NotFound):
            contacts.get(s, owner_id=owner_id, contact_id=theirs.id)
        with pytest.raises(NotFound):
            contacts.resolve(s, owner_id=owner_id, ref="Anna Petrova")
        assert contacts.search_contacts(s, owner_id=owner_id, query="Anna") == []


def test_search_fields_scripts_and_typos(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        ivan = factories.contact(s, owner_id, "Иван Петров", organization="Globex",
                                 title="CTO")
        anna = factories.contact(s, owner_id, "Anna Smith", personal_notes="loves climbing")
        factories.interaction(s, owner_id, [anna], "2026-01-10", topics=["Q3 roadmap"])

    def names(query: str) -> list[str]:
        with db.reading() as s:
            return [c.display_name for c in contacts.search_contacts(s, owner_id=owner_id,
                                                                     query=query)]

    assert names("Ivan Petrov") == ["Иван Петров"]
    assert names("Petrof") == ["Иван Петров"]
    assert names("петров") == ["Иван Петров"]
    assert names("globex") == ["Иван Петров"]
    assert names("climbing") == ["Anna Smith"]
    assert names("roadmap") == ["Anna Smith"]
    assert ivan.id != anna.id


def test_update_records_audit_and_checks_version(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        c = factories.contact(s, owner_id, "Anna Petrova")
        version = c.version_id
    with db.transaction() as s:
        contacts.update(s, owner_id=owner_id, contact_id=c.id, actor="alice",
                        changes=contacts.ContactUpdate(tier="key", add_tags=["vip"], trust=4,
                                                       expected_version=version))
    with db.reading() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.contact_id == c.id,
                                                     AuditEntry.action == "update")).all()
        assert entries[0].changes["tier"] == ["regular", "key"]
        assert entries[0].changes["tags"] == [[], ["vip"]]
        assert entries[0].actor == "alice"
    with pytest.raises(Conflict), db.transaction() as s:
        contacts.update(s, owner_id=owner_id, contact_id=c.id,
                        changes=contacts.ContactUpdate(tier="regular", expected_version=version))


def test_merge_keeps_all_history(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        keep = factories.contact(s, owner_id, "Anna Petrova", emails=["anna@x.org"],
                                 organization="Acme")
        dup = factories.contact(s, owner_id, "Анна Петрова", emails=["anna@home.org"],
                                phones=["+4930123456"], organization="Globex",
                                birthday=factories.at("1990-05-01").date())
        other = factories.contact(s, owner_id, "Boris")
        factories.interaction(s, owner_id, [keep], "2026-01-01")
        factories.interaction(s, owner_id, [dup, other], "2026-02-01",
                              gave=[("social", "intro")], next_steps=[("send deck", None)])
        factories.interaction(s, owner_id, [keep, dup], "2026-03-01")
        contacts.link(s, owner_id=owner_id, a_id=dup.id, b_id=other.id)
    with db.transaction() as s:
        merged = contacts.merge(s, owner_id=owner_id, keep_id=keep.id, other_id=dup.id)
        view = contacts.to_dict(merged)
        aliases = list(merged.aliases)
        birthday = merged.birthday
    assert view["emails"] == ["anna@x.org", "anna@home.org"]
    assert view["phones"] == ["+4930123456"]
    assert aliases == ["Анна Петрова"]
    assert birthday is not None and birthday.isoformat() == "1990-05-01"
    assert view["last_contact"].startswith("2026-03-01")
    with db.reading() as s:
        assert s.get(Contact, dup.id) is None
        from tiekeep.services import interactions, profile
        assert interactions.count_for_contact(s, contact_id=keep.id) == 3
        assert s.scalar(select(func.count()).select_from(Role)
                        .where(Role.contact_id == keep.id)) == 2
        assert s.scalar(select(func.count()).select_from(ValueExchange)
                        .where(ValueExchange.contact_id == keep.id)) == 1
        assert s.scalar(select(func.count()).select_from(FollowUp)
                        .where(FollowUp.contact_id == keep.id)) == 1
        links = profile.detail(s, owner_id=owner_id, contact_id=keep.id)["links"]
        assert [(link["name"], link["kind"]) for link in links] == [("Boris", "knows")]
        assert contacts.resolve(s, owner_id=owner_id, ref="Анна Петрова").id == keep.id


def test_list_by_strength_pages_strongest_first(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        factories.contact(s, owner_id, "Anna")  # nothing logged: trust alone, 7.5
        boris = factories.contact(s, owner_id, "Boris")
        clara = factories.contact(s, owner_id, "Clara")
        factories.contact(s, owner_id, "Dmitri", trust=4)  # nothing logged: 11.25
        factories.contact(s, owner_id, "Anton")  # ties with Anna, placed by name
        for day in ("2026-05-01", "2026-05-20"):
            factories.interaction(s, owner_id, [boris], day)
        factories.interaction(s, owner_id, [clara], "2026-05-01")
    # Boris 21.8 (frequency 10.6, one format 3.75, trust 7.5), Clara 16.0 (4.7 + 3.75 + 7.5)

    def names(**page: int) -> list[str]:
        with db.reading() as s:
            return [c.display_name for c in contacts.list(
                s, owner_id=owner_id, sort="strength", now=factories.at("2026-06-01"),
                **page)]

    assert names() == ["Boris", "Clara", "Dmitri", "Anna", "Anton"]
    assert names(limit=2) == ["Boris", "Clara"]
    assert names(offset=2, limit=2) == ["Dmitri", "Anna"]
    assert names(offset=4) == ["Anton"]


def test_archive_delete_and_restore(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        c = factories.contact(s, owner_id, "Anna Petrova")
        factories.contact(s, owner_id, "Boris")
    with db.transaction() as s:
        contacts.archive(s, owner_id=owner_id, contact_id=c.id)
    with db.reading() as s:
        assert [x.display_name for x in contacts.list(s, owner_id=owner_id)] == ["Boris"]
        assert len(contacts.list(s, owner_id=owner_id, include_archived=True)) == 2
    with db.transaction() as s:
        contacts.delete_contact(s, owner_id=owner_id, contact_id=c.id)
    with db.reading() as s, pytest.raises(NotFound):
        contacts.get(s, owner_id=owner_id, contact_id=c.id)
    with db.transaction() as s:
        contacts.undelete(s, owner_id=owner_id, contact_id=c.id)
    with db.reading() as s:
        assert contacts.get(s, owner_id=owner_id, contact_id=c.id).display_name == "Anna Petrova"


def test_list_filters_and_sorts(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        a = factories.contact(s, owner_id, "Anna", tier="key", tags=["mentor"],
                              organization="Acme", department="Sales")
        b = factories.contact(s, owner_id, "Boris", organization="Globex")
        factories.interaction(s, owner_id, [b], "2026-05-01")
        factories.interaction(s, owner_id, [a], "2026-04-01")

    def names(**filters: object) -> list[str]:
        with db.reading() as s:
            return [c.display_name for c in contacts.list(s, owner_id=owner_id, **filters)]

    assert names() == ["Anna", "Boris"]
    assert names(tier="key") == ["Anna"]
    assert names(tag="MENTOR") == ["Anna"]
    assert names(organization="globex") == ["Boris"]
    assert names(department="Sales") == ["Anna"]
    assert names(sort="last-contact") == ["Boris", "Anna"]
    with pytest.raises(InvalidInput, match="unknown sort"):
        names(sort="age")
