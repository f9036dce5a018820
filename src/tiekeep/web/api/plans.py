"""/api/v1/contacts/{id}/plan and /api/v1/plan-items: topics to raise, ways to support, and
the next planned meeting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tiekeep.services import plans
from tiekeep.web import schemas
from tiekeep.web.api.interactions import aware
from tiekeep.web.deps import CurrentUser, ReadSession, WriteSession

router = APIRouter(tags=["plans"])


@router.get("/contacts/{contact_id}/plan", response_model=schemas.PlanPublic)
def get_plan(contact_id: schemas.IdPath, user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """The contact's plan: open topics, ways to support, next meeting and cadence."""
    return plans.view(session, owner_id=user.id, contact_id=contact_id)


@router.post("/contacts/{contact_id}/plan", response_model=schemas.PlanItemPublic,
             status_code=201)
def add_plan_item(contact_id: schemas.IdPath, body: schemas.PlanItemCreate, user: CurrentUser,
                  session: WriteSession) -> dict[str, Any]:
    """Add a topic to raise next time, or a way to support the contact."""
    item = plans.add(session, owner_id=user.id, contact_id=contact_id, kind=body.kind,
                     text=body.text)
    return {"id": item.id, "contact_id": item.contact_id, "kind": item.kind,
            "text": item.text, "done": item.done_at is not None}


@router.put("/contacts/{contact_id}/plan/next-meeting", response_model=schemas.PlanPublic)
def set_next_meeting(contact_id: schemas.IdPath, body: schemas.NextMeetingIn, user: CurrentUser,
                     session: WriteSession) -> dict[str, Any]:
    """Set or clear the next planned meeting."""
    plans.set_next_meeting(session, owner_id=user.id, contact_id=contact_id,
                           at=aware(body.at, user) if body.at else None)
    return plans.view(session, owner_id=user.id, contact_id=contact_id)


@router.post("/plan-items/{item_id}/done", response_model=schemas.PlanItemPublic)
def complete_plan_item(item_id: schemas.IdPath,
                       user: CurrentUser, session: WriteSession) -> dict[str, Any]:
    """Mark a plan item done (raised, or support given)."""
    item = plans.complete(session, owner_id=user.id, item_id=item_id)
    return {"id": item.id, "contact_id": item.contact_id, "kind": item.kind,
            "text": item.text, "done": True}
