"""The dashboard: today's agenda with done and snooze, follow-ups, cadence health, charts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tiekeep.web import views
from tiekeep.web.deps import CurrentUser, ReadSession
from tiekeep.web.rendering import render

router = APIRouter()


@router.get("/", name="dashboard")
def dashboard(request: Request, user: CurrentUser, session: ReadSession) -> Response:
    """Today at a glance (JSON twin: GET /api/v1/dashboard)."""
    data: dict[str, Any] = views.dashboard(session, owner_id=user.id)
    return render(request, "dashboard.html", {"data": data,
                                              "json_twin": request.url_for("api_dashboard")},
                  user=user)
