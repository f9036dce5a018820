"""/api/v1/followups: next steps with due dates; done and snooze."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tiekeep.services import contacts, followups
from tiekeep.web import schemas, views
from tiekeep.web.deps import CurrentUser, ReadSession, WriteSession

router = APIRouter(prefix="/followups", tags=["follow-ups"])


@router.get("", response_model=list[schemas.FollowUpPublic])
def list_followups(user: CurrentUser, session: ReadSession,
                   contact_id: Annotated[int | None, Query(ge=1, le=schemas.MAX_ID)] = None,
                   include_done: bool = False) -> list[dict[str, Any]]:
    """Open follow-ups (or all), soonest first."""
    if contact_id is not None:
        contacts.get(session, owner_id=user.id, contact_id=contact_id)
    return [views.followup_dict(f) for f in followups.list(
        session, owner_id=user.id, contact_id=contact_id, include_done=include_done)]


@router.post("", response_model=schemas.FollowUpPublic, status_code=201)
def add_followup(body: schemas.FollowUpCreate, user: CurrentUser,
                 session: WriteSession) -> dict[str, Any]:
    """Add a follow-up for a contact."""
    row = followups.create(session, owner_id=user.id, contact_id=body.contact_id,
                           text=body.text, due=body.due)
    return followups.to_dict(row)


@router.get("/{followup_id}", response_model=schemas.FollowUpPublic)
def get_followup(followup_id: schemas.IdPath,
                 user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """One follow-up."""
    return views.followup_dict(followups.get(session, owner_id=user.id,
                                             followup_id=followup_id))


@router.post("/{followup_id}/done", response_model=schemas.FollowUpPublic)
def complete_followup(followup_id: schemas.IdPath, user: CurrentUser,
                      session: WriteSession) -> dict[str, Any]:
    """Mark a follow-up done."""
    return followups.to_dict(followups.complete(session, owner_id=user.id,
                                                followup_id=followup_id))


@router.post("/{followup_id}/snooze", response_model=schemas.FollowUpPublic)
def snooze_followup(followup_id: schemas.IdPath, body: schemas.SnoozeIn, user: CurrentUser,
                    session: WriteSession) -> dict[str, Any]:
    """Hide a follow-up until a date."""
    return followups.to_dict(followups.snooze(session, owner_id=user.id,
                                              followup_id=followup_id, until=body.until))
