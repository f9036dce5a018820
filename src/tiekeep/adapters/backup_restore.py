"""Restoring a JSON backup (written by ``adapters.backup``), streaming, in the caller's unit.

The file is read a line at a time and checked as it goes; a line that is not what the format
says rejects the file naming that line, and the caller's transaction leaves the database as
it was. Rows are inserted in chunks with their original timestamps, references are mapped
from file positions to the new ids, and the search documents are rebuilt at the end.
"""

from __future__ import annotations

import base64
import json
from array import array
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tiekeep.core.db import insert_rows, insert_with_ids
from tiekeep.core.models import (
    AuditEntry,
    Contact,
    ContactEmail,
    ContactLink,
    ContactPhone,
    ContactSource,
    ContactTag,
    ContactUrl,
    FollowUp,
    Goal,
    Interaction,
    InteractionParticipant,
    PlanItem,
    ReminderState,
    Resource,
    ResourceShare,
    Role,
    Tag,
    TrustChange,
    User,
    ValueExchange,
)
from tiekeep.errors import ImportRejected

CHUNK = 500
_SECTIONS = ("tags", "contacts", "links", "interactions", "values", "followups", "resources",
             "goals", "reminders", "audit")


def account_is_empty(session: Session, *, owner_id: int) -> bool:
    """Whether the account holds nothing a backup would restore."""
    for model in (Contact, Interaction, Tag, Resource, Goal, AuditEntry):
        found = session.scalar(select(func.count()).select_from(model)
                               .where(model.owner_id == owner_id))
        if found:
            return False
    return True


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class _File:
    """The backup's lines, checked against the format as they are read."""

    def __init__(self, path: Path, stream: IO[bytes]) -> None:
        self.path = path
        self.stream = stream
        self.number = 0

    def next_line(self) -> str:
        raw = self.stream.readline()
        self.number += 1
        if not raw:
            raise self.error("the file ends early (truncated?)")
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise self.error("not UTF-8") from None

    def error(self, message: str) -> ImportRejected:
        return ImportRejected(f"{self.path}: line {self.number}: {message}")

    def expect(self, text: str) -> None:
        line = self.next_line()
        if line != text:
            raise self.error(f"expected '{text}', found '{line[:40]}'")

    def header(self) -> dict[str, Any]:
        first = self.next_line()
        try:
            head = json.loads(first.removesuffix(",") + "}")
        except json.JSONDecodeError:
            head = None
        if not isinstance(head, dict) or head.get("format") != "tiekeep-backup":
            raise self.error("not a tiekeep JSON backup (no \"format\": \"tiekeep-backup\")")
        if head.get("version") != 1:
            raise self.error(f"backup version {head.get('version')} is newer than this "
                             "tiekeep; upgrade tiekeep to restore it")
        line = self.next_line()
        try:
            user = json.loads("{" + line.removesuffix(",") + "}")["user"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise self.error("expected the \"user\" line") from None
        return user if isinstance(user, dict) else {}

    def items(self, name: str, last: bool) -> Iterator[dict[str, Any]]:
        self.expect(f'"{name}":[')
        closing = "]" if last else "],"
        while True:
            line = self.next_line()
            if line == closing:
                return
            try:
                item = json.loads(line.removesuffix(","))
            except json.JSONDecodeError as exc:
                raise self.error(f"not JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise self.error(f"an item of \"{name}\" must be an object")
            yield item


class _Restore:
    """The mapping from file positions to new ids, and the chunked inserts."""

    def __init__(self, session: Session, owner_id: int, source: _File) -> None:
        self.session = session
        self.owner_id = owner_id
        self.file = source
        self.tags: dict[str, int] = {}
        self.contacts = array("q")
        self.interactions = array("q")
        # Forward references (to a row further down the file) are set once it exists.
        self.later_intro: list[tuple[int, int, datetime | None]] = []
        self.later_reply: list[tuple[int, int, datetime | None]] = []

    def contact(self, ref: int | None) -> int | None:
        if ref is None:
            return None
        if not 0 < ref <= len(self.contacts):
            raise self.file.error(f"no contact {ref} earlier in the backup")
        return self.contacts[ref - 1]

    def interaction(self, ref: int | None) -> int | None:
        if ref is None:
            return None
        if not 0 < ref <= len(self.interactions):
            raise self.file.error(f"no interaction {ref} earlier in the backup")
        return self.interactions[ref - 1]

    def chunked(self, name: str, last: bool, write: Callable[[list[dict[str, Any]]], None]) \
            -> int:
        """Feed a section to ``write`` in chunks; a bad value rejects its line."""
        chunk: list[dict[str, Any]] = []
        count = 0
        for item in self.file.items(name, last):
            chunk.append(item)
            count += 1
            if len(chunk) >= CHUNK:
                self.guarded(write, chunk)
                chunk = []
        if chunk:
            self.guarded(write, chunk)
        return count

    def guarded(self, write: Callable[[list[dict[str, Any]]], None],
                chunk: list[dict[str, Any]]) -> None:
        try:
            write(chunk)
        except ImportRejected:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise self.file.error(f"a malformed item near here ({type(exc).__name__}: "
                                  f"{exc})") from None
        except SQLAlchemyError as exc:
            # A value the database refuses (a duplicate, a wrong type, too long): the backup
            # was edited or damaged; the caller's transaction drops what was written.
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
            raise self.file.error(f"the backup is inconsistent near here ({reason})") from None

    # --- sections --------------------------------------------------------------------------

    def write_tags(self, items: list[dict[str, Any]]) -> None:
        names = [str(i["name"]) for i in items]
        ids = insert_with_ids(self.session, Tag,
                              [{"owner_id": self.owner_id, "name": n} for n in names])
        self.tags.update(zip(names, ids, strict=True))

    def write_contacts(self, items: list[dict[str, Any]]) -> None:
        base = len(self.contacts)
        for offset, item in enumerate(items, start=1):
            if item["ref"] != base + offset:
                raise self.file.error(f"contact ref {item['ref']} out of order")
        rows = []
        for item in items:
            intro = item["introduced_by"]
            rows.append({
                "owner_id": self.owner_id, "display_name": item["display_name"],
                "given_name": item["given_name"], "family_name": item["family_name"],
                "aliases": item["aliases"], "birthday": _day(item["birthday"]),
                "birthday_has_year": item["birthday_has_year"], "location": item["location"],
                "time_zone": item["time_zone"], "tier": item["tier"], "horizon": item["horizon"],
                "project_end": _day(item["project_end"]), "cadence_days": item["cadence_days"],
                "trust": item["trust"], "strength_override": item["strength_override"],
                "interests": item["interests"], "goals": item["goals"],
                "challenges": item["challenges"], "personal_notes": item["personal_notes"],
                "how_met": item["how_met"], "met_on": _day(item["met_on"]),
                "introduced_by_id": self.contacts[intro - 1]
                if intro is not None and intro <= len(self.contacts) else None,
                "next_meeting_at": _moment(item["next_meeting_at"]), "status": item["status"],
                "deleted_at": _moment(item["deleted_at"]),
                "photo": base64.b64decode(item["photo"]) if item["photo"] else None,
                "photo_type": item["photo_type"],
                "last_contact_at": _moment(item["last_contact_at"]),
                "last_qualifying_at": _moment(item["last_qualifying_at"]),
                "created_at": _moment(item["created_at"]),
                "updated_at": _moment(item["updated_at"]),
            })
        new_ids = insert_with_ids(self.session, Contact, rows)
        self.contacts.extend(new_ids)
        children: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
            ContactEmail, ContactPhone, ContactUrl, ContactTag, ContactSource, Role, PlanItem,
            TrustChange)}
        for cid, item in zip(new_ids, items, strict=True):
            intro = item["introduced_by"]
            if intro is not None and intro > base:
                self.later_intro.append((cid, intro, _moment(item["updated_at"])))
            children[ContactEmail] += [{"contact_id": cid, "email": e, "label": label}
                                       for e, label in item["emails"]]
            children[ContactPhone] += [{"contact_id": cid, "phone": p, "label": label}
                                       for p, label in item["phones"]]
            children[ContactUrl] += [{"contact_id": cid, "kind": k, "url": u}
                                     for k, u in item["urls"]]
            children[ContactTag] += [{"contact_id": cid, "tag_id": self.tags[t]}
                                     for t in item["tags"]]
            children[ContactSource] += [{"owner_id": self.owner_id, "contact_id": cid,
                                         "source": s, "key": k} for s, k in item["sources"]]
            children[Role] += [{
                "contact_id": cid, "title": r["title"], "department": r["department"],
                "organization": r["organization"], "location": r["location"],
                "started": _day(r["started"]), "ended": _day(r["ended"]), "source": r["source"],
                "is_change": r["is_change"], "acknowledged_at": _moment(r["acknowledged_at"]),
                "created_at": _moment(r["created_at"])} for r in item["roles"]]
            children[PlanItem] += [{"contact_id": cid, "kind": p["kind"], "text": p["text"],
                                    "created_at": _moment(p["created_at"]),
                                    "done_at": _moment(p["done_at"])} for p in item["plan"]]
            children[TrustChange] += [{"contact_id": cid, "trust": t["trust"],
                                       "changed_at": _moment(t["changed_at"]),
                                       "note": t["note"]} for t in item["trust_history"]]
        for model, rows_of in children.items():
            insert_rows(self.session, model, rows_of)

    def write_links(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, ContactLink, [{
            "owner_id": self.owner_id, "a_id": self.contact(i["a"]), "b_id": self.contact(i["b"]),
            "kind": i["kind"], "source": i["source"], "created_at": _moment(i["created_at"])}
            for i in items])

    def write_interactions(self, items: list[dict[str, Any]]) -> None:
        base = len(self.interactions)
        rows = []
        for offset, item in enumerate(items, start=1):
            if item["ref"] != base + offset:
                raise self.file.error(f"interaction ref {item['ref']} out of order")
            reply = item["reply_to"]
            rows.append({
                "owner_id": self.owner_id, "occurred_at": _moment(item["occurred_at"]),
                "duration_minutes": item["duration_minutes"], "format": item["format"],
                "initiated_by": item["initiated_by"], "topics": item["topics"],
                "summary": item["summary"], "notes": item["notes"], "depth": item["depth"],
                "source": item["source"], "source_key": item["source_key"],
                "attendee_count": item["attendee_count"], "thread_key": item["thread_key"],
                "reply_to_id": self.interactions[reply - 1]
                if reply is not None and reply <= base else None,
                "created_at": _moment(item["created_at"]),
                "updated_at": _moment(item["updated_at"]),
            })
        new_ids = insert_with_ids(self.session, Interaction, rows)
        self.interactions.extend(new_ids)
        people = []
        for iid, item in zip(new_ids, items, strict=True):
            if item["reply_to"] is not None and item["reply_to"] > base:
                self.later_reply.append((iid, item["reply_to"], _moment(item["updated_at"])))
            people += [{"interaction_id": iid, "contact_id": self.contact(ref)}
                       for ref in item["participants"]]
        insert_rows(self.session, InteractionParticipant, people)

    def write_values(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, ValueExchange, [{
            "owner_id": self.owner_id, "contact_id": self.contact(i["contact"]),
            "interaction_id": self.interaction(i["interaction"]), "direction": i["direction"],
            "kind": i["kind"], "category": i["category"], "description": i["description"],
            "occurred_at": _moment(i["occurred_at"]), "created_at": _moment(i["created_at"])}
            for i in items])

    def write_followups(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, FollowUp, [{
            "owner_id": self.owner_id, "contact_id": self.contact(i["contact"]),
            "interaction_id": self.interaction(i["interaction"]), "text": i["text"],
            "due": _day(i["due"]), "done_at": _moment(i["done_at"]),
            "snoozed_until": _day(i["snoozed_until"]), "created_at": _moment(i["created_at"])}
            for i in items])

    def write_resources(self, items: list[dict[str, Any]]) -> None:
        new_ids = insert_with_ids(self.session, Resource, [{
            "owner_id": self.owner_id, "title": i["title"], "url": i["url"],
            "topics": i["topics"], "notes": i["notes"], "created_at": _moment(i["created_at"]),
            "updated_at": _moment(i["updated_at"])} for i in items])
        insert_rows(self.session, ResourceShare, [
            {"resource_id": rid, "contact_id": self.contact(ref), "shared_at": _moment(at)}
            for rid, i in zip(new_ids, items, strict=True) for ref, at in i["shares"]])

    def write_goals(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, Goal, [{
            "owner_id": self.owner_id, "description": i["description"], "metric": i["metric"],
            "comparator": i["comparator"], "target": i["target"], "period": i["period"],
            "scope": i["scope"], "created_at": _moment(i["created_at"]),
            "updated_at": _moment(i["updated_at"])} for i in items])

    def write_reminders(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, ReminderState, [{
            "owner_id": self.owner_id, "contact_id": self.contact(i["contact"]),
            "kind": i["kind"], "key": i["key"], "snoozed_until": _day(i["snoozed_until"]),
            "dismissed_at": _moment(i["dismissed_at"]),
            "dismissed_until": _day(i["dismissed_until"])} for i in items])

    def write_audit(self, items: list[dict[str, Any]]) -> None:
        insert_rows(self.session, AuditEntry, [{
            "owner_id": self.owner_id, "contact_id": self.contact(i["contact"]),
            "actor": i["actor"], "action": i["action"], "changes": i["changes"],
            "at": _moment(i["at"])} for i in items])

    def finish(self) -> None:
        """Set the forward references, keeping each row's own updated_at."""
        self.guarded(lambda _: self._forward(), [])

    def _forward(self) -> None:
        # Core statements: the ORM's bulk update would insist on the contact's version.
        contacts = cast(Table, Contact.__table__)
        interactions = cast(Table, Interaction.__table__)
        if self.later_intro:
            self.session.execute(
                update(contacts).where(contacts.c.id == bindparam("row_id"))
                .values(introduced_by_id=bindparam("target"), updated_at=bindparam("at")),
                [{"row_id": cid, "target": self.contact(ref), "at": at}
                 for cid, ref, at in self.later_intro])
        if self.later_reply:
            self.session.execute(
                update(interactions).where(interactions.c.id == bindparam("row_id"))
                .values(reply_to_id=bindparam("target"), updated_at=bindparam("at")),
                [{"row_id": iid, "target": self.interaction(ref), "at": at}
                 for iid, ref, at in self.later_reply])


def restore(session: Session, *, owner_id: int, path: Path) -> dict[str, Any]:
    """Insert everything in the backup into the (empty) account; returns the summary."""
    from tiekeep.services import contacts as contact_service

    counts: dict[str, int] = {}
    with path.open("rb") as stream:
        source = _File(path, stream)
        user_fields = source.header()
        work = _Restore(session, owner_id, source)
        for index, name in enumerate(_SECTIONS):
            counts[name] = work.chunked(name, index == len(_SECTIONS) - 1,
                                        getattr(work, f"write_{name}"))
        source.expect("}")
        if stream.read(1).strip():
            raise source.error("text after the end of the backup")
        work.finish()
    user = session.get(User, owner_id)
    if user is not None:
        for name in ("display_name", "time_zone", "locale", "organization", "department"):
            if name in user_fields:
                setattr(user, name, user_fields[name])
    ids = list(work.contacts)
    for start in range(0, len(ids), CHUNK):
        contact_service.reindex(session, owner_id=owner_id, contact_ids=ids[start:start + CHUNK])
    session.flush()
    return {"created": counts["contacts"], "interactions": counts["interactions"]}
