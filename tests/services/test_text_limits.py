"""Text limits in the services: a value at its limit is stored, one character more is refused
with a message naming the field and both lengths, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tiekeep.core.db import Database
from tiekeep.core.models import ApiToken, Contact, FollowUp, Goal, PlanItem, Role, User
from tiekeep.errors import InvalidInput
from tiekeep.services import (
    contacts,
    followups,
    goals,
    interactions,
    parsing,
    plans,
    roles,
    users,
    values,
)


def test_bounded_passes_a_value_at_the_limit_and_refuses_one_more_character() -> None:
    assert parsing.bounded("x" * 300, what="title", limit=300) == "x" * 300
    assert parsing.bounded(None, what="title", limit=300) is None
    with pytest.raises(InvalidInput) as caught:
        parsing.bounded("x" * 301, what="title", limit=300)
    assert caught.value.message == "title is too long (301 characters; at most 300)"


def test_a_long_malformed_email_is_cut_in_the_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        parsing.email("a" * 100 + "@")
    assert caught.value.message == "malformed email address '" + "a" * 60 + "…'"
    with pytest.raises(InvalidInput) as short:
        parsing.email("nope")
    assert short.value.message == "malformed email address 'nope'"


# (label, limit, the field's name in the message, a write of one text through the service)
CASES: list[tuple[str, int, str, Callable[[Session, int, str], object]]] = [
    ("contact title", 300, "title",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", title=t)),
    ("contact organization", 300, "organization",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", organization=t)),
    ("contact department", 300, "department",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", department=t)),
    ("contact location", 300, "location",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", location=t)),
    ("contact interest", 300, "interest",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", interests=[t])),
    ("contact alias", 300, "alias",
     lambda s, o, t: factories.contact(s, o, "Zed Zedson", aliases=[t])),
    ("edited location", 300, "location",
     lambda s, o, t: contacts.update(s, owner_id=o, contact_id=_anna(s, o),
                                     changes=contacts.ContactUpdate(location=t))),
    ("edited interest", 300, "interest",
     lambda s, o, t: contacts.update(s, owner_id=o, contact_id=_anna(s, o),
                                     changes=contacts.ContactUpdate(interests=[t]))),
    ("added alias", 300, "alias",
     lambda s, o, t: contacts.update(s, owner_id=o, contact_id=_anna(s, o),
                                     changes=contacts.ContactUpdate(add_aliases=[t]))),
    ("role organization", 300, "organization",
     lambda s, o, t: roles.change(s, owner_id=o, contact_id=_anna(s, o),
                                  new=roles.RoleChange(organization=t))),
    ("role title", 300, "title",
     lambda s, o, t: roles.change(s, owner_id=o, contact_id=_anna(s, o),
                                  new=roles.RoleChange(title=t))),
    ("interaction topic", 300, "topic",
     lambda s, o, t: _log(s, o, topics=[t])),
    ("interaction summary", 2000, "summary",
     lambda s, o, t: _log(s, o, summary=t)),
    ("interaction value", 2000, "value description",
     lambda s, o, t: _log(s, o, gave=[("information", t)])),
    ("interaction next step", 2000, "next step",
     lambda s, o, t: _log(s, o, next_steps=[(t, None)])),
    ("value", 2000, "value description",
     lambda s, o, t: values.create(s, owner_id=o, data=values.ValueCreate(
         contact_id=_anna(s, o), direction="given", kind="social", description=t))),
    ("follow-up", 2000, "follow-up",
     lambda s, o, t: followups.create(s, owner_id=o, contact_id=_anna(s, o), text=t)),
    ("plan item", 2000, "plan item",
     lambda s, o, t: plans.add(s, owner_id=o, contact_id=_anna(s, o), kind="topic", text=t)),
    ("goal", 2000, "goal description",
     lambda s, o, t: goals.create(s, owner_id=o, data=goals.GoalCreate(
         description=t, metric="size.total", target=10))),
    ("user display name", 200, "display name",
     lambda s, o, t: users.create(s, username="bob", display_name=t)),
    ("token name", 200, "token name",
     lambda s, o, t: users.create_token(s, owner_id=o, name=t)),
]


def _anna(session: Session, owner_id: int) -> int:
    return contacts.resolve(session, owner_id=owner_id, ref="Anna Petrova").id


def _log(session: Session, owner_id: int, **overrides: object) -> object:
    anna = contacts.get(session, owner_id=owner_id, contact_id=_anna(session, owner_id))
    return factories.interaction(session, owner_id, [anna], "2026-01-05 10:00", **overrides)


def _counts(db: Database) -> list[int]:
    with db.reading() as s:
        return [int(s.scalar(select(func.count()).select_from(model)) or 0) for model in
                (Contact, Role, FollowUp, PlanItem, Goal, User, ApiToken)]


@pytest.mark.parametrize(("label", "limit", "what", "write"), CASES,
                         ids=[case[0] for case in CASES])
def test_each_text_field_takes_its_limit_and_refuses_one_more(
        db: Database, owner_id: int, label: str, limit: int, what: str,
        write: Callable[[Session, int, str], object]) -> None:
    with db.transaction() as s:
        factories.contact(s, owner_id, "Anna Petrova")
    before = _counts(db)
    with pytest.raises(InvalidInput) as caught, db.transaction() as s:
        write(s, owner_id, "y" * (limit + 1))
    assert caught.value.message == (f"{what} is too long ({limit + 1} characters; "
                                    f"at most {limit})")
    assert _counts(db) == before
    with db.transaction() as s:
        write(s, owner_id, "y" * limit)


def test_notes_keep_their_longer_limit(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna Petrova", personal_notes="n" * 20_000)
        factories.interaction(s, owner_id, [anna], "2026-01-05 10:00", notes="n" * 20_000)
    with pytest.raises(InvalidInput) as caught, db.transaction() as s:
        factories.interaction(s, owner_id, [anna], "2026-01-06 10:00", notes="n" * 20_001)
    assert caught.value.message == "notes is too long (20001 characters; at most 20000)"
    with db.reading() as s:
        logged = interactions.list_for_contact(s, owner_id=owner_id, contact_id=anna.id)
    assert [len(i.notes or "") for i in logged] == [20_000]
