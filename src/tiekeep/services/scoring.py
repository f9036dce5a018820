"""Tie strength (0–100), with the explanation of every part.

    strength = round(100 × Σ weight_i × component_i, 1)        (each component in 0..1)

over the interactions and value exchanges of the last 365 days up to ``now`` (both ends
included):

- frequency (0.40): recency-weighted frequency, Σ exp(−age_days / 90) over interactions,
  divided by 6 and capped at 1 (contact every two weeks for a year saturates it);
- depth (0.15): mean depth of the interactions that have one, (depth − 1) / 4; 0 if none;
- diversity (0.15): distinct formats / 4, capped at 1;
- reciprocity (0.15): with g exchanges given and r received, (1 − |g − r| / (g + r)) ×
  min(1, (g + r) / 4); 0 if nothing was exchanged;
- trust (0.15): (trust − 1) / 4; 0.5 when no trust rating was given.

A manual override (0–100) replaces the score, since a quiet tie is not always a weak one;
the explanation still shows the parts and the computed score.

Every sum, mean and count above is an SQL aggregate grouped by contact. A contact's
interactions of the window are one range of the participants' (contact, time) index, so
scoring reads nothing outside the window and never loops over rows in Python.

``sample_every=k`` (k > 1) scores only the contacts whose id is a multiple of k, each of
them exactly; network-wide counts (the strength layers of a large network) multiply by k
and say so. Sampling contacts rather than interactions keeps each sampled score exact, so
the estimate is unbiased (a sample of interactions undercounts formats and depth and loses
quiet ties altogether). A single tie is never sampled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, select
from sqlalchemy.orm import Session

from tiekeep.core.enums import Direction
from tiekeep.core.models import Contact, Interaction, InteractionParticipant, ValueExchange
from tiekeep.services import metrics_sql

WINDOW_DAYS = 365
DECAY_DAYS = 90.0
FREQUENCY_SATURATION = 6.0
DIVERSITY_SATURATION = 4
RECIPROCITY_SATURATION = 4
UNRATED_TRUST = 0.5
WEIGHTS = {"frequency": 0.40, "depth": 0.15, "diversity": 0.15, "reciprocity": 0.15,
           "trust": 0.15}
# Above this many contacts, one scan of the time window beats looking each contact up.
SUBSET_LIMIT = 2000


@dataclass
class Strength:
    """A tie's score, its components (0..1 each) and the manual override, if any."""

    score: float
    components: dict[str, float] = field(default_factory=dict)
    override: int | None = None
    computed: float | None = None

    def explain(self) -> list[dict[str, Any]]:
        """Each part: its value (0..1), its weight, and the points it adds."""
        return [{"name": name, "value": round(value, 3), "weight": WEIGHTS[name],
                 "points": round(100 * WEIGHTS[name] * value, 1)}
                for name, value in self.components.items()]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: score, override, the computed score and the explained components."""
        return {"score": self.score, "override": self.override,
                "computed": self.computed if self.computed is not None else self.score,
                "components": self.explain()}


def _cap(value: Any) -> Any:
    """min(1, value) as portable SQL."""
    return case((value > 1.0, 1.0), else_=value)


def _components(*, decayed: Any, mean_depth: Any, formats: Any, given: Any, received: Any,
                trust: Any) -> dict[str, Any]:
    """The five components, as SQL expressions over the per-contact aggregates."""
    exchanged = func.coalesce(given, 0) + func.coalesce(received, 0)
    return {
        "frequency": _cap(func.coalesce(decayed, 0.0) / FREQUENCY_SATURATION),
        "depth": case((mean_depth.is_(None), 0.0), else_=(mean_depth - 1.0) / 4.0),
        "diversity": _cap(func.coalesce(formats, 0) * 1.0 / DIVERSITY_SATURATION),
        "reciprocity": case(
            (exchanged == 0, 0.0),
            else_=(1.0 - func.abs(func.coalesce(given, 0) - func.coalesce(received, 0)) * 1.0
                   / exchanged) * _cap(exchanged * 1.0 / RECIPROCITY_SATURATION)),
        "trust": case((trust.is_(None), UNRATED_TRUST), else_=(trust - 1) / 4.0),
    }


def _exchanged(direction: Direction, *, owner_id: int, since: datetime, now: datetime) -> Any:
    """How many exchanges of this direction the contact had in the window (correlated)."""
    return (select(func.count())
            .where(ValueExchange.contact_id == Contact.id, ValueExchange.owner_id == owner_id,
                   ValueExchange.direction == direction.value,
                   ValueExchange.occurred_at >= since, ValueExchange.occurred_at <= now)
            .correlate(Contact).scalar_subquery())


def strength_query(session: Session, *, owner_id: int, now: datetime,
                   contact_ids: Sequence[int] | None = None,
                   conditions: Sequence[Any] = (), sample_every: int = 1) -> Any:
    """A subquery of (contact_id, the five components, override, computed, score)."""
    since = now - timedelta(days=WINDOW_DAYS)
    metrics_sql.ensure_math(session)
    part = InteractionParticipant
    age = metrics_sql.age_days(session, part.occurred_at, now)
    people = [Contact.owner_id == owner_id, Contact.deleted_at.is_(None), *conditions]
    if contact_ids is not None:
        people.append(Contact.id.in_(contact_ids))
    if sample_every > 1:
        people.append(Contact.id % sample_every == 0)
    # Grouped by the primary key alone: PostgreSQL then allows the contact's other columns,
    # and SQLite groups in the order it reads contacts, without sorting.
    aggregates = (
        select(Contact.id.label("contact_id"),
               func.sum(func.exp(-age / DECAY_DAYS)).label("decayed"),
               func.avg(Interaction.depth).label("mean_depth"),
               func.count(func.distinct(Interaction.format)).label("formats"),
               _exchanged(Direction.GIVEN, owner_id=owner_id, since=since, now=now)
               .label("given"),
               _exchanged(Direction.RECEIVED, owner_id=owner_id, since=since, now=now)
               .label("received"),
               Contact.trust.label("trust"), Contact.strength_override.label("override"))
        .select_from(Contact)
        .outerjoin(part, and_(part.contact_id == Contact.id, part.occurred_at >= since,
                              part.occurred_at <= now))
        .outerjoin(Interaction, Interaction.id == part.interaction_id)
        .where(*people)
        .group_by(Contact.id)).subquery()
    parts = _components(decayed=aggregates.c.decayed, mean_depth=aggregates.c.mean_depth,
                        formats=aggregates.c.formats, given=aggregates.c.given,
                        received=aggregates.c.received, trust=aggregates.c.trust)
    weighted = sum((WEIGHTS[name] * expr for name, expr in parts.items()), 0.0) * 100.0
    computed = func.round(cast(weighted, Numeric), 1)
    score = case((aggregates.c.override.is_not(None), aggregates.c.override), else_=computed)
    return select(aggregates.c.contact_id, *[expr.label(name) for name, expr in parts.items()],
                  aggregates.c.override, computed.label("computed"),
                  score.label("score")).subquery()


def scores(session: Session, *, owner_id: int, contact_ids: list[int] | None = None,
           now: datetime | None = None, sample_every: int = 1) -> dict[int, Strength]:
    """Tie strength of the owner's contacts (all, or these), keyed by contact id."""
    now = now or datetime.now(UTC)
    wanted = None if contact_ids is None else set(contact_ids)
    if wanted is not None and not wanted:
        return {}
    # A long list of ids is cheaper as one scan of the window, filtered afterwards.
    subset = sorted(wanted) if wanted is not None and len(wanted) <= SUBSET_LIMIT else None
    query = strength_query(session, owner_id=owner_id, now=now, contact_ids=subset,
                           sample_every=max(1, sample_every))
    result: dict[int, Strength] = {}
    for row in session.execute(select(query)).mappings():
        if wanted is not None and row["contact_id"] not in wanted:
            continue
        components = {name: float(row[name]) for name in WEIGHTS}
        override, computed = row["override"], float(row["computed"])
        result[row["contact_id"]] = Strength(
            float(override) if override is not None else computed, components, override,
            computed)
    return result


def layer_counts(session: Session, *, owner_id: int, now: datetime,
                 floors: Mapping[str, float], conditions: Sequence[Any] = (),
                 sample_every: int = 1) -> dict[str, int]:
    """How many ties score at least each floor, counted in SQL (× k when sampling 1 in k)."""
    every = max(1, sample_every)
    query = strength_query(session, owner_id=owner_id, now=now, conditions=conditions,
                           sample_every=every)
    row = session.execute(select(*[
        func.coalesce(func.sum(case((query.c.score >= floor, 1), else_=0)), 0)
        for floor in floors.values()])).one()
    return {name: int(value) * every for name, value in zip(floors, row, strict=True)}


def explain(session: Session, *, owner_id: int, contact_id: int,
            now: datetime | None = None) -> Strength:
    """The strength of one contact, with its parts."""
    return scores(session, owner_id=owner_id, contact_ids=[contact_id], now=now)[contact_id]


def interactions_in_window(session: Session, *, owner_id: int, now: datetime) -> int:
    """How many interactions the scoring window up to ``now`` holds (an index-only count)."""
    return int(session.scalar(select(func.count()).where(
        Interaction.owner_id == owner_id,
        Interaction.occurred_at >= now - timedelta(days=WINDOW_DAYS),
        Interaction.occurred_at <= now)) or 0)
