"""Follow-ups: next steps with due dates, closed when done, hidden while snoozed."""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tiekeep.core import dialect
from tiekeep.core.models import FollowUp, utcnow
from tiekeep.errors import NotFound
from tiekeep.services import contacts, parsing


def create(session: Session, *, owner_id: int, contact_id: int, text: str,
           due: date | None = None, interaction_id: int | None = None) -> FollowUp:
    """Add a follow-up for a contact."""
    contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    text = parsing.required_text(text, what="follow-up", missing="a follow-up needs some text")
    row = FollowUp(owner_id=owner_id, contact_id=contact_id, text=text, due=due,
                   interaction_id=interaction_id)
    session.add(row)
    session.flush()
    return row


def get(session: Session, *, owner_id: int, followup_id: int) -> FollowUp:
    """The owner's follow-up with that id, or NotFound."""
    row = None
    if dialect.valid_id(followup_id):
        row = session.scalar(select(FollowUp).where(FollowUp.id == followup_id,
                                                    FollowUp.owner_id == owner_id))
    if row is None:
        raise NotFound(f"no follow-up with id {followup_id}")
    return row


def list(session: Session, *, owner_id: int, contact_id: int | None = None,  # noqa: A001
         include_done: bool = False) -> builtins.list[FollowUp]:
    """Follow-ups, open ones first by due date."""
    query = select(FollowUp).where(FollowUp.owner_id == owner_id).options(
        selectinload(FollowUp.contact))
    if contact_id is not None:
        query = query.where(FollowUp.contact_id == contact_id)
    if not include_done:
        query = query.where(FollowUp.done_at.is_(None))
    query = query.order_by(FollowUp.done_at.is_not(None), FollowUp.due.is_(None), FollowUp.due,
                           FollowUp.id)
    return [*session.scalars(query)]


def complete(session: Session, *, owner_id: int, followup_id: int) -> FollowUp:
    """Mark a follow-up done."""
    row = get(session, owner_id=owner_id, followup_id=followup_id)
    if row.done_at is None:
        row.done_at = utcnow()
    return row


def snooze(session: Session, *, owner_id: int, followup_id: int, until: date) -> FollowUp:
    """Hide a follow-up from the agenda until a date."""
    row = get(session, owner_id=owner_id, followup_id=followup_id)
    row.snoozed_until = until
    return row


def to_dict(row: FollowUp) -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "text": row.text,
        "due": row.due.isoformat() if row.due else None,
        "done_at": row.done_at.isoformat() if row.done_at else None,
        "snoozed_until": row.snoozed_until.isoformat() if row.snoozed_until else None,
    }
