"""/api/v1/agenda: whom to reach today and why, and acting on it (done, snooze, dismiss)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tiekeep.services import agenda, interactions
from tiekeep.web import schemas
from tiekeep.web.api.interactions import aware
from tiekeep.web.deps import (
    CurrentUser,
    Principal,
    ReadSession,
    StateDep,
    WebState,
    WriteSession,
    request_locale,
)

router = APIRouter(prefix="/agenda", tags=["agenda"])


def config_for(state: WebState, request: Request, user: Principal) -> agenda.AgendaConfig:
    """The agenda settings, in the user's own time zone and language."""
    base = agenda.AgendaConfig.from_settings(state.settings)
    return dataclasses.replace(base, time_zone=user.time_zone or base.time_zone,
                               locale=request_locale(request, user))


def items(session: Any, *, state: WebState, request: Request, user: Principal,
          day: date | None, limit: int | None) -> dict[str, Any]:
    """The agenda of a day (today in the user's zone by default) as JSON."""
    config = config_for(state, request, user)
    day = day or config.today()
    built = agenda.build(session, owner_id=user.id, today=day, config=config, limit=limit)
    return {"date": day.isoformat(), "items": [item.to_dict() for item in built]}


@router.get("", response_model=schemas.AgendaPublic)
def get_agenda(request: Request, user: CurrentUser, state: StateDep, session: ReadSession,
               day: Annotated[schemas.Day | None, Query(alias="date")] = None,
               limit: Annotated[int | None, Query(ge=1, le=10_000)] = None) -> dict[str, Any]:
    """The agenda, most urgent first (every item unless ``limit`` is given)."""
    return items(session, state=state, request=request, user=user, day=day, limit=limit)


@router.post("/{contact_id}/done", response_model=schemas.InteractionPublic)
def agenda_done(request: Request, contact_id: schemas.IdPath, body: schemas.AgendaDone,
                user: CurrentUser, state: StateDep, session: WriteSession) -> dict[str, Any]:
    """Log a quick interaction: it resets the cadence and settles today's reminders."""
    config = config_for(state, request, user)
    rules = interactions.QualifyingRules.from_settings(state.settings)
    interaction = agenda.done(session, owner_id=user.id, contact_id=contact_id,
                              today=config.today(), config=config, format=body.format,
                              note=body.note, at=aware(body.at, user) if body.at else None,
                              rules=rules)
    return interactions.to_dict(interaction)


@router.post("/{contact_id}/snooze", response_model=schemas.AgendaSnoozed)
def agenda_snooze(request: Request, contact_id: schemas.IdPath, body: schemas.AgendaSnooze,
                  user: CurrentUser, state: StateDep, session: WriteSession) -> dict[str, Any]:
    """Hide a contact's items (of one kind, or all with "*") until a date."""
    today = config_for(state, request, user).today()
    agenda.snooze(session, owner_id=user.id, contact_id=contact_id, until=body.until,
                  today=today, kind=body.kind)
    return {"contact_id": contact_id, "kind": body.kind, "until": body.until.isoformat()}


@router.post("/{contact_id}/dismiss", response_model=list[dict[str, Any]])
def agenda_dismiss(request: Request, contact_id: schemas.IdPath, body: schemas.AgendaDismiss,
                   user: CurrentUser, state: StateDep,
                   session: WriteSession) -> list[dict[str, Any]]:
    """Dismiss a contact's date, role-change, project and give-first items."""
    config = config_for(state, request, user)
    return [item.to_dict() for item in agenda.dismiss(
        session, owner_id=user.id, contact_id=contact_id, today=config.today(), config=config,
        kind=body.kind)]
