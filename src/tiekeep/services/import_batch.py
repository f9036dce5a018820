"""The write side of an import: new contacts and interactions gathered, then inserted in bulk.

Building an ORM object graph per contact (the contact, its emails, phones, role, tags and
source) costs more than reading the card it came from, so an import collects plain rows and
inserts each table's rows of a batch in one statement. A new contact gets a negative stand-in
id until its batch is written; identity resolution and interactions refer to it by that id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tiekeep.core import search
from tiekeep.core.db import insert_rows, insert_with_ids
from tiekeep.core.dialect import reserve_ids
from tiekeep.core.models import (
    AuditEntry,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactSource,
    ContactTag,
    ContactUrl,
    Interaction,
    InteractionParticipant,
    Role,
    utcnow,
)
from tiekeep.services import contacts


@dataclass
class NewContact:
    """A contact to insert: the contacts row and what hangs off it."""

    values: dict[str, Any]
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)
    tags: list[tuple[int, str]] = field(default_factory=list)  # (tag id, name)
    role: dict[str, Any] | None = None
    key: str | None = None
    # A participant's search document is written once, at the end, with its topics.
    document_later: bool = False

    def search_body(self) -> str:
        """The search document, from the same fields contacts.document_body reads."""
        stand_in = SimpleNamespace(
            display_name=self.values["display_name"], aliases=[], interests=[],
            given_name=self.values.get("given_name"), family_name=self.values.get("family_name"),
            emails=[SimpleNamespace(email=e) for e in self.emails],
            roles=[SimpleNamespace(**self.role)] if self.role else [],
            location=self.values.get("location"),
            personal_notes=self.values.get("personal_notes"),
            how_met=self.values.get("how_met"),
            tags=[SimpleNamespace(name=name) for _, name in self.tags])
        return contacts.document_body(cast(Contact, stand_in), [])


@dataclass
class NewInteraction:
    """An interaction to insert, its participants (stand-in ids allowed) and its parent."""

    values: dict[str, Any]
    people: list[int]
    parent: str | None = None


class Batch:
    """What an import has gathered and not yet written, and what it must finish with."""

    def __init__(self, session: Session, *, owner_id: int, source: str, actor: str) -> None:
        self.session = session
        self.owner_id = owner_id
        self.source = source
        self.actor = actor
        self.pending: dict[int, NewContact] = {}
        self.real: dict[int, int] = {}
        self.interactions: list[NewInteraction] = []
        self.keys: dict[str, int] = {}
        # Replies whose parent has not been seen yet, by the parent's key.
        self.waiting: dict[str, list[int]] = {}
        self.touched: set[int] = set()
        # Contacts whose search documents are rebuilt at the end (new topics, or none yet).
        self.rebuild: set[int] = set()
        self._next = -1

    def __len__(self) -> int:
        return len(self.pending) + len(self.interactions)

    def add_contact(self, new: NewContact) -> int:
        """Queue a contact; returns its stand-in id."""
        placeholder, self._next = self._next, self._next - 1
        self.pending[placeholder] = new
        return placeholder

    def add_interaction(self, new: NewInteraction) -> None:
        self.keys[new.values["source_key"]] = len(self.interactions)
        self.interactions.append(new)

    def real_id(self, contact_id: int) -> int:
        return self.real.get(contact_id, contact_id) if contact_id < 0 else contact_id

    def known(self, keys: list[str]) -> dict[str, int]:
        """The ids of the interactions this source already recorded under these keys."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            found.update((key or "", iid) for key, iid in self.session.execute(
                select(Interaction.source_key, Interaction.id).where(
                    Interaction.owner_id == self.owner_id, Interaction.source == self.source,
                    Interaction.source_key.in_(keys[start:start + 500]))))
        return found

    def write(self) -> int:
        """Insert the batch: ORM changes first, then contacts, then interactions.

        Returns how many of the batch's interactions were already recorded (by an earlier
        import); they are checked here, a batch at a time, rather than one query each.
        """
        self.session.flush()
        if self.pending:
            self._write_contacts()
        return self._write_interactions() if self.interactions else 0

    def _write_contacts(self) -> None:
        items = list(self.pending.items())
        ids = insert_with_ids(self.session, Contact,
                              [{"owner_id": self.owner_id, **new.values} for _, new in items])
        children: dict[Any, list[dict[str, Any]]] = {
            m: [] for m in (ContactEmail, ContactPhone, ContactUrl, ContactTag, ContactSource,
                            Role, AuditEntry)}
        documents = []
        for (placeholder, new), cid in zip(items, ids, strict=True):
            self.real[placeholder] = cid
            children[ContactEmail] += [{"contact_id": cid, "email": e} for e in new.emails]
            children[ContactPhone] += [{"contact_id": cid, "phone": p} for p in new.phones]
            children[ContactUrl] += [{"contact_id": cid, "kind": k, "url": u}
                                     for k, u in new.urls]
            children[ContactTag] += [{"contact_id": cid, "tag_id": t} for t, _ in new.tags]
            if new.key:
                children[ContactSource].append({"owner_id": self.owner_id, "contact_id": cid,
                                                 "source": self.source, "key": new.key})
            if new.role:
                children[Role].append({"contact_id": cid, "source": self.source, **new.role})
            children[AuditEntry].append({
                "owner_id": self.owner_id, "contact_id": cid, "actor": self.actor or "",
                "action": "create", "changes": {"name": new.values["display_name"],
                                                "source": self.source}})
            if new.document_later:
                self.rebuild.add(cid)
            else:
                documents.append(search.Document(cid, self.owner_id, new.search_body()))
        for model, rows in children.items():
            insert_rows(self.session, model, rows)
        search.write_documents(self.session, documents)
        self.pending.clear()

    def _write_interactions(self) -> int:
        earlier = self.known(list(self.keys))
        batch = [new for new in self.interactions if new.values["source_key"] not in earlier]
        ids = reserve_ids(self.session, Interaction, len(batch))
        new_ids = {new.values["source_key"]: iid for new, iid in zip(batch, ids, strict=True)}
        parents = self.known(sorted({new.parent for new in batch if new.parent
                                     and new.parent not in new_ids}))
        now = utcnow()
        rows, people, replies = [], [], []
        for new, iid in zip(batch, ids, strict=True):
            row = {"id": iid, "owner_id": self.owner_id, **new.values, "reply_to_id": None,
                   "created_at": now, "updated_at": now}
            real = [self.real_id(c) for c in new.people]
            people += [{"interaction_id": iid, "contact_id": c} for c in real]
            self.touched.update(real)
            if new.values.get("topics"):
                self.rebuild.update(real)
            for reply_id in self.waiting.pop(new.values["source_key"], []):
                replies.append({"id": reply_id, "reply_to_id": iid})
            if new.parent:
                target = new_ids.get(new.parent) or parents.get(new.parent)
                if target is None:
                    self.waiting.setdefault(new.parent, []).append(iid)
                elif target < iid:  # already written, or earlier in this very insert
                    row["reply_to_id"] = target
                else:  # a later row of this insert: linked once it exists
                    replies.append({"id": iid, "reply_to_id": target})
            rows.append(row)
        insert_rows(self.session, Interaction, rows)
        insert_rows(self.session, InteractionParticipant, people)
        if replies:
            self.session.execute(update(Interaction), replies)
        self.interactions.clear()
        self.keys.clear()
        return len(earlier)
