"""The calendar subscription feed: reminders and follow-ups as ICS, at a secret URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tiekeep.errors import NotFound
from tiekeep.web.deps import StateDep, WebState

router = APIRouter()


def _feed(state: WebState, token: str) -> bytes:
    from tiekeep.services import accounts

    with state.db.reading() as session:
        user = accounts.get_by_calendar_token(session, token=token)
        if user is None:
            raise NotFound("no such calendar (the URL was revoked or mistyped)")
        try:
            from tiekeep.adapters import ics_export
        except ImportError:
            raise NotFound("the calendar feed is not available in this version") from None
        return ics_export.feed(session, owner_id=user.id, settings=state.settings)


@router.get("/calendar/{token}.ics", name="calendar_feed")
async def calendar_feed(token: Annotated[str, Path(max_length=64)], state: StateDep) -> Response:
    """The user's reminders feed; the token in the URL is the only credential."""
    body = await run_in_threadpool(_feed, state, token)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})
