"""The JSON backup of one account: everything the user owns, restored exactly.

The file is one JSON document, written so that it can also be read a line at a time: a
header line, then each section as ``"name": [`` followed by one item per line. Export and
restore therefore stream, whatever the size of the account. Rows refer to each other by
their position in the file (``"ref"``), never by database ids, so that a backup restores
into any database; exporting the restored account gives back the same bytes.

Derived data (search documents) is rebuilt; operational rows (API tokens, import runs,
notifications) are not part of a backup.
"""

from __future__ import annotations

import base64
import json
import os
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tiekeep.adapters import backup_restore
from tiekeep.core.models import (
    AuditEntry,
    Contact,
    ContactLink,
    FollowUp,
    Goal,
    Interaction,
    InteractionParticipant,
    ReminderState,
    Resource,
    ResourceShare,
    Tag,
    TrustChange,
    User,
    ValueExchange,
)
from tiekeep.errors import ImportRejected

FORMAT = "tiekeep-backup"
VERSION = 1
SECTIONS = ("tags", "contacts", "links", "interactions", "values", "followups", "resources",
            "goals", "reminders", "audit")
CHUNK = 1000


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def dump(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


class Refs:
    """Database ids to file positions, for rows listed in id order (a sorted array)."""

    def __init__(self) -> None:
        from array import array

        self.ids = array("q")

    def add(self, row_id: int) -> int:
        self.ids.append(row_id)
        return len(self.ids)

    def get(self, row_id: int | None) -> int | None:
        if row_id is None:
            return None
        index = bisect_left(self.ids, row_id)
        return index + 1 if index < len(self.ids) and self.ids[index] == row_id else None


def lines(session: Session, *, owner_id: int) -> Iterator[str]:
    """The backup file, line by line."""
    user = session.get(User, owner_id)
    yield dump({"format": FORMAT, "version": VERSION})[:-1] + ","
    yield '"user":' + dump({
        "display_name": user.display_name if user else "", "time_zone": user.time_zone
        if user else "UTC", "locale": user.locale if user else "en",
        "organization": user.organization if user else None,
        "department": user.department if user else None}) + ","
    contacts, interactions = Refs(), Refs()
    sections = {
        "tags": lambda: _tags(session, owner_id),
        "contacts": lambda: _contacts(session, owner_id, contacts),
        "links": lambda: _simple(session, select(ContactLink).where(
            ContactLink.owner_id == owner_id).order_by(ContactLink.id), lambda r: {
            "a": contacts.get(r.a_id), "b": contacts.get(r.b_id), "kind": r.kind,
            "source": r.source, "created_at": iso(r.created_at)}),
        "interactions": lambda: _interactions(session, owner_id, contacts, interactions),
        "values": lambda: _simple(session, select(ValueExchange).where(
            ValueExchange.owner_id == owner_id).order_by(ValueExchange.id), lambda r: {
            "contact": contacts.get(r.contact_id),
            "interaction": interactions.get(r.interaction_id), "direction": r.direction,
            "kind": r.kind, "category": r.category, "description": r.description,
            "occurred_at": iso(r.occurred_at), "created_at": iso(r.created_at)}),
        "followups": lambda: _simple(session, select(FollowUp).where(
            FollowUp.owner_id == owner_id).order_by(FollowUp.id), lambda r: {
            "contact": contacts.get(r.contact_id),
            "interaction": interactions.get(r.interaction_id), "text": r.text,
            "due": iso(r.due), "done_at": iso(r.done_at), "snoozed_until": iso(r.snoozed_until),
            "created_at": iso(r.created_at)}),
        "resources": lambda: _resources(session, owner_id, contacts),
        "goals": lambda: _simple(session, select(Goal).where(Goal.owner_id == owner_id)
                                 .order_by(Goal.id), lambda r: {
            "description": r.description, "metric": r.metric, "comparator": r.comparator,
            "target": r.target, "period": r.period, "scope": r.scope,
            "created_at": iso(r.created_at), "updated_at": iso(r.updated_at)}),
        "reminders": lambda: _simple(session, select(ReminderState).where(
            ReminderState.owner_id == owner_id).order_by(ReminderState.id), lambda r: {
            "contact": contacts.get(r.contact_id), "kind": r.kind, "key": r.key,
            "snoozed_until": iso(r.snoozed_until), "dismissed_at": iso(r.dismissed_at),
            "dismissed_until": iso(r.dismissed_until)}),
        "audit": lambda: _simple(session, select(AuditEntry).where(
            AuditEntry.owner_id == owner_id).order_by(AuditEntry.id), lambda r: {
            "contact": contacts.get(r.contact_id), "actor": r.actor, "action": r.action,
            "changes": r.changes, "at": iso(r.at)}),
    }
    for number, name in enumerate(SECTIONS):
        yield f'"{name}":['
        previous: str | None = None
        for item in sections[name]():
            if previous is not None:
                yield previous + ","
            previous = dump(item)
        if previous is not None:
            yield previous
        yield "]" + ("," if number < len(SECTIONS) - 1 else "")
    yield "}"


def _simple(session: Session, query: Any, convert: Any) -> Iterator[dict[str, Any]]:
    for row in session.scalars(query.execution_options(yield_per=CHUNK)):
        yield convert(row)


def _tags(session: Session, owner_id: int) -> Iterator[dict[str, Any]]:
    for name in session.scalars(select(Tag.name).where(Tag.owner_id == owner_id)
                                .order_by(Tag.id)):
        yield {"name": name}


def _contacts(session: Session, owner_id: int, refs: Refs) -> Iterator[dict[str, Any]]:
    ids = list(session.scalars(select(Contact.id).where(Contact.owner_id == owner_id)
                               .order_by(Contact.id)))
    for row_id in ids:
        refs.add(row_id)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        query = (select(Contact).where(Contact.id.in_(chunk)).order_by(Contact.id)
                 .options(selectinload(Contact.emails), selectinload(Contact.phones),
                          selectinload(Contact.urls), selectinload(Contact.tags),
                          selectinload(Contact.sources), selectinload(Contact.roles),
                          selectinload(Contact.plan_items)))
        trust: dict[int, list[dict[str, Any]]] = {}
        for change in session.scalars(select(TrustChange).where(
                TrustChange.contact_id.in_(chunk)).order_by(TrustChange.id)):
            trust.setdefault(change.contact_id, []).append(
                {"trust": change.trust, "changed_at": iso(change.changed_at),
                 "note": change.note})
        for c in session.scalars(query):
            yield {
                "ref": refs.get(c.id), "display_name": c.display_name,
                "given_name": c.given_name, "family_name": c.family_name,
                "aliases": c.aliases, "birthday": iso(c.birthday),
                "birthday_has_year": c.birthday_has_year, "location": c.location,
                "time_zone": c.time_zone, "tier": c.tier, "horizon": c.horizon,
                "project_end": iso(c.project_end), "cadence_days": c.cadence_days,
                "trust": c.trust, "strength_override": c.strength_override,
                "interests": c.interests, "goals": c.goals, "challenges": c.challenges,
                "personal_notes": c.personal_notes, "how_met": c.how_met,
                "met_on": iso(c.met_on), "introduced_by": refs.get(c.introduced_by_id),
                "next_meeting_at": iso(c.next_meeting_at), "status": c.status,
                "deleted_at": iso(c.deleted_at),
                "photo": base64.b64encode(c.photo).decode() if c.photo else None,
                "photo_type": c.photo_type, "last_contact_at": iso(c.last_contact_at),
                "last_qualifying_at": iso(c.last_qualifying_at),
                "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
                "emails": [[e.email, e.label] for e in c.emails],
                "phones": [[p.phone, p.label] for p in c.phones],
                "urls": [[u.kind, u.url] for u in c.urls],
                "tags": [t.name for t in c.tags],
                "sources": sorted([s.source, s.key] for s in c.sources),
                "roles": [{"title": r.title, "department": r.department,
                           "organization": r.organization, "location": r.location,
                           "started": iso(r.started), "ended": iso(r.ended),
                           "source": r.source, "is_change": r.is_change,
                           "acknowledged_at": iso(r.acknowledged_at),
                           "created_at": iso(r.created_at)} for r in c.roles],
                "plan": [{"kind": p.kind, "text": p.text, "created_at": iso(p.created_at),
                          "done_at": iso(p.done_at)} for p in c.plan_items],
                "trust_history": trust.get(c.id, []),
            }
        session.expunge_all()


def _interactions(session: Session, owner_id: int, contacts: Refs,
                  refs: Refs) -> Iterator[dict[str, Any]]:
    ids = session.scalars(select(Interaction.id).where(Interaction.owner_id == owner_id)
                          .order_by(Interaction.id).execution_options(yield_per=10_000))
    for row_id in ids:
        refs.add(row_id)
    total = len(refs.ids)
    for start in range(0, total, CHUNK):
        chunk = list(refs.ids[start:start + CHUNK])
        people: dict[int, list[int]] = {}
        for interaction_id, contact_id in session.execute(
                select(InteractionParticipant.interaction_id, InteractionParticipant.contact_id)
                .where(InteractionParticipant.interaction_id.in_(chunk))):
            people.setdefault(interaction_id, []).append(contacts.get(contact_id) or 0)
        for i in session.scalars(select(Interaction).where(Interaction.id.in_(chunk))
                                 .order_by(Interaction.id)):
            yield {
                "ref": refs.get(i.id), "occurred_at": iso(i.occurred_at),
                "duration_minutes": i.duration_minutes, "format": i.format,
                "initiated_by": i.initiated_by, "topics": i.topics, "summary": i.summary,
                "notes": i.notes, "depth": i.depth, "source": i.source,
                "source_key": i.source_key, "attendee_count": i.attendee_count,
                "thread_key": i.thread_key, "reply_to": refs.get(i.reply_to_id),
                "participants": sorted(people.get(i.id, [])),
                "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
            }
        session.expunge_all()


def _resources(session: Session, owner_id: int, contacts: Refs) -> Iterator[dict[str, Any]]:
    for r in session.scalars(select(Resource).where(Resource.owner_id == owner_id)
                             .order_by(Resource.id)):
        shares = session.execute(select(ResourceShare.contact_id, ResourceShare.shared_at)
                                 .where(ResourceShare.resource_id == r.id)
                                 .order_by(ResourceShare.id))
        yield {"title": r.title, "url": r.url, "topics": r.topics, "notes": r.notes,
               "created_at": iso(r.created_at), "updated_at": iso(r.updated_at),
               "shares": [[contacts.get(cid), iso(at)] for cid, at in shares]}


def export(session: Session, *, owner_id: int, path: Path,
           options: Mapping[str, Any]) -> dict[str, Any]:
    """Write the account's backup to ``path`` (atomically: a temporary file, then renamed)."""
    temporary = path.with_name(path.name + ".partial")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as out:
            for line in lines(session, owner_id=owner_id):
                out.write(line + "\n")
                count += 1
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        from tiekeep.errors import InvalidInput

        raise InvalidInput(f"{path}: cannot be written ({exc.strerror})") from None
    contacts = session.scalar(select(func.count()).where(Contact.owner_id == owner_id))
    interactions = session.scalar(select(func.count()).where(Interaction.owner_id == owner_id))
    return {"contacts": int(contacts or 0), "interactions": int(interactions or 0),
            "lines": count}


def restore(session: Session, *, owner_id: int, path: Path,
            options: Mapping[str, Any]) -> dict[str, Any]:
    """Restore a backup into an empty account; the same backup again changes nothing."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    if not backup_restore.account_is_empty(session, owner_id=owner_id):
        with path.open("rb") as stream:
            ours = lines(session, owner_id=owner_id)
            for number, (mine, theirs) in enumerate(zip_longest(ours, stream), start=1):
                if theirs is None or mine is None or theirs.rstrip(b"\r\n").decode(
                        "utf-8", "replace") != mine:
                    raise ImportRejected(
                        f"{path}: line {number}: the account already holds other data; "
                        "restore a backup into an empty account (tiekeep user add NAME, then "
                        "--user NAME)")
        count = session.scalar(select(func.count()).where(Contact.owner_id == owner_id))
        return {"unchanged": int(count or 0)}
    return backup_restore.restore(session, owner_id=owner_id, path=path)

