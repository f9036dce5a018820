"""The dashboard: today's agenda with one-click done and snooze, follow-ups, value balance,
and the forms that act on agenda items."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from tiekeep.services import agenda, interactions
from tiekeep.web import schemas, views
from tiekeep.web.api.agenda import config_for
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WriteSession
from tiekeep.web.rendering import N_, redirect, render, safe_next, translations

router = APIRouter()
Back = Annotated[str, Form(max_length=2000)]


@router.get("/", name="dashboard")
def dashboard(request: Request, user: CurrentUser, state: StateDep,
              session: ReadSession) -> Response:
    """Today at a glance (JSON twin: GET /api/v1/dashboard)."""
    config = config_for(state, request, user)
    data: dict[str, Any] = state.cache.get(
        ("dashboard", user.id, config.today(), config.locale, config.time_zone),
        lambda: views.dashboard(session, owner_id=user.id, config=config,
                                settings=state.settings))
    return render(request, "dashboard.html", {"data": data,
                                              "json_twin": request.url_for("api_dashboard")},
                  user=user)


def _back(request: Request, user: Any, back: str, message: str) -> Response:
    _, catalog = translations(request, user)
    return redirect(request, safe_next(back, str(request.url_for("dashboard"))),
                    flash=catalog.gettext(message))


@router.post("/agenda/{contact_id}/done", name="agenda_done_form")
def agenda_done_form(request: Request, contact_id: schemas.IdPath,
                     user: CurrentUser, state: StateDep,
                     session: WriteSession, back: Back = "") -> Response:
    """Mark an item done: a quick interaction that resets the cadence."""
    config = config_for(state, request, user)
    agenda.done(session, owner_id=user.id, contact_id=contact_id, today=config.today(),
                config=config, rules=interactions.QualifyingRules.from_settings(state.settings))
    return _back(request, user, back, N_("Done."))


@router.post("/agenda/{contact_id}/snooze", name="agenda_snooze_form")
def agenda_snooze_form(request: Request, contact_id: schemas.IdPath,
                       user: CurrentUser, state: StateDep,
                       session: WriteSession, back: Back = "",
                       kind: Annotated[str, Form(max_length=16)] = "*",
                       days: Annotated[int, Form(ge=1, le=365)] = 7) -> Response:
    """Hide a contact's items for some days."""
    today = config_for(state, request, user).today()
    agenda.snooze(session, owner_id=user.id, contact_id=contact_id,
                  until=today + timedelta(days=days), today=today, kind=kind)
    return _back(request, user, back, N_("Snoozed."))


@router.post("/agenda/{contact_id}/dismiss", name="agenda_dismiss_form")
def agenda_dismiss_form(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                        state: StateDep, session: WriteSession, back: Back = "",
                        kind: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Dismiss a date, role-change, project or give-first reminder."""
    config = config_for(state, request, user)
    agenda.dismiss(session, owner_id=user.id, contact_id=contact_id, today=config.today(),
                   config=config, kind=kind or None)
    return _back(request, user, back, N_("Dismissed."))
