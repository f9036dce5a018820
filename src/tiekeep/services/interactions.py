"""Interactions: logging one (with its participants, value exchanged and next steps)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from tiekeep.core import search
from tiekeep.core.enums import Direction, Format, Initiator, ValueKind, parse_choice
from tiekeep.core.models import (
    Contact,
    FollowUp,
    Interaction,
    InteractionParticipant,
    ValueExchange,
)
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, parsing

MAX_TOPICS = 50


@dataclass(frozen=True)
class QualifyingRules:
    """Which interactions reset a cadence (the `qualifying.*` settings)."""

    max_attendees: int = 8
    excluded_formats: tuple[str, ...] = (Format.SOCIAL_POST.value,)

    def qualifies(self, *, format: str, attendee_count: int) -> bool:
        """A large meeting, a mass mail or a one-way post does not reset a cadence."""
        return format not in self.excluded_formats and attendee_count <= self.max_attendees

    @classmethod
    def from_settings(cls, settings: Any) -> QualifyingRules:
        return cls(int(settings["qualifying.max_attendees"]),
                   tuple(settings["qualifying.excluded_formats"]))


@dataclass
class InteractionCreate:
    """One interaction to record."""

    participant_ids: list[int]
    occurred_at: datetime
    format: str = Format.OTHER.value
    initiated_by: str = Initiator.MUTUAL.value
    topics: list[str] = field(default_factory=list)
    summary: str | None = None
    notes: str | None = None
    depth: int | None = None
    duration_minutes: int | None = None
    # Everyone present or addressed besides me; defaults to the number of participants.
    attendee_count: int | None = None
    source: str = "manual"
    source_key: str | None = None
    thread_key: str | None = None
    reply_to_id: int | None = None
    gave: list[tuple[str, str]] = field(default_factory=list)  # (kind, description)
    received: list[tuple[str, str]] = field(default_factory=list)
    next_steps: list[tuple[str, date | None]] = field(default_factory=list)  # (text, due)


def parse_value(spec: str) -> tuple[str, str]:
    """'KIND:TEXT' (e.g. 'information:sent the deck') into (kind, text), or InvalidInput."""
    kind, sep, description = spec.partition(":")
    if not sep or not description.strip():
        raise InvalidInput(f"malformed value '{spec}' (expected KIND:TEXT, e.g. social:intro)")
    return parse_choice(ValueKind, kind, "value kind").value, description.strip()


def _check_lengths(data: InteractionCreate) -> None:
    """InvalidInput when a text of the interaction is longer than its limit; the notes may be
    as long as a contact's."""
    for topic in data.topics:
        parsing.bounded(topic.strip(), what="topic", limit=parsing.MAX_LINE)
    parsing.bounded(data.summary, what="summary", limit=parsing.MAX_TEXT)
    parsing.bounded(data.notes, what="notes", limit=parsing.MAX_NOTES)
    for _, description in (*data.gave, *data.received):
        parsing.bounded(description, what="value description", limit=parsing.MAX_TEXT)
    for text, _ in data.next_steps:
        parsing.bounded(text.strip(), what="next step", limit=parsing.MAX_TEXT)


def get_by_source_key(session: Session, *, owner_id: int, source: str,
                      source_key: str) -> Interaction | None:
    """The interaction an importer recorded under this key, if any (for idempotency)."""
    return session.scalar(select(Interaction).where(
        Interaction.owner_id == owner_id, Interaction.source == source,
        Interaction.source_key == source_key))


def log(session: Session, *, owner_id: int, data: InteractionCreate,
        rules: QualifyingRules | None = None, reindex: bool = True) -> Interaction:
    """Record an interaction with its participants, values and follow-ups, as one unit."""
    rules = rules or QualifyingRules()
    if not data.participant_ids:
        raise InvalidInput("an interaction needs at least one participant")
    people = contacts.get_many(session, owner_id=owner_id, contact_ids=data.participant_ids)
    if len(people) != len(set(data.participant_ids)):
        missing = set(data.participant_ids) - {c.id for c in people}
        raise NotFound(f"no contact with id {min(missing)}")
    if data.occurred_at.tzinfo is None:
        raise InvalidInput("the time of an interaction needs a time zone")
    _check_lengths(data)
    topics = [t.strip() for t in data.topics if t.strip()][:MAX_TOPICS]
    interaction = Interaction(
        owner_id=owner_id,
        occurred_at=data.occurred_at,
        format=parse_choice(Format, data.format, "format").value,
        initiated_by=parse_choice(Initiator, data.initiated_by, "initiator").value,
        topics=list(dict.fromkeys(topics)),
        summary=data.summary,
        notes=data.notes,
        depth=parsing.depth(data.depth),
        duration_minutes=data.duration_minutes,
        attendee_count=data.attendee_count or len(people),
        source=data.source,
        source_key=data.source_key,
        thread_key=data.thread_key,
        reply_to_id=data.reply_to_id,
    )
    interaction.participants = list(people)
    session.add(interaction)
    session.flush()
    for direction, specs in ((Direction.GIVEN, data.gave), (Direction.RECEIVED, data.received)):
        for kind, description in specs:
            kind = parse_choice(ValueKind, kind, "value kind").value
            for person in people:
                session.add(ValueExchange(
                    owner_id=owner_id, contact_id=person.id, interaction_id=interaction.id,
                    direction=direction.value, kind=kind, description=description,
                    occurred_at=data.occurred_at))
    for text, due in data.next_steps:
        if not text.strip():
            raise InvalidInput("a next step needs some text")
        for person in people:
            session.add(FollowUp(owner_id=owner_id, contact_id=person.id,
                                 interaction_id=interaction.id, text=text.strip(), due=due))
    qualifying = rules.qualifies(format=interaction.format,
                                 attendee_count=interaction.attendee_count)
    touch(session, people, data.occurred_at, qualifying=qualifying)
    session.flush()
    if reindex and topics:
        search.append_words(session, owner_id=owner_id, contact_ids=[p.id for p in people],
                            words=topics)
    return interaction


def touch(session: Session, people: Sequence[Contact], at: datetime, *,
          qualifying: bool) -> None:
    """Move the contacts' last-contact stamps forward to ``at`` where it is later.

    One conditional UPDATE, not an ORM change: two interactions logged with the same person
    at once must both land, and a derived stamp is no edit of the contact (its version, used
    to catch conflicting edits, stays as it is).
    """
    later = case((Contact.last_contact_at.is_(None), at),
                 (Contact.last_contact_at < at, at), else_=Contact.last_contact_at)
    values: dict[str, Any] = {"last_contact_at": later}
    if qualifying:
        values["last_qualifying_at"] = case(
            (Contact.last_qualifying_at.is_(None), at),
            (Contact.last_qualifying_at < at, at), else_=Contact.last_qualifying_at)
    session.execute(update(Contact).where(Contact.id.in_([p.id for p in people]))
                    .values(values), execution_options={"synchronize_session": False})
    for person in people:
        session.expire(person, ["last_contact_at", "last_qualifying_at"])


def refresh_last_contact(session: Session, *, owner_id: int, contact_ids: Sequence[int],
                         rules: QualifyingRules | None = None) -> None:
    """Recompute the last-contact stamps of these contacts from their interactions.

    For bulk writers (importers, merges) and after the qualifying rules change.
    """
    rules = rules or QualifyingRules()
    ids = list(dict.fromkeys(contact_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        base = (select(InteractionParticipant.contact_id, func.max(Interaction.occurred_at))
                .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
                .where(InteractionParticipant.contact_id.in_(chunk))
                .group_by(InteractionParticipant.contact_id))
        latest = {row[0]: row[1] for row in session.execute(base)}
        qualifying = {row[0]: row[1] for row in session.execute(base.where(
            Interaction.attendee_count <= rules.max_attendees,
            Interaction.format.not_in(rules.excluded_formats)))}
        # One statement for the chunk, run with a row of values per contact (the table's, not
        # the ORM's update: an ORM update with a WHERE takes one set of values at a time).
        contacts = cast(Table, Contact.__table__)
        session.execute(
            update(contacts)
            .where(contacts.c.id == bindparam("contact_id"), contacts.c.owner_id == owner_id)
            .values(last_contact_at=bindparam("latest"),
                    last_qualifying_at=bindparam("qualifying")),
            [{"contact_id": cid, "latest": _aware(latest.get(cid)),
              "qualifying": _aware(qualifying.get(cid))} for cid in chunk])


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def list_for_contact(session: Session, *, owner_id: int, contact_id: int,
                     limit: int = 100) -> list[Interaction]:
    """A contact's interactions, newest first."""
    # Ordered by the participation's copy of the time: the newest are then the first entries
    # of the (contact, time) index, however many interactions the contact has.
    return list(session.scalars(
        select(Interaction)
        .join(InteractionParticipant, InteractionParticipant.interaction_id == Interaction.id)
        .where(InteractionParticipant.contact_id == contact_id,
               Interaction.owner_id == owner_id)
        .order_by(InteractionParticipant.occurred_at.desc(),
                  InteractionParticipant.interaction_id.desc())
        .options(selectinload(Interaction.participants))
        .limit(limit)
    ))


def count_for_contact(session: Session, *, contact_id: int) -> int:
    return int(session.scalar(select(func.count()).where(
        InteractionParticipant.contact_id == contact_id)) or 0)


def to_dict(interaction: Interaction) -> dict[str, Any]:
    """The JSON form of an interaction."""
    return {
        "id": interaction.id,
        "occurred_at": interaction.occurred_at.isoformat(),
        "format": interaction.format,
        "initiated_by": interaction.initiated_by,
        "participants": [{"id": c.id, "name": c.display_name} for c in interaction.participants],
        "topics": list(interaction.topics or []),
        "summary": interaction.summary,
        "notes": interaction.notes,
        "depth": interaction.depth,
        "duration_minutes": interaction.duration_minutes,
        "source": interaction.source,
    }
