"""The interaction plan of a contact: topics to raise, ways to support, the next meeting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core import dialect
from tiekeep.core.models import PlanItem, utcnow
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, parsing

KINDS = ("topic", "support")


def add(session: Session, *, owner_id: int, contact_id: int, kind: str, text: str) -> PlanItem:
    """Add a topic to raise or a way to support the contact."""
    contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    if kind not in KINDS:
        raise InvalidInput(f"unknown plan item kind '{kind}' (choose from: topic, support)")
    text = parsing.required_text(text, what="plan item", missing="a plan item needs some text")
    item = PlanItem(contact_id=contact_id, kind=kind, text=text)
    session.add(item)
    session.flush()
    return item


def complete(session: Session, *, owner_id: int, item_id: int) -> PlanItem:
    """Mark a plan item done (raised, or support given)."""
    item = session.get(PlanItem, item_id) if dialect.valid_id(item_id) else None
    if item is None:
        raise NotFound(f"no plan item with id {item_id}")
    contacts.get(session, owner_id=owner_id, contact_id=item.contact_id)
    item.done_at = item.done_at or utcnow()
    return item


def set_next_meeting(session: Session, *, owner_id: int, contact_id: int,
                     at: datetime | None) -> None:
    """Set (or clear, with None) the next planned meeting."""
    contact = contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    contact.next_meeting_at = at


def view(session: Session, *, owner_id: int, contact_id: int) -> dict[str, Any]:
    """The plan of a contact: open topics, open ways to support, next meeting, cadence."""
    contact = contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    items = session.scalars(select(PlanItem).where(PlanItem.contact_id == contact_id,
                                                   PlanItem.done_at.is_(None))
                            .order_by(PlanItem.id)).all()
    return {
        "topics": [{"id": i.id, "text": i.text} for i in items if i.kind == "topic"],
        "support": [{"id": i.id, "text": i.text} for i in items if i.kind == "support"],
        "next_meeting": contact.next_meeting_at.isoformat() if contact.next_meeting_at
        else None,
        "cadence_days": contact.cadence_days,
    }
