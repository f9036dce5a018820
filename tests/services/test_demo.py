"""The demo network: deterministic, realistic, and consistent with the services."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from tiekeep.core.db import Database
from tiekeep.core.enums import Format
from tiekeep.core.models import (
    Contact,
    FollowUp,
    Interaction,
    InteractionParticipant,
    Role,
    ValueExchange,
)
from tiekeep.services import contacts, demo, interactions


def _fingerprint(db: Database) -> list[tuple[object, ...]]:
    with db.reading() as s:
        return [tuple(r) for r in s.execute(
            select(Interaction.occurred_at, Interaction.format, Interaction.topics)
            .order_by(Interaction.id))]


def test_same_seed_same_network(db: Database, owner_id: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tiekeep.core.schema import open_database

    with db.transaction() as s:
        demo.generate(s, owner_id=owner_id, contacts=60, interactions=400, seed=3,
                      today=date(2026, 11, 25))
    other = open_database(str(tmp_path / "other.db"))
    try:
        from tiekeep.services import users

        with other.transaction() as s:
            other_owner = users.create(s, username="alice").id
            demo.generate(s, owner_id=other_owner, contacts=60, interactions=400, seed=3,
                          today=date(2026, 11, 25))
        assert _fingerprint(db) == _fingerprint(other)
    finally:
        other.dispose()


def test_network_is_realistic_and_consistent(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        summary = demo.generate(s, owner_id=owner_id, contacts=300, interactions=6000, seed=1,
                                today=date(2026, 11, 25))
    assert (summary.contacts, summary.interactions) == (300, 6000)
    with db.reading() as s:
        names = s.scalars(select(Contact.display_name)).all()
        assert any("а" <= ch <= "я" or "А" <= ch <= "Я" for n in names for ch in n)
        assert any(n.isascii() for n in names)
        formats = set(s.scalars(select(Interaction.format).distinct()))
        assert formats == {f.value for f in Format}
        assert s.scalar(select(func.count()).select_from(ValueExchange)) == summary.values > 0
        assert s.scalar(select(func.count()).select_from(FollowUp)) == summary.followups > 0
        assert s.scalar(select(func.count()).select_from(Role).where(Role.is_change)) > 0
        # A power law: the busiest tenth of the people take most of the participations.
        counts = sorted(Counter(s.scalars(select(InteractionParticipant.contact_id))).values(),
                        reverse=True)
        assert sum(counts[:30]) > 0.4 * sum(counts)
        # The denormalized last-contact stamps agree with a recomputation.
        before = {c.id: (c.last_contact_at, c.last_qualifying_at)
                  for c in s.scalars(select(Contact))}
    with db.transaction() as s:
        interactions.refresh_last_contact(s, owner_id=owner_id, contact_ids=list(before))
    with db.reading() as s:
        after = {c.id: (c.last_contact_at, c.last_qualifying_at)
                 for c in s.scalars(select(Contact))}
        assert after == before
        # Search works on the bulk-written documents.
        some = s.scalars(select(Contact).limit(1)).one()
        found = contacts.search_contacts(s, owner_id=owner_id, query=some.display_name)
        assert some.id in [c.id for c in found]
