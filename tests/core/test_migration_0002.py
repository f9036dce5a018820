"""Revision 0002: participations carry their interaction's time, backfilled and kept right.

An old database (at 0001) opened by this tiekeep is upgraded on open and its existing rows
get their time; afterwards database triggers keep the copy right for every writer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session

from tests.core.revisions import at_revision
from tiekeep.core import schema
from tiekeep.core.db import Database
from tiekeep.core.models import Contact, Interaction, InteractionParticipant, User
from tiekeep.services import contacts, interactions

NOW = datetime(2026, 3, 1, 9, 30, 15, 250_000, tzinfo=UTC)


def _log(session: Session, owner_id: int, ids: list[int], at: datetime) -> int:
    return interactions.log(session, owner_id=owner_id, data=interactions.InteractionCreate(
        participant_ids=ids, occurred_at=at, format="coffee")).id


def _times(db: Database) -> dict[tuple[int, int], datetime | None]:
    """(interaction id, contact id) → the participation's own copy of the time."""
    with db.reading() as s:
        rows = s.execute(select(InteractionParticipant.interaction_id,
                                InteractionParticipant.contact_id,
                                InteractionParticipant.occurred_at))
        return {(iid, cid): at for iid, cid, at in rows}


def _truth(db: Database) -> dict[tuple[int, int], datetime]:
    """The same pairs with their interaction's time."""
    with db.reading() as s:
        rows = s.execute(select(InteractionParticipant.interaction_id,
                                InteractionParticipant.contact_id, Interaction.occurred_at)
                         .join(Interaction,
                               Interaction.id == InteractionParticipant.interaction_id))
        return {(iid, cid): at for iid, cid, at in rows}


def test_old_database_is_backfilled_on_open(db_url: str) -> None:
    old = at_revision(db_url, "0001")
    try:
        assert "occurred_at" not in {c["name"] for c in inspect(old.engine).get_columns(
            "interaction_participants")}
        # Plain rows, as the tiekeep of revision 0001 wrote them: today's services expect
        # today's schema.
        with old.transaction() as s:
            owner = s.execute(insert(User).returning(User.id),
                              [{"username": "old"}]).scalar_one()
            anna, boris = (s.execute(insert(Contact).returning(Contact.id), [{
                "owner_id": owner, "display_name": name, "aliases": [], "interests": [],
                "status": "active", "tier": "regular", "horizon": "long_term"}]).scalar_one()
                for name in ("Anna", "Boris"))
            both, earlier = (s.execute(insert(Interaction).returning(Interaction.id), [{
                "owner_id": owner, "occurred_at": at, "format": "coffee",
                "initiated_by": "me", "topics": [], "source": "manual",
                "attendee_count": 1}]).scalar_one()
                for at in (NOW, NOW - timedelta(days=400)))
            s.execute(insert(InteractionParticipant), [
                {"interaction_id": both, "contact_id": anna},
                {"interaction_id": both, "contact_id": boris},
                {"interaction_id": earlier, "contact_id": anna}])
    finally:
        old.dispose()

    db = schema.open_database(db_url)
    try:
        assert schema.current_revision(db) == schema.HEAD
        assert _times(db) == {(both, anna): NOW, (both, boris): NOW,
                              (earlier, anna): NOW - timedelta(days=400)}
        # Later writes on the upgraded database are kept right by its triggers.
        with db.transaction() as s:
            later = _log(s, owner, [boris], NOW + timedelta(hours=1))
        assert _times(db)[(later, boris)] == NOW + timedelta(hours=1)
    finally:
        db.dispose()


def test_every_writer_keeps_the_copy_right(db: Database, owner_id: int) -> None:
    """The ORM, bulk Core inserts without the column, a wrong value given on purpose,
    a changed interaction time, a repointed participation and a merge."""
    with db.transaction() as s:
        a, b, c = (contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(name=n)).id
                   for n in ("Anna", "Boris", "Clara"))
        first = _log(s, owner_id, [a, b], NOW)
        second = _log(s, owner_id, [a], NOW - timedelta(days=3))
        bulk = s.execute(insert(Interaction).returning(Interaction.id), [{
            "owner_id": owner_id, "occurred_at": NOW - timedelta(days=7), "format": "call",
            "initiated_by": "me", "topics": [], "source": "test", "attendee_count": 1}]
        ).scalar_one()
        s.execute(insert(InteractionParticipant), [
            {"interaction_id": bulk, "contact_id": c},
            {"interaction_id": bulk, "contact_id": b, "occurred_at": NOW + timedelta(days=99)}])
    assert _times(db) == _truth(db)
    assert _times(db)[(bulk, c)] == NOW - timedelta(days=7)

    with db.transaction() as s:
        s.execute(update(Interaction).where(Interaction.id == first)
                  .values(occurred_at=NOW - timedelta(days=1)))
        s.execute(update(InteractionParticipant)
                  .where(InteractionParticipant.interaction_id == second)
                  .values(interaction_id=bulk))
        s.execute(update(InteractionParticipant)
                  .where(InteractionParticipant.interaction_id == bulk,
                         InteractionParticipant.contact_id == c)
                  .values(occurred_at=NOW))
    times = _times(db)
    assert times == _truth(db)
    assert times[(first, a)] == times[(first, b)] == NOW - timedelta(days=1)
    assert times[(bulk, a)] == times[(bulk, c)] == NOW - timedelta(days=7)

    with db.transaction() as s:
        contacts.merge(s, owner_id=owner_id, keep_id=c, other_id=b)
    times = _times(db)
    assert times == _truth(db)
    assert times[(first, c)] == NOW - timedelta(days=1)
    assert all(at is not None for at in times.values())
