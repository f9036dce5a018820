"""Goals on network metrics ("key ties within cadence ≥ 90 %", "2 new contacts in Sales per
quarter") and their progress.

A goal names a registered metric (services.metrics.METRICS), a comparator, a target, a
calendar period (week, month, quarter or year) and optionally a scope (department,
organization, tier) for metrics that accept one. Progress is measured over the period that
contains ``now``, from its start up to ``now``; snapshot metrics (size, cadence health,
layers…) are simply taken at ``now``.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Goal
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import metrics, parsing
from tiekeep.services.metrics_sections import Window

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
PERIODS = ("week", "month", "quarter", "year")
# Figures measured over a period; every other figure is a snapshot taken at its end.
PERIOD_SECTIONS = ("activity", "formats", "reciprocity", "career")
PERIOD_FIGURES = ("size.new_contacts", "size.new_per_month")


@dataclass
class GoalCreate:
    """A new goal; the metric must be registered and the scope must suit it."""

    description: str
    metric: str
    target: float
    comparator: str = ">="
    period: str = "quarter"
    scope: dict[str, str] = field(default_factory=dict)


def create(session: Session, *, owner_id: int, data: GoalCreate) -> Goal:
    """Add a goal after checking its metric, comparator, period and scope."""
    spec = metrics.metric_spec(data.metric)
    if data.comparator not in COMPARATORS:
        raise InvalidInput(f"unknown comparator '{data.comparator}' "
                           f"(choose from: {', '.join(COMPARATORS)})")
    period = data.period.strip().lower()
    if period not in PERIODS:
        raise InvalidInput(f"unknown period '{data.period}' (choose from: {', '.join(PERIODS)})")
    scope = {k.strip().lower(): v.strip() for k, v in data.scope.items() if v.strip()}
    for key in scope:
        if key not in metrics.SCOPE_KEYS:
            raise InvalidInput(f"unknown scope '{key}' "
                               f"(choose from: {', '.join(metrics.SCOPE_KEYS)})")
    if scope and not spec.scopable:
        raise InvalidInput(f"metric '{spec.key}' cannot be narrowed by a scope")
    description = parsing.required_text(data.description, what="goal description",
                                        missing="a goal needs a description")
    goal = Goal(owner_id=owner_id, description=description, metric=spec.key,
                comparator=data.comparator, target=float(data.target), period=period,
                scope=scope)
    session.add(goal)
    session.flush()
    return goal


def list(session: Session, *, owner_id: int) -> builtins.list[Goal]:  # noqa: A001
    """The owner's goals, oldest first."""
    return [*session.scalars(select(Goal).where(Goal.owner_id == owner_id).order_by(Goal.id))]


def delete(session: Session, *, owner_id: int, goal_id: int) -> None:
    """Remove one of the owner's goals, or NotFound."""
    goal = session.get(Goal, goal_id)
    if goal is None or goal.owner_id != owner_id:
        raise NotFound(f"no goal with id {goal_id}")
    session.delete(goal)
    session.flush()


def period_start(now: datetime, period: str) -> datetime:
    """The start (00:00 UTC) of the calendar week, month, quarter or year containing now."""
    day = now.astimezone(UTC).date()
    if period == "week":
        day = day - timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    elif period == "quarter":
        day = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    elif period == "year":
        day = day.replace(month=1, day=1)
    else:
        raise InvalidInput(f"unknown period '{period}' (choose from: {', '.join(PERIODS)})")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def is_snapshot(metric: str) -> bool:
    """Whether a metric is a state at a moment rather than a count over a period."""
    return metric.split(".")[0] not in PERIOD_SECTIONS and metric not in PERIOD_FIGURES


def evaluate(session: Session, *, owner_id: int, goal: Goal, now: datetime,
             cadences: Mapping[str, int] | None = None, max_attendees: int = 8,
             excluded_formats: Iterable[str] = ("social_post",),
             known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The goal with its current value and whether it is met."""
    window = Window(period_start(now, goal.period), now)
    section, figure = goal.metric.split(".", 1)
    if known is not None and not goal.scope and is_snapshot(goal.metric) \
            and goal.metric in known:
        value = known[goal.metric]
    else:
        ctx = metrics.make_context(session, owner_id=owner_id, now=now, scope=goal.scope,
                                   cadences=cadences, max_attendees=max_attendees,
                                   excluded_formats=excluded_formats)
        value = metrics.measure(ctx, [window], [section])[0][section].figures.get(figure)
    met = None if value is None else COMPARATORS[goal.comparator](float(value), goal.target)
    progress = None
    if value is not None and goal.target and goal.comparator in (">=", ">"):
        progress = round(min(100.0, 100.0 * float(value) / goal.target), 1)
    return {**to_dict(goal), "value": value, "met": met, "progress_pct": progress,
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()}}


def progress(session: Session, *, owner_id: int, now: datetime | None = None,
             cadences: Mapping[str, int] | None = None, max_attendees: int = 8,
             excluded_formats: Iterable[str] = ("social_post",),
             known: Mapping[str, Any] | None = None) -> builtins.list[dict[str, Any]]:
    """Every goal of the owner with its progress (``known`` reuses figures already measured
    at ``now``)."""
    now = now or datetime.now(UTC)
    return [evaluate(session, owner_id=owner_id, goal=goal, now=now, cadences=cadences,
                     max_attendees=max_attendees, excluded_formats=excluded_formats,
                     known=known)
            for goal in list(session, owner_id=owner_id)]


def to_dict(goal: Goal) -> dict[str, Any]:
    """The JSON form of a goal."""
    return {"id": goal.id, "description": goal.description, "metric": goal.metric,
            "comparator": goal.comparator, "target": goal.target, "period": goal.period,
            "scope": dict(goal.scope or {})}
