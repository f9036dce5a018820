"""/api/v1/stats and /api/v1/graph: network health with trends, and the contact graph
(introduction paths, brokers, clusters). Both are heavy on a large network; results are
cached until the data changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from tiekeep.errors import InvalidInput
from tiekeep.services import graph, metrics, parsing
from tiekeep.settings import Settings
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WebState

router = APIRouter(tags=["stats and graph"])
MAX_PERIOD_DAYS = 3660
Period = Annotated[str, Query(max_length=8, pattern=r"^\s*\d{1,4}\s*[dwmyDWMY]\s*$",
                              description="e.g. 90d, 12w, 6m, 1y")]


def stats_for(session: Session, state: WebState, owner_id: int, period: str) -> dict[str, Any]:
    """Every metric over the period, with trends (cached for the day until data changes)."""
    days = parsing.period(period).days
    if days > MAX_PERIOD_DAYS:
        raise InvalidInput(f"the period may be at most {MAX_PERIOD_DAYS} days, not {days}")
    rules = metrics.rules_from_settings(state.settings)
    return state.cache.get(
        ("stats", owner_id, days, datetime.now(UTC).date()),
        lambda: metrics.stats(session, owner_id=owner_id, period_days=days, **rules))


def cadence_health(session: Session, settings: Settings, owner_id: int) -> dict[str, Any]:
    """The share of key and regular ties within their cadence, now (one quick query)."""
    now = datetime.now(UTC)
    ctx = metrics.make_context(session, owner_id=owner_id, now=now,
                               **metrics.rules_from_settings(settings))
    current, _ = metrics.periods(now, 1)
    measured = metrics.measure(ctx, [current], wanted=["cadence_health"])
    return dict(measured[0]["cadence_health"].figures)


@router.get("/stats")
def get_stats(user: CurrentUser, state: StateDep, session: ReadSession,
              period: Period = "90d") -> dict[str, Any]:
    """Network health: size, activity, formats, diversity, reciprocity, trust, career,
    cadence health and strength layers, each with its previous value; goals' progress."""
    return stats_for(session, state, user.id, period)


@router.get("/stats/cadence-health")
def get_cadence_health(user: CurrentUser, state: StateDep,
                       session: ReadSession) -> dict[str, Any]:
    """The share (%) of key and regular ties within their cadence, and the counts."""
    return cadence_health(session, state.settings, user.id)


@router.get("/graph/intro")
def get_intro_paths(user: CurrentUser, state: StateDep, session: ReadSession,
                    target: Annotated[str, Query(min_length=1, max_length=300,
                                                 pattern=r"^[^\x00-\x1f]+$",
                                                 description="A contact (id, email or name), "
                                                 "or org:NAME, or dept:NAME")],
                    limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict[str, Any]:
    """Who can introduce me to the target, ranked by the strength of the whole path."""
    return state.cache.get(
        ("intro", user.id, target.strip().lower(), limit),
        lambda: graph.intro_path(session, owner_id=user.id, target=target, limit=limit))


@router.get("/graph/brokers")
def get_brokers(user: CurrentUser, state: StateDep, session: ReadSession,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Contacts who bridge departments or organizations."""
    return state.cache.get(
        ("brokers", user.id, limit),
        lambda: graph.brokers(session, owner_id=user.id, limit=limit))


@router.get("/graph/clusters")
def get_clusters(user: CurrentUser, state: StateDep, session: ReadSession,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Communities of contacts, largest first, with what they share."""
    return state.cache.get(
        ("clusters", user.id, limit),
        lambda: graph.clusters(session, owner_id=user.id, limit=limit))


def review_for(session: Session, state: WebState, owner_id: int, period: str) -> dict[str, Any]:
    """The network review of the last week or quarter (cached until the data changes)."""
    from tiekeep.services import review

    rules = metrics.rules_from_settings(state.settings)
    return state.cache.get(
        ("review", owner_id, period, datetime.now(UTC).date()),
        lambda: review.build(session, owner_id=owner_id, period=period, **rules))


@router.get("/review")
def get_review(user: CurrentUser, state: StateDep, session: ReadSession,
               period: Annotated[str, Query(pattern="^(week|quarter)$")] = "week"
               ) -> dict[str, Any]:
    """The review: what changed, neglected key ties, balance, goals, and a plan (whom to
    see, what to share, whom to thank)."""
    return review_for(session, state, user.id, period)
