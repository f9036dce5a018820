"""Revision 0004: users get a phone region; existing users have none set, and keep working."""

from __future__ import annotations

from sqlalchemy import insert, inspect, select

from tests.core.revisions import at_revision
from tiekeep.core import schema
from tiekeep.core.db import Database
from tiekeep.core.models import User
from tiekeep.services import accounts, contacts, users


def _columns(db: Database) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("users")}


def test_existing_users_get_no_region_and_read_numbers_in_the_default(db_url: str) -> None:
    old = at_revision(db_url, "0003")
    try:
        assert "phone_region" not in _columns(old)
        with old.transaction() as s:
            # Core, naming only the columns 0003 has (the ORM would write phone_region).
            owner = s.execute(insert(User).values(username="old", display_name="Old")
                              .returning(User.id)).scalar_one()
    finally:
        old.dispose()

    db = schema.open_database(db_url)
    try:
        assert schema.current_revision(db) == schema.HEAD == "0004"
        assert "phone_region" in _columns(db)
        with db.reading() as s:
            assert s.scalar(select(User.phone_region).where(User.id == owner)) is None
            assert users.phone_region(s, owner_id=owner) == "US"  # the tests' locale: none
        with db.transaction() as s:
            accounts.update_preferences(s, user_id=owner, phone_region="DE")
            anna = contacts.create(s, owner_id=owner, data=contacts.ContactCreate(
                name="Anna", phones=["030 1234567"]))
            assert [p.phone for p in anna.phones] == ["+49301234567"]
    finally:
        db.dispose()

    downgraded = at_revision(db_url, "0003")
    try:
        assert "phone_region" not in _columns(downgraded)
        with downgraded.reading() as s:
            assert s.scalar(select(User.username).where(User.id == owner)) == "old"
    finally:
        downgraded.dispose()
        # The PostgreSQL database is shared by the session's tests: leave it at the head.
        schema.open_database(db_url).dispose()
