"""The network review on a small fixed network: lists, plan, Markdown and offline HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tiekeep.adapters import charts
from tiekeep.core.db import Database
from tiekeep.core.models import Resource
from tiekeep.errors import InvalidInput
from tiekeep.services import contacts, goals, interactions, review, values

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def net(db: Database, owner_id: int) -> dict[str, int]:
    """anna (key): met 3 days ago. boris (key): 40 days ago, likes pricing. clara (key):
    never met. dora (regular): 70 days ago (cadence 30). egor: gave me a referral this week."""
    def person(name: str, **kw) -> int:
        return contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
            name=name, met_on=date(2025, 1, 1), **kw)).id

    def meet(cid: int, days: float) -> None:
        interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
            participant_ids=[cid], occurred_at=NOW - timedelta(days=days), format="call"))

    with db.transaction() as s:
        ids = {"anna": person("Anna", tier="key"),
               "boris": person("Boris", tier="key", interests=["Pricing"]),
               "clara": person("Clara", tier="key"),
               "dora": person("Dora", tier="regular"),
               "egor": person("Egor", tier="supporting")}
        meet(ids["anna"], 3)
        meet(ids["boris"], 40)
        meet(ids["dora"], 70)
        s.add(Resource(owner_id=owner_id, title="Pricing playbook", topics=["pricing"]))
        values.create(s, owner_id=owner_id, data=values.ValueCreate(
            contact_id=ids["egor"], direction="received", kind="professional",
            description="referral", category="referral", occurred_at=NOW - timedelta(days=2)))
        goals.create(s, owner_id=owner_id, data=goals.GoalCreate(
            description="key ties within cadence", metric="cadence_health.key", target=90))
    return ids


def test_review_content(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        report = review.build(s, owner_id=owner_id, period="week", now=NOW)
    assert [n["name"] for n in report["neglected"]] == ["Clara", "Boris"]
    boris = report["neglected"][1]
    assert (boris["days_since"], boris["cadence_days"], boris["overdue_ratio"]) == \
        (40.0, 14, round(40 / 14, 2))
    # Whom to see: key ties weigh double; Clara (never) > Boris (2.86 × 2) > Dora (2.33).
    assert [p["name"] for p in report["plan"]["see"]] == ["Clara", "Boris", "Dora"]
    assert report["plan"]["share"] == [{"contact": {"id": net["boris"], "name": "Boris"},
                                        "resource": {"id": 1, "title": "Pricing playbook",
                                                     "url": None},
                                        "topics": ["pricing"]}]
    assert [t["name"] for t in report["plan"]["thank"]] == ["Egor"]
    assert report["reciprocity"]["period"] == {"given": 0, "received": 1, "balance": -1}
    [goal] = report["goals"]
    assert (goal["value"], goal["met"]) == (round(100 / 3, 1), False)
    active = next(c for c in report["changes"] if c["metric"] == "size.active")
    # A week earlier Anna's call (3 days ago) had not happened yet.
    assert (active["value"], active["previous"]) == (3, 2)


def test_markdown(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        text = review.to_markdown(review.build(s, owner_id=owner_id, period="quarter",
                                               now=NOW))
    assert text.startswith("# Network review — quarter ending 2026-06-01")
    for heading in ("## What changed", "## Neglected key ties", "## Reciprocity", "## Goals",
                    "### Whom to see", "### What to share", "### Whom to thank"):
        assert heading in text
    assert "- Clara: never contacted" in text
    assert "- Pricing playbook with Boris (pricing)" in text


def test_html_is_self_contained(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        page = charts.review_html(review.build(s, owner_id=owner_id, now=NOW))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 5
    for outside in ("http://", "https://", "<script", "<link", "src="):
        assert outside not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") \
            .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_unknown_period(db: Database, owner_id: int) -> None:
    with pytest.raises(InvalidInput), db.reading() as s:
        review.build(s, owner_id=owner_id, period="month", now=NOW)
