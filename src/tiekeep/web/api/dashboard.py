"""/api/v1/dashboard: the dashboard page's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tiekeep.web import views
from tiekeep.web.api.agenda import config_for
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", name="api_dashboard")
def get_dashboard(request: Request, user: CurrentUser, state: StateDep,
                  session: ReadSession) -> dict[str, Any]:
    """Today's agenda (top 20), open follow-ups and the value balance (the dashboard)."""
    config = config_for(state, request, user)
    return state.cache.get(
        ("dashboard", user.id, config.today(), config.locale, config.time_zone),
        lambda: views.dashboard(session, owner_id=user.id, config=config,
                                settings=state.settings))
