"""The JSON API under /api/v1: one module per resource, all behind the CurrentUser guard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tiekeep.web.schemas import ErrorOut

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in (
        (400, "Malformed request: a body that is not JSON, or not valid form data"),
        (401, "Not logged in, or a bad token"),
        (403, "Forbidden (e.g. a missing CSRF token with a session cookie)"),
        (404, "No such object (or not yours)"),
        (409, "Conflict: changed concurrently, or ambiguous"),
        (413, "Request too large"),
        (422, "Invalid input"),
    )
}


def build_router() -> APIRouter:
    """Every API module's router under /api/v1."""
    from tiekeep.web.api import (
        agenda,
        contacts,
        dashboard,
        followups,
        goals,
        imports,
        interactions,
        me,
        plans,
        stats,
        values,
    )

    router = APIRouter(prefix="/api/v1", responses=ERRORS)
    for module in (contacts, interactions, values, followups, plans, agenda, me, dashboard,
                   imports, stats, goals):
        router.include_router(module.router)
    return router
