"""The value ledger: what was given and received, of which kind, and the balance."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tiekeep.core.enums import Direction, ValueKind, parse_choice
from tiekeep.core.models import ValueExchange, utcnow
from tiekeep.errors import InvalidInput
from tiekeep.services import contacts, parsing

CAREER_CATEGORIES = ("recommendation", "referral", "advice", "opportunity")


@dataclass
class ValueCreate:
    contact_id: int
    direction: str
    kind: str
    description: str
    occurred_at: datetime | None = None
    interaction_id: int | None = None
    category: str | None = None


def create(session: Session, *, owner_id: int, data: ValueCreate) -> ValueExchange:
    """Record one exchange of value with a contact."""
    contacts.get(session, owner_id=owner_id, contact_id=data.contact_id)
    description = parsing.required_text(data.description, what="value description",
                                        missing="a value exchange needs a description")
    category = data.category.strip().lower() if data.category else None
    if category and category not in CAREER_CATEGORIES:
        raise InvalidInput(f"unknown category '{data.category}' "
                           f"(choose from: {', '.join(CAREER_CATEGORIES)})")
    row = ValueExchange(
        owner_id=owner_id,
        contact_id=data.contact_id,
        interaction_id=data.interaction_id,
        direction=parse_choice(Direction, data.direction, "direction").value,
        kind=parse_choice(ValueKind, data.kind, "value kind").value,
        category=category,
        description=description,
        occurred_at=data.occurred_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def list(session: Session, *, owner_id: int, contact_id: int | None = None,  # noqa: A001
         limit: int = 200) -> builtins.list[ValueExchange]:
    """The latest exchanges, of one contact or of all, newest first."""
    query = select(ValueExchange).where(ValueExchange.owner_id == owner_id)
    if contact_id is not None:
        query = query.where(ValueExchange.contact_id == contact_id)
    return [*session.scalars(query.order_by(ValueExchange.occurred_at.desc()).limit(limit))]


def balance(session: Session, *, owner_id: int, contact_id: int | None = None,
            since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Reciprocity balance: given − received, per kind and overall, over a window.

    Every exchange counts as one unit of value; the ledger records kinds, not amounts.
    """
    given = func.sum(case((ValueExchange.direction == Direction.GIVEN.value, 1), else_=0))
    received = func.sum(case((ValueExchange.direction == Direction.RECEIVED.value, 1), else_=0))
    query = (select(ValueExchange.kind, given, received)
             .where(ValueExchange.owner_id == owner_id).group_by(ValueExchange.kind))
    if contact_id is not None:
        query = query.where(ValueExchange.contact_id == contact_id)
    if since is not None:
        query = query.where(ValueExchange.occurred_at >= since)
    if until is not None:
        query = query.where(ValueExchange.occurred_at < until)
    per_kind = {k.value: {"given": 0, "received": 0, "balance": 0} for k in ValueKind}
    for kind, g, r in session.execute(query):
        per_kind[kind] = {"given": int(g or 0), "received": int(r or 0),
                          "balance": int(g or 0) - int(r or 0)}
    total_given = sum(v["given"] for v in per_kind.values())
    total_received = sum(v["received"] for v in per_kind.values())
    return {"given": total_given, "received": total_received,
            "balance": total_given - total_received, "by_kind": per_kind}


def to_dict(row: ValueExchange) -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "direction": row.direction,
        "kind": row.kind,
        "category": row.category,
        "description": row.description,
        "occurred_at": row.occurred_at.isoformat(),
        "interaction_id": row.interaction_id,
    }
