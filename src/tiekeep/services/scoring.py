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

Every sum, mean and count above is an SQL aggregate grouped by contact, so scoring the
whole network reads each interaction once in the database and never in a Python loop.

``sample_every=k`` (k > 1) estimates instead: only interactions whose id is a multiple of k
are read, and the decayed sum is multiplied by k. Network-wide figures (the strength layers
of a large network) use it and say so; a single tie is always scored exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Numeric, case, cast, func, select
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
                trust: Any, sample_every: int) -> dict[str, Any]:
    """The five components, as SQL expressions over the per-contact aggregates."""
    exchanged = func.coalesce(given, 0) + func.coalesce(received, 0)
    return {
        "frequency": _cap(func.coalesce(decayed, 0.0) * float(sample_every)
                          / FREQUENCY_SATURATION),
        "depth": case((mean_depth.is_(None), 0.0), else_=(mean_depth - 1.0) / 4.0),
        "diversity": _cap(func.coalesce(formats, 0) * 1.0 / DIVERSITY_SATURATION),
        "reciprocity": case(
            (exchanged == 0, 0.0),
            else_=(1.0 - func.abs(func.coalesce(given, 0) - func.coalesce(received, 0)) * 1.0
                   / exchanged) * _cap(exchanged * 1.0 / RECIPROCITY_SATURATION)),
        "trust": case((trust.is_(None), UNRATED_TRUST), else_=(trust - 1) / 4.0),
    }


def strength_query(session: Session, *, owner_id: int, now: datetime,
                   contact_ids: Sequence[int] | None = None,
                   conditions: Sequence[Any] = (), sample_every: int = 1) -> Any:
    """A subquery of (contact_id, the five components, override, computed, score)."""
    since = now - timedelta(days=WINDOW_DAYS)
    metrics_sql.ensure_math(session)
    age = metrics_sql.age_days(session, Interaction.occurred_at, now)
    activity = (
        select(InteractionParticipant.contact_id.label("cid"),
               func.sum(func.exp(-age / DECAY_DAYS)).label("decayed"),
               func.avg(Interaction.depth).label("mean_depth"),
               func.count(func.distinct(Interaction.format)).label("formats"))
        .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
        .where(Interaction.owner_id == owner_id, Interaction.occurred_at >= since,
               Interaction.occurred_at <= now)
        .group_by(InteractionParticipant.contact_id))
    if sample_every > 1:
        activity = activity.where(Interaction.id % sample_every == 0)
    given = func.sum(case((ValueExchange.direction == Direction.GIVEN.value, 1), else_=0))
    received = func.sum(case((ValueExchange.direction == Direction.RECEIVED.value, 1), else_=0))
    exchanges = (select(ValueExchange.contact_id.label("cid"), given.label("given"),
                        received.label("received"))
                 .where(ValueExchange.owner_id == owner_id, ValueExchange.occurred_at >= since,
                        ValueExchange.occurred_at <= now)
                 .group_by(ValueExchange.contact_id))
    people = [Contact.owner_id == owner_id, Contact.deleted_at.is_(None), *conditions]
    if contact_ids is not None:
        activity = activity.where(InteractionParticipant.contact_id.in_(contact_ids))
        exchanges = exchanges.where(ValueExchange.contact_id.in_(contact_ids))
        people.append(Contact.id.in_(contact_ids))
    act, ex = activity.subquery(), exchanges.subquery()
    parts = _components(decayed=act.c.decayed, mean_depth=act.c.mean_depth,
                        formats=act.c.formats, given=ex.c.given, received=ex.c.received,
                        trust=Contact.trust, sample_every=sample_every)
    weighted = sum((WEIGHTS[name] * expr for name, expr in parts.items()), 0.0) * 100.0
    computed = func.round(cast(weighted, Numeric), 1)
    score = case((Contact.strength_override.is_not(None), Contact.strength_override),
                 else_=computed)
    return (select(Contact.id.label("contact_id"),
                   *[expr.label(name) for name, expr in parts.items()],
                   Contact.strength_override.label("override"), computed.label("computed"),
                   score.label("score"))
            .outerjoin(act, act.c.cid == Contact.id)
            .outerjoin(ex, ex.c.cid == Contact.id)
            .where(*people).subquery())


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
    """How many ties score at least each floor, counted in SQL."""
    query = strength_query(session, owner_id=owner_id, now=now, conditions=conditions,
                           sample_every=max(1, sample_every))
    row = session.execute(select(*[
        func.coalesce(func.sum(case((query.c.score >= floor, 1), else_=0)), 0)
        for floor in floors.values()])).one()
    return {name: int(value) for name, value in zip(floors, row, strict=True)}


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
