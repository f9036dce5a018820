"""/api/v1/values: the value ledger (what was given and received) and its balance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tiekeep.services import contacts, values
from tiekeep.web import schemas
from tiekeep.web.api.interactions import aware
from tiekeep.web.deps import CurrentUser, ReadSession, WriteSession

router = APIRouter(prefix="/values", tags=["values"])


@router.get("", response_model=schemas.ValueLedger)
def ledger(user: CurrentUser, session: ReadSession,
           contact_id: Annotated[int | None, Query(ge=1, le=schemas.MAX_ID,
                                             description="Only this contact")] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The latest exchanges and the balance (given − received), of one contact or all."""
    if contact_id is not None:
        contacts.get(session, owner_id=user.id, contact_id=contact_id)
    rows = values.list(session, owner_id=user.id, contact_id=contact_id, limit=limit)
    return {"values": [values.to_dict(v) for v in rows],
            "balance": values.balance(session, owner_id=user.id, contact_id=contact_id)}


@router.post("", response_model=schemas.ValuePublic, status_code=201)
def add_value(body: schemas.ValueCreate, user: CurrentUser,
              session: WriteSession) -> dict[str, Any]:
    """Record value given to or received from a contact."""
    when = aware(body.occurred_at, user) if body.occurred_at else None
    return values.to_dict(values.create(session, owner_id=user.id, data=body.to_service(when)))
