"""/api/v1/interactions: log an interaction with one or more contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from tiekeep.services import interactions, parsing
from tiekeep.web import schemas
from tiekeep.web.deps import CurrentUser, Principal, StateDep, WriteSession

router = APIRouter(prefix="/interactions", tags=["interactions"])


def aware(moment: datetime | None, user: Principal) -> datetime:
    """A moment from input: now if absent, in the user's zone if it has none."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=parsing.zone(user.time_zone))
    return moment.astimezone(UTC)


@router.post("", response_model=schemas.InteractionPublic, status_code=201)
def log_interaction(body: schemas.InteractionCreate, user: CurrentUser, state: StateDep,
                    session: WriteSession) -> dict[str, Any]:
    """Record an interaction, with the value exchanged and next steps, as one unit."""
    rules = interactions.QualifyingRules.from_settings(state.settings)
    interaction = interactions.log(session, owner_id=user.id,
                                   data=body.to_service(aware(body.occurred_at, user)),
                                   rules=rules)
    return interactions.to_dict(interaction)
