"""Goals: validation, calendar periods, scoped progress, removal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tiekeep.core.db import Database
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, goals, interactions

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)  # Q2 2026 started on April 1


def _add(db: Database, owner_id: int, **kw) -> int:
    with db.transaction() as s:
        return goals.create(s, owner_id=owner_id, data=goals.GoalCreate(**kw)).id


def test_period_starts() -> None:
    assert goals.period_start(NOW, "week") == datetime(2026, 5, 18, tzinfo=UTC)  # a Monday
    assert goals.period_start(NOW, "month") == datetime(2026, 5, 1, tzinfo=UTC)
    assert goals.period_start(NOW, "quarter") == datetime(2026, 4, 1, tzinfo=UTC)
    assert goals.period_start(NOW, "year") == datetime(2026, 1, 1, tzinfo=UTC)


def test_new_contacts_in_sales_per_quarter(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        for name, dept, met in (("Anna", "Sales", date(2026, 4, 3)),
                                ("Boris", "Sales", date(2026, 3, 30)),  # last quarter
                                ("Clara", "Engineering", date(2026, 5, 1))):
            contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
                name=name, department=dept, met_on=met))
    goal_id = _add(db, owner_id, description="2 new contacts in Sales per quarter",
                   metric="size.new_contacts", target=2, scope={"department": "sales"})
    with db.reading() as s:
        [row] = goals.progress(s, owner_id=owner_id, now=NOW)
    assert row["id"] == goal_id
    assert (row["value"], row["met"], row["progress_pct"]) == (1, False, 50.0)
    assert row["window"]["start"] == "2026-04-01T00:00:00+00:00"


def test_key_ties_within_cadence(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name="Anna", tier="key", met_on=date(2025, 1, 1))).id
        contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name="Boris", tier="key", met_on=date(2025, 1, 1)))
        interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
            participant_ids=[anna], occurred_at=datetime(2026, 5, 15, tzinfo=UTC)))
    _add(db, owner_id, description="key ties within cadence", metric="cadence_health.key",
         target=90)
    _add(db, owner_id, description="at most half", metric="cadence_health.key", target=50,
         comparator="<=")
    with db.reading() as s:
        first, second = goals.progress(s, owner_id=owner_id, now=NOW)
        reused = goals.progress(s, owner_id=owner_id, now=NOW,
                                known={"cadence_health.key": 95.0})
    assert (first["value"], first["met"]) == (50.0, False)
    assert (second["met"], second["progress_pct"]) == (True, None)
    assert reused[0]["value"] == 95.0 and reused[0]["met"] is True


@pytest.mark.parametrize("kw, message", [
    ({"metric": "size.everything"}, "unknown metric"),
    ({"comparator": "=>"}, "unknown comparator"),
    ({"period": "decade"}, "unknown period"),
    ({"scope": {"city": "Paris"}}, "unknown scope"),
    ({"metric": "reciprocity.balance", "scope": {"department": "Sales"}}, "cannot be narrowed"),
    ({"description": " "}, "needs a description"),
])
def test_invalid_goals(db: Database, owner_id: int, kw: dict, message: str) -> None:
    data = {"description": "g", "metric": "size.active", "target": 1, **kw}
    with pytest.raises(InvalidInput, match=message):
        _add(db, owner_id, **data)


def test_remove(db: Database, owner_id: int) -> None:
    goal_id = _add(db, owner_id, description="g", metric="size.active", target=1)
    with db.transaction() as s:
        goals.delete(s, owner_id=owner_id, goal_id=goal_id)
    with db.reading() as s:
        assert goals.list(s, owner_id=owner_id) == []
    with pytest.raises(NotFound), db.transaction() as s:
        goals.delete(s, owner_id=owner_id, goal_id=goal_id)
