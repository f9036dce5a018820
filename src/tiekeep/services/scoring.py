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
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
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


def combine(components: dict[str, float], override: int | None = None) -> Strength:
    """The weighted score of the components, or the override where one is set."""
    computed = round(100 * sum(WEIGHTS[k] * v for k, v in components.items()), 1)
    score = float(override) if override is not None else computed
    return Strength(score, components, override, computed)


def frequency_component(ages_days: Iterable[float]) -> float:
    """min(1, Σ exp(−age/90) / 6) over the ages in days of the interactions."""
    return frequency_from_sum(sum(math.exp(-max(age, 0.0) / DECAY_DAYS) for age in ages_days))


def frequency_from_sum(decayed: float) -> float:
    """The frequency component from an already summed Σ exp(−age/90)."""
    return min(1.0, decayed / FREQUENCY_SATURATION)


def depth_component(mean_depth: float | None) -> float:
    """(mean depth − 1) / 4, or 0 when no interaction has a depth."""
    return 0.0 if mean_depth is None else (float(mean_depth) - 1) / 4


def diversity_component(distinct_formats: int) -> float:
    """Distinct formats / 4, capped at 1."""
    return min(1.0, distinct_formats / DIVERSITY_SATURATION)


def reciprocity_component(given: int, received: int) -> float:
    """Balance of the exchanges times their volume, both in 0..1."""
    exchanged = given + received
    if exchanged == 0:
        return 0.0
    return (1 - abs(given - received) / exchanged) * min(1.0, exchanged / RECIPROCITY_SATURATION)


def trust_component(trust: int | None) -> float:
    """(trust − 1) / 4, or 0.5 for an unrated tie."""
    return UNRATED_TRUST if trust is None else (trust - 1) / 4


def scores(session: Session, *, owner_id: int, contact_ids: list[int] | None = None,
           now: datetime | None = None) -> dict[int, Strength]:
    """Tie strength of the owner's contacts (all, or these), keyed by contact id."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=WINDOW_DAYS)
    contact_filter = [Contact.owner_id == owner_id, Contact.deleted_at.is_(None)]
    wanted: set[int] | None = None
    if contact_ids is not None:
        wanted = set(contact_ids)
        if len(wanted) <= SUBSET_LIMIT:
            contact_filter.append(Contact.id.in_(wanted))
    people = [row for row in session.execute(
        select(Contact.id, Contact.trust, Contact.strength_override).where(*contact_filter))
        if wanted is None or row.id in wanted]
    if not people:
        return {}
    subset = sorted(wanted) if wanted is not None and len(wanted) <= SUBSET_LIMIT else None
    activity = _interaction_aggregates(session, owner_id=owner_id, since=since, now=now,
                                       subset=subset)
    exchanges = _exchange_counts(session, owner_id=owner_id, since=since, now=now,
                                 subset=subset)
    result: dict[int, Strength] = {}
    for row in people:
        decayed, mean_depth, formats = activity.get(row.id, (0.0, None, 0))
        components = {
            "frequency": frequency_from_sum(decayed),
            "depth": depth_component(mean_depth),
            "diversity": diversity_component(formats),
            "reciprocity": reciprocity_component(*exchanges.get(row.id, (0, 0))),
            "trust": trust_component(row.trust),
        }
        result[row.id] = combine(components, row.strength_override)
    return result


def _interaction_aggregates(
    session: Session, *, owner_id: int, since: datetime, now: datetime,
    subset: list[int] | None,
) -> dict[int, tuple[float, float | None, int]]:
    """Per contact: Σ exp(−age/90), mean depth and distinct formats, from SQL."""
    metrics_sql.ensure_math(session)
    age = metrics_sql.age_days(session, Interaction.occurred_at, now)
    query = (
        select(InteractionParticipant.contact_id,
               func.sum(func.exp(-age / DECAY_DAYS)),
               func.avg(Interaction.depth),
               func.count(func.distinct(Interaction.format)))
        .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
        .where(Interaction.owner_id == owner_id, Interaction.occurred_at >= since,
               Interaction.occurred_at <= now)
        .group_by(InteractionParticipant.contact_id))
    out: dict[int, tuple[float, float | None, int]] = {}
    batches = metrics_sql.chunks(subset) if subset is not None else [None]
    for batch in batches:
        scoped = query if batch is None else query.where(
            InteractionParticipant.contact_id.in_(batch))
        for contact_id, decayed, mean_depth, formats in session.execute(scoped):
            out[contact_id] = (float(decayed or 0.0),
                               None if mean_depth is None else float(mean_depth), int(formats))
    return out


def _exchange_counts(session: Session, *, owner_id: int, since: datetime, now: datetime,
                     subset: list[int] | None) -> dict[int, tuple[int, int]]:
    """Per contact: (given, received) value exchanges in the window."""
    given = func.sum(case((ValueExchange.direction == Direction.GIVEN.value, 1), else_=0))
    received = func.sum(case((ValueExchange.direction == Direction.RECEIVED.value, 1), else_=0))
    query = (select(ValueExchange.contact_id, given, received)
             .where(ValueExchange.owner_id == owner_id, ValueExchange.occurred_at >= since,
                    ValueExchange.occurred_at <= now)
             .group_by(ValueExchange.contact_id))
    out: dict[int, tuple[int, int]] = {}
    batches = metrics_sql.chunks(subset) if subset is not None else [None]
    for batch in batches:
        scoped = query if batch is None else query.where(ValueExchange.contact_id.in_(batch))
        for contact_id, g, r in session.execute(scoped):
            out[contact_id] = (int(g or 0), int(r or 0))
    return out


def explain(session: Session, *, owner_id: int, contact_id: int,
            now: datetime | None = None) -> Strength:
    """The strength of one contact, with its parts."""
    return scores(session, owner_id=owner_id, contact_ids=[contact_id], now=now)[contact_id]
