"""/api/v1/dashboard: the dashboard page's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tiekeep.web import views
from tiekeep.web.deps import CurrentUser, ReadSession

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", name="api_dashboard")
def get_dashboard(user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """Today's agenda, open follow-ups, value balance and chart data (the dashboard's data)."""
    return views.dashboard(session, owner_id=user.id)
