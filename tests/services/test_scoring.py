"""Tie strength against values computed by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from tiekeep.core.db import Database
from tiekeep.services import contacts, interactions, scoring, values

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _contact(session, owner_id: int, name: str, **extra) -> int:
    return contacts.create(session, owner_id=owner_id,
                           data=contacts.ContactCreate(name=name, **extra)).id


def _meet(session, owner_id: int, ids: list[int], days_ago: float, fmt: str,
          depth: int | None = None) -> None:
    interactions.log(session, owner_id=owner_id, data=interactions.InteractionCreate(
        participant_ids=ids, occurred_at=NOW - timedelta(days=days_ago), format=fmt,
        depth=depth))


def _value(session, owner_id: int, cid: int, direction: str, days_ago: float) -> None:
    values.create(session, owner_id=owner_id, data=values.ValueCreate(
        contact_id=cid, direction=direction, kind="information", description="x",
        occurred_at=NOW - timedelta(days=days_ago)))


@pytest.fixture
def network(db: Database, owner_id: int) -> dict[str, int]:
    """A: met today (coffee, depth 5) and 90 days ago (email, depth 3), one call 400 days ago
    (outside the window), one meeting tomorrow (not yet); gave 2, received 1; trust 4.
    B: nothing at all. C: like B, with an override of 80."""
    with db.transaction() as s:
        a = _contact(s, owner_id, "Anna", trust=4)
        b = _contact(s, owner_id, "Boris")
        c = _contact(s, owner_id, "Clara")
        contacts.update(s, owner_id=owner_id, contact_id=c,
                        changes=contacts.ContactUpdate(strength_override=80))
        _meet(s, owner_id, [a], 0, "coffee", 5)
        _meet(s, owner_id, [a], 90, "email", 3)
        _meet(s, owner_id, [a], 400, "call", 1)
        _meet(s, owner_id, [a], -1, "lunch", 1)
        _value(s, owner_id, a, "given", 10)
        _value(s, owner_id, a, "given", 20)
        _value(s, owner_id, a, "received", 30)
        _value(s, owner_id, a, "received", 500)
    return {"a": a, "b": b, "c": c}


def test_components_by_hand(db: Database, owner_id: int, network: dict[str, int]) -> None:
    with db.reading() as s:
        got = scoring.scores(s, owner_id=owner_id, now=NOW)
    a = got[network["a"]]
    frequency = (1 + math.exp(-1)) / 6  # ages 0 and 90 days
    assert a.components["frequency"] == pytest.approx(frequency, abs=1e-6)
    assert a.components["depth"] == pytest.approx(0.75)  # mean depth 4 → (4 − 1) / 4
    assert a.components["diversity"] == pytest.approx(0.5)  # coffee, email
    assert a.components["reciprocity"] == pytest.approx(0.5)  # (1 − 1/3) × 3/4
    assert a.components["trust"] == pytest.approx(0.75)
    expected = 100 * (0.4 * frequency + 0.15 * 0.75 + 0.15 * 0.5 + 0.15 * 0.5 + 0.15 * 0.75)
    assert a.score == pytest.approx(round(expected, 1))
    assert a.score == 46.6


def test_nothing_known_scores_the_unrated_trust_only(db: Database, owner_id: int,
                                                     network: dict[str, int]) -> None:
    with db.reading() as s:
        b = scoring.explain(s, owner_id=owner_id, contact_id=network["b"], now=NOW)
    assert b.score == 7.5
    assert [c["points"] for c in b.explain()] == [0.0, 0.0, 0.0, 0.0, 7.5]


def test_override_replaces_the_score_but_keeps_the_explanation(
        db: Database, owner_id: int, network: dict[str, int]) -> None:
    with db.reading() as s:
        c = scoring.explain(s, owner_id=owner_id, contact_id=network["c"], now=NOW)
    assert (c.score, c.override, c.computed) == (80.0, 80, 7.5)
    assert c.to_dict()["computed"] == 7.5


def test_subset_and_whole_network_agree(db: Database, owner_id: int,
                                        network: dict[str, int]) -> None:
    with db.reading() as s:
        whole = scoring.scores(s, owner_id=owner_id, now=NOW)
        one = scoring.scores(s, owner_id=owner_id, contact_ids=[network["a"]], now=NOW)
        big = scoring.scores(s, owner_id=owner_id, now=NOW,
                             contact_ids=[network["a"], *range(10_000, 12_500)])
    assert set(one) == {network["a"]} and set(big) == {network["a"]}
    assert one[network["a"]].score == whole[network["a"]].score == big[network["a"]].score


def test_window_edges(db: Database, owner_id: int) -> None:
    """An interaction exactly 365 days old counts with weight exp(−365/90); one a second
    older does not."""
    with db.transaction() as s:
        d = _contact(s, owner_id, "Dora")
        e = _contact(s, owner_id, "Egor")
        _meet(s, owner_id, [d], 365, "call")
        _meet(s, owner_id, [e], 365 + 1 / 86400, "call")
    with db.reading() as s:
        got = scoring.scores(s, owner_id=owner_id, now=NOW)
    assert got[d].components["frequency"] == pytest.approx(math.exp(-365 / 90) / 6, abs=1e-6)
    assert got[e].components["frequency"] == 0.0


def test_saturated_tie_scores_100(db: Database, owner_id: int) -> None:
    """12 deep meetings today in 5 formats (Σ = 12 ≥ 6), 2 given and 2 received, trust 5."""
    with db.transaction() as s:
        f = _contact(s, owner_id, "Fedor", trust=5)
        for n in range(12):
            _meet(s, owner_id, [f], 0, ["call", "lunch", "chat", "email", "coffee"][n % 5], 5)
        for direction in ("given", "given", "received", "received"):
            _value(s, owner_id, f, direction, 1)
    with db.reading() as s:
        got = scoring.explain(s, owner_id=owner_id, contact_id=f, now=NOW)
    assert got.components == {"frequency": 1.0, "depth": 1.0, "diversity": 1.0,
                              "reciprocity": 1.0, "trust": 1.0}
    assert got.score == 100.0


def test_layer_counts_use_the_same_scores(db: Database, owner_id: int,
                                          network: dict[str, int]) -> None:
    with db.reading() as s:
        counts = scoring.layer_counts(s, owner_id=owner_id, now=NOW,
                                      floors={"high": 70, "mid": 40, "low": 7.5})
    assert counts == {"high": 1, "mid": 2, "low": 3}  # C (80), A (46.6), B (7.5)


def test_sampled_layer_counts_score_1_in_k_contacts_exactly(
        db: Database, owner_id: int, network: dict[str, int]) -> None:
    """Sampling keeps the contacts whose id is a multiple of k, scores each exactly and
    multiplies the counts by k."""
    with db.reading() as s:
        whole = scoring.scores(s, owner_id=owner_id, now=NOW)
        for k in (2, 3):
            counts = scoring.layer_counts(s, owner_id=owner_id, now=NOW,
                                          floors={"mid": 40, "low": 7.5}, sample_every=k)
            kept = [strength.score for cid, strength in whole.items() if cid % k == 0]
            assert counts == {"mid": k * sum(score >= 40 for score in kept),
                              "low": k * sum(score >= 7.5 for score in kept)}
