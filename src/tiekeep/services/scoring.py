"""Tie strength (0–100), with the explanation of every part.

    strength = 100 × Σ weight_i × component_i        (each component in 0..1)

over the last 365 days before ``now``:

- frequency (0.40): recency-weighted frequency, Σ exp(−age_days / 90) over interactions,
  divided by 6 and capped at 1 (contact every two weeks for a year saturates it);
- depth (0.15): mean depth of the interactions that have one, (depth − 1) / 4; 0 if none;
- diversity (0.15): distinct formats / 4, capped at 1;
- reciprocity (0.15): with g exchanges given and r received, (1 − |g − r| / (g + r)) ×
  min(1, (g + r) / 4); 0 if nothing was exchanged;
- trust (0.15): (trust − 1) / 4; 0.5 when no trust rating was given.

A manual override (0–100) replaces the score; the explanation still shows the parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tiekeep.core.models import Contact, Interaction, InteractionParticipant, ValueExchange

WINDOW_DAYS = 365
DECAY_DAYS = 90.0
FREQUENCY_SATURATION = 6.0
DIVERSITY_SATURATION = 4
RECIPROCITY_SATURATION = 4
WEIGHTS = {"frequency": 0.40, "depth": 0.15, "diversity": 0.15, "reciprocity": 0.15,
           "trust": 0.15}


@dataclass
class Strength:
    score: float
    components: dict[str, float] = field(default_factory=dict)
    override: int | None = None

    def explain(self) -> list[dict[str, Any]]:
        """Each part: its value (0..1), its weight, and the points it adds."""
        return [{"name": name, "value": round(value, 3), "weight": WEIGHTS[name],
                 "points": round(100 * WEIGHTS[name] * value, 1)}
                for name, value in self.components.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "override": self.override, "components": self.explain()}


def combine(components: dict[str, float], override: int | None = None) -> Strength:
    """The weighted score of the components, or the override where one is set."""
    computed = round(100 * sum(WEIGHTS[k] * v for k, v in components.items()), 1)
    return Strength(float(override) if override is not None else computed, components, override)


def frequency_component(ages_days: Iterable[float]) -> float:
    total = sum(math.exp(-max(age, 0.0) / DECAY_DAYS) for age in ages_days)
    return min(1.0, total / FREQUENCY_SATURATION)


def reciprocity_component(given: int, received: int) -> float:
    exchanged = given + received
    if exchanged == 0:
        return 0.0
    return (1 - abs(given - received) / exchanged) * min(1.0, exchanged / RECIPROCITY_SATURATION)


def scores(session: Session, *, owner_id: int, contact_ids: list[int] | None = None,
           now: datetime | None = None) -> dict[int, Strength]:
    """Tie strength of the owner's contacts (all, or these)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=WINDOW_DAYS)
    contact_filter = [Contact.owner_id == owner_id, Contact.deleted_at.is_(None)]
    if contact_ids is not None:
        contact_filter.append(Contact.id.in_(contact_ids))
    people = session.execute(select(Contact.id, Contact.trust, Contact.strength_override)
                             .where(*contact_filter)).all()
    ids = [row.id for row in people]
    ages: dict[int, list[float]] = {i: [] for i in ids}
    depths: dict[int, list[int]] = {i: [] for i in ids}
    formats: dict[int, set[str]] = {i: set() for i in ids}
    given_received: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = session.execute(
            select(InteractionParticipant.contact_id, Interaction.occurred_at,
                   Interaction.depth, Interaction.format)
            .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
            .where(InteractionParticipant.contact_id.in_(chunk),
                   Interaction.occurred_at >= since, Interaction.occurred_at <= now))
        for contact_id, at, depth, fmt in rows:
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            ages[contact_id].append((now - at).total_seconds() / 86400)
            if depth is not None:
                depths[contact_id].append(depth)
            formats[contact_id].add(fmt)
        given = func.sum(case((ValueExchange.direction == "given", 1), else_=0))
        received = func.sum(case((ValueExchange.direction == "received", 1), else_=0))
        for contact_id, g, r in session.execute(
                select(ValueExchange.contact_id, given, received)
                .where(ValueExchange.contact_id.in_(chunk), ValueExchange.occurred_at >= since,
                       ValueExchange.occurred_at <= now)
                .group_by(ValueExchange.contact_id)):
            given_received[contact_id] = (int(g or 0), int(r or 0))
    result: dict[int, Strength] = {}
    for row in people:
        cid = row.id
        components = {
            "frequency": frequency_component(ages[cid]),
            "depth": (sum(depths[cid]) / len(depths[cid]) - 1) / 4 if depths[cid] else 0.0,
            "diversity": min(1.0, len(formats[cid]) / DIVERSITY_SATURATION),
            "reciprocity": reciprocity_component(*given_received.get(cid, (0, 0))),
            "trust": (row.trust - 1) / 4 if row.trust is not None else 0.5,
        }
        result[cid] = combine(components, row.strength_override)
    return result


def explain(session: Session, *, owner_id: int, contact_id: int,
            now: datetime | None = None) -> Strength:
    """The strength of one contact, with its parts."""
    return scores(session, owner_id=owner_id, contact_ids=[contact_id], now=now)[contact_id]
