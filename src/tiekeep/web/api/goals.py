"""/api/v1/goals and /api/v1/resources: goals on network metrics with their progress, and
resources worth sharing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tiekeep.services import goals, resources
from tiekeep.web import schemas
from tiekeep.web.api.interactions import aware
from tiekeep.web.deps import CurrentUser, ReadSession, WriteSession

router = APIRouter()
GoalId = schemas.IdPath
ResourceId = schemas.IdPath


@router.get("/goals", tags=["goals"], response_model=list[dict[str, Any]])
def list_goals(user: CurrentUser, session: ReadSession) -> list[dict[str, Any]]:
    """Every goal with its progress in the current period."""
    return goals.progress(session, owner_id=user.id)


@router.post("/goals", tags=["goals"], status_code=201, response_model=dict[str, Any])
def create_goal(body: schemas.GoalCreate, user: CurrentUser,
                session: WriteSession) -> dict[str, Any]:
    """Add a goal on a registered metric, e.g. cadence_health.key >= 90 per quarter."""
    goal = goals.create(session, owner_id=user.id, data=goals.GoalCreate(
        description=body.description, metric=body.metric, target=body.target,
        comparator=body.comparator, period=body.period, scope=body.scope))
    return goals.to_dict(goal)


@router.delete("/goals/{goal_id}", tags=["goals"], status_code=204)
def delete_goal(goal_id: GoalId, user: CurrentUser, session: WriteSession) -> None:
    """Remove a goal."""
    goals.delete(session, owner_id=user.id, goal_id=goal_id)


@router.get("/resources", tags=["resources"], response_model=list[dict[str, Any]])
def list_resources(user: CurrentUser, session: ReadSession) -> list[dict[str, Any]]:
    """Your resources, with whom each was shared."""
    rows = resources.list(session, owner_id=user.id)
    shared = resources.shared_with(session, resource_ids=[r.id for r in rows])
    return [resources.to_dict(r, shared.get(r.id, [])) for r in rows]


@router.post("/resources", tags=["resources"], status_code=201,
             response_model=dict[str, Any])
def create_resource(body: schemas.ResourceCreate, user: CurrentUser,
                    session: WriteSession) -> dict[str, Any]:
    """Add an article, link or document worth sharing."""
    row = resources.create(session, owner_id=user.id, data=resources.ResourceCreate(
        url=body.url, title=body.title, topics=body.topics, notes=body.notes))
    return resources.to_dict(row)


@router.get("/resources/{resource_id}", tags=["resources"], response_model=dict[str, Any])
def get_resource(resource_id: ResourceId, user: CurrentUser,
                 session: ReadSession) -> dict[str, Any]:
    """One resource, with whom it was shared and who else would value it."""
    row = resources.get(session, owner_id=user.id, resource_id=resource_id)
    shared = resources.shared_with(session, resource_ids=[row.id])
    result = resources.to_dict(row, shared.get(row.id, []))
    result["interested"] = [{"id": c.id, "name": c.display_name} for c in
                            resources.interested(session, owner_id=user.id,
                                                 resource_id=resource_id)]
    return result


@router.post("/resources/{resource_id}/share", tags=["resources"],
             response_model=dict[str, Any])
def share_resource(resource_id: ResourceId, body: schemas.ShareIn, user: CurrentUser,
                   session: WriteSession) -> dict[str, Any]:
    """Record that you shared the resource (an information value given to each)."""
    result = resources.share(session, owner_id=user.id, resource_id=resource_id,
                             contact_ids=body.contact_ids,
                             at=aware(body.at, user) if body.at else None)
    return {"shared": [{"id": c.id, "name": c.display_name} for c in result.shared],
            "already": [{"id": c.id, "name": c.display_name} for c in result.already]}
