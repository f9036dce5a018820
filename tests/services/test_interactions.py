"""Logging interactions, roles and what they change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tiekeep.core.db import Database
from tiekeep.core.models import FollowUp, Interaction, ValueExchange
from tiekeep.errors import InvalidInput
from tiekeep.services import contacts, interactions, roles, values


def test_log_with_participants_values_and_next_steps(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna")
        boris = factories.contact(s, owner_id, "Boris")
        logged = factories.interaction(
            s, owner_id, [anna, boris], "2026-03-02 12:30", format="lunch",
            initiated_by="me", topics=["Q3 roadmap", "Q3 roadmap", " hiring "], depth=4,
            gave=[("information", "sent the deck")], received=[("social", "intro to Ivan")],
            next_steps=[("send notes", date(2026, 3, 9))])
        view = interactions.to_dict(logged)
    assert view["format"] == "lunch"
    assert view["topics"] == ["Q3 roadmap", "hiring"]
    assert [p["name"] for p in view["participants"]] == ["Anna", "Boris"]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ValueExchange)) == 4
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 2
        balance = values.balance(s, owner_id=owner_id, contact_id=anna.id)
        assert (balance["given"], balance["received"], balance["balance"]) == (1, 1, 0)
        assert balance["by_kind"]["information"] == {"given": 1, "received": 0, "balance": 1}
        fresh = contacts.get(s, owner_id=owner_id, contact_id=anna.id)
        assert fresh.last_contact_at == factories.at("2026-03-02 12:30")
        assert fresh.last_qualifying_at == factories.at("2026-03-02 12:30")


def test_large_meeting_does_not_reset_cadence(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna")
        factories.interaction(s, owner_id, [anna], "2026-01-05", format="coffee")
        factories.interaction(s, owner_id, [anna], "2026-02-01", format="corporate_event",
                              attendee_count=40)
        factories.interaction(s, owner_id, [anna], "2026-02-03", format="social_post")
    with db.reading() as s:
        fresh = contacts.get(s, owner_id=owner_id, contact_id=anna.id)
        assert fresh.last_contact_at == factories.at("2026-02-03")
        assert fresh.last_qualifying_at == factories.at("2026-01-05")
    with db.transaction() as s:
        interactions.refresh_last_contact(s, owner_id=owner_id, contact_ids=[anna.id])
    with db.reading() as s:
        fresh = contacts.get(s, owner_id=owner_id, contact_id=anna.id)
        assert fresh.last_qualifying_at == factories.at("2026-01-05")
        assert fresh.last_contact_at == factories.at("2026-02-03")


def test_failed_log_leaves_nothing(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna")
    with pytest.raises(InvalidInput, match="unknown format"), db.transaction() as s:
        factories.interaction(s, owner_id, [anna], "2026-01-05", format="telepathy",
                              gave=[("social", "x")])
    with pytest.raises(InvalidInput, match="depth"), db.transaction() as s:
        factories.interaction(s, owner_id, [anna], "2026-01-05", depth=7)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Interaction)) == 0
        assert contacts.get(s, owner_id=owner_id, contact_id=anna.id).last_contact_at is None


def test_parse_value_spec() -> None:
    assert interactions.parse_value("Social: intro to Ivan") == ("social", "intro to Ivan")
    with pytest.raises(InvalidInput, match="KIND:TEXT"):
        interactions.parse_value("social")
    with pytest.raises(InvalidInput, match="unknown value kind"):
        interactions.parse_value("money:lots")


def test_role_change_closes_the_previous_role(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna", organization="Acme", title="Engineer")
        anna.roles[0].started = date(2024, 1, 1)
    with db.transaction() as s:
        new = roles.change(s, owner_id=owner_id, contact_id=anna.id,
                           new=roles.RoleChange(title="Head of Data", since=date(2026, 3, 1)))
        assert new.is_change
    with db.reading() as s:
        view = contacts.to_dict(contacts.get(s, owner_id=owner_id, contact_id=anna.id))
        history = sorted(contacts.get(s, owner_id=owner_id, contact_id=anna.id).roles,
                         key=lambda r: r.started)
    assert (view["title"], view["organization"]) == ("Head of Data", "Acme")
    assert history[0].ended == date(2026, 2, 28)
    assert history[1].ended is None and history[1].started == date(2026, 3, 1)
    with db.transaction() as s:
        same = roles.change(s, owner_id=owner_id, contact_id=anna.id,
                            new=roles.RoleChange(title="Head of Data"))
        assert same.id == history[1].id
