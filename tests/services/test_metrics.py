"""Every network metric against values computed by hand on a small fixed network.

NOW = 2026-06-01 12:00 UTC; the period is 30 days, so the current period is
[2026-05-02 12:00, NOW) and the previous one [2026-04-02 12:00, 2026-05-02 12:00).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from tiekeep.core.db import Database
from tiekeep.core.models import Contact, Role, TrustChange, User
from tiekeep.services import contacts, interactions, metrics, values

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def _contact(s, owner_id: int, name: str, **extra) -> int:
    cid = contacts.create(s, owner_id=owner_id,
                          data=contacts.ContactCreate(name=name, **extra)).id
    # Contacts "were added" long ago unless a test says otherwise.
    s.execute(update(Contact).where(Contact.id == cid).values(created_at=at(400)))
    return cid


def _log(s, owner_id: int, ids: list[int], days_ago: float, fmt: str = "call",
         by: str = "mutual", **extra) -> int:
    return interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
        participant_ids=ids, occurred_at=at(days_ago), format=fmt, initiated_by=by,
        **extra)).id


@pytest.fixture
def net(db: Database, owner_id: int) -> dict[str, int]:
    """Me: Product at Northwind.
    anna (key, Sales, Northwind): coffee 1 d (me), email 5 d (them), lunch 10 d (me) → 3
      in the last 90 days; last qualifying 1 d.
    boris (key, Product, Northwind): call 40 d (them) → outside key cadence 14.
    clara (regular, Sales, Globex): video_call 20 d (mutual), chat 45 d (me).
    dora (supporting, no role): email 100 d (them) → not active now.
    """
    with db.transaction() as s:
        user = s.get(User, owner_id)
        user.department, user.organization = "Product", "Northwind"
        ids = {
            "anna": _contact(s, owner_id, "Anna", tier="key", department="Sales",
                             organization="Northwind", trust=4),
            "boris": _contact(s, owner_id, "Boris", tier="key", department="Product",
                              organization="Northwind"),
            "clara": _contact(s, owner_id, "Clara", tier="regular", department="sales",
                              organization="Globex", trust=2),
            "dora": _contact(s, owner_id, "Dora", tier="supporting"),
        }
        _log(s, owner_id, [ids["anna"]], 1, "coffee", "me")
        _log(s, owner_id, [ids["anna"]], 5, "email", "them")
        _log(s, owner_id, [ids["anna"]], 10, "lunch", "me")
        _log(s, owner_id, [ids["boris"]], 40, "call", "them")
        _log(s, owner_id, [ids["clara"]], 20, "video_call", "mutual")
        _log(s, owner_id, [ids["clara"]], 45, "chat", "me")
        _log(s, owner_id, [ids["dora"]], 100, "email", "them")
        for direction, kind, days, category in (
                ("given", "information", 3, None), ("given", "social", 15, None),
                ("received", "professional", 12, "referral"),
                ("received", "professional", 25, "advice"),
                ("received", "information", 35, None)):
            values.create(s, owner_id=owner_id, data=values.ValueCreate(
                contact_id=ids["anna"], direction=direction, kind=kind, description="x",
                occurred_at=at(days), category=category))
    return ids


def _stats(db: Database, owner_id: int, **kw) -> dict:
    with db.reading() as s:
        return metrics.stats(s, owner_id=owner_id, period_days=30, now=NOW, **kw)


def _v(result: dict, key: str) -> object:
    section, figure = key.split(".")
    return result["metrics"][section][figure]["value"]


def _p(result: dict, key: str) -> object:
    section, figure = key.split(".")
    return result["metrics"][section][figure]["previous"]


def test_size(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    assert _v(r, "size.total") == 4 and _p(r, "size.total") == 4
    # Active at NOW: anna, boris, clara (dora's email is 100 days old); regular: anna only.
    assert (_v(r, "size.active"), _v(r, "size.regular")) == (3, 1)
    # At NOW − 30 d: boris (10 d before), clara (15 d), dora (70 d); nobody has 3.
    assert (_p(r, "size.active"), _p(r, "size.regular")) == (3, 0)
    assert r["metrics"]["size"]["active"]["change"] == 0


def test_new_contacts_by_met_on_else_created(db: Database, owner_id: int,
                                             net: dict[str, int]) -> None:
    with db.transaction() as s:
        _contact(s, owner_id, "Egor", met_on=date(2026, 5, 20))  # current period
        _contact(s, owner_id, "Fira", met_on=date(2026, 4, 10))  # previous period
        g = _contact(s, owner_id, "Gleb")
        s.execute(update(Contact).where(Contact.id == g).values(created_at=at(2)))
    r = _stats(db, owner_id)
    assert (_v(r, "size.new_contacts"), _p(r, "size.new_contacts")) == (2, 1)
    assert _v(r, "size.new_per_month") == round(2 / (30 / (365.25 / 12)), 2)
    assert (_v(r, "size.total"), _p(r, "size.total")) == (7, 5)


def test_activity_and_initiative(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    # Current: coffee(me), email(them), lunch(me), video_call(mutual) → 2 of 4 by me.
    assert _v(r, "activity.interactions") == 4
    assert _v(r, "activity.per_week") == round(4 / (30 / 7), 2)
    assert _v(r, "activity.initiative_pct") == 50.0
    # Previous: call 40 d (them), chat 45 d (me) → 1 of 2.
    assert (_p(r, "activity.interactions"), _p(r, "activity.initiative_pct")) == (2, 50.0)


def test_formats(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    assert _v(r, "formats.distinct") == 4
    assert _v(r, "formats.entropy") == 2.0  # four formats, one each: log2(4)
    # In person: coffee, lunch; formal: email only.
    assert (_v(r, "formats.in_person"), _v(r, "formats.remote")) == (2, 2)
    assert (_v(r, "formats.formal"), _v(r, "formats.informal")) == (1, 3)
    assert _v(r, "formats.formal_pct") == 25.0
    assert (_p(r, "formats.distinct"), _p(r, "formats.entropy")) == (2, 1.0)
    names = {row["name"]: (row["value"], row["previous"]) for row in r["breakdowns"]["formats"]}
    assert names["coffee"] == (1, 0)


def test_diversity(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    # Active now: anna (Sales), boris (Product), clara (sales) → 2 departments, "Sales" ×2.
    assert _v(r, "diversity.departments") == 2
    p = 2 / 3
    assert _v(r, "diversity.department_entropy") == round(
        -(p * math.log2(p) + (1 - p) * math.log2(1 - p)), 3)
    assert _v(r, "diversity.outside_my_department_pct") == round(100 * 2 / 3, 1)
    # Organizations: Northwind ×2 (mine), Globex ×1 → one of three outside.
    assert _v(r, "diversity.organizations") == 2
    assert _v(r, "diversity.outside_my_organization_pct") == round(100 / 3, 1)
    # Previously active: boris, clara, dora (no role) → dora is unknown, not outside.
    assert _p(r, "diversity.unknown_department") == 1
    assert _p(r, "diversity.outside_my_department_pct") == 50.0


def test_diversity_takes_each_end_days_role(db: Database, owner_id: int,
                                            net: dict[str, int]) -> None:
    """Of several current roles the latest started wins, an undated start counting as the
    earliest; on the same start, the role added last."""
    def day(days_ago: int) -> date:
        return (NOW - timedelta(days=days_ago)).date()

    with db.transaction() as s:
        s.add_all([
            # boris, besides his undated Product role: Legal since 100 d, Ops since 10 d,
            # HR from 200 d to 20 d.
            Role(contact_id=net["boris"], department="Legal", organization="Northwind",
                 started=day(100)),
            Role(contact_id=net["boris"], department="Ops", organization="Northwind",
                 started=day(10)),
            Role(contact_id=net["boris"], department="HR", organization="Initech",
                 started=day(200), ended=day(20)),
            # clara, besides her undated sales role: two roles started the same day.
            Role(contact_id=net["clara"], department="Finance", organization="Globex",
                 started=day(60)),
            Role(contact_id=net["clara"], department="Marketing", organization="Initech",
                 started=day(60)),
        ])
    with db.reading() as s:
        ctx = metrics.make_context(s, owner_id=owner_id, now=NOW)
        now, before = (m["diversity"].breakdowns
                       for m in metrics.measure(ctx, metrics.periods(NOW, 30), ["diversity"]))
    # Active now: anna (Sales), boris (Ops, started last), clara (Marketing, added last).
    assert now["departments"] == {"Sales": 1, "Ops": 1, "Marketing": 1}
    assert now["organizations"] == {"Northwind": 2, "Initech": 1}
    # At NOW − 30 d: boris (Legal: Ops had not started, HR started earlier), clara
    # (Marketing), dora (no role).
    assert before["departments"] == {"Legal": 1, "Marketing": 1, "": 1}
    assert before["organizations"] == {"Northwind": 1, "Initech": 1, "": 1}


def test_active_when_the_periods_90_days_do_not_touch(db: Database, owner_id: int,
                                                      net: dict[str, int]) -> None:
    """A 120-day period: the 90 days before each end are apart, counted separately."""
    with db.transaction() as s:
        for days_ago in (130, 150, 200):
            _log(s, owner_id, [net["dora"]], days_ago)
        _log(s, owner_id, [net["clara"]], 125)
    with db.reading() as s:
        r = metrics.stats(s, owner_id=owner_id, period_days=120, now=NOW)
    # Now (90 d back): anna 3, boris 1, clara 2 → 3 active, anna regular.
    assert (_v(r, "size.active"), _v(r, "size.regular")) == (3, 1)
    # At NOW − 120 d (from 210 to 120 days ago): dora 3, clara 1.
    assert (_p(r, "size.active"), _p(r, "size.regular")) == (2, 1)


def test_reciprocity_and_career(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    assert (_v(r, "reciprocity.given"), _v(r, "reciprocity.received")) == (2, 2)
    assert _v(r, "reciprocity.balance") == 0
    assert _v(r, "reciprocity.professional") == -2 and _v(r, "reciprocity.social") == 1
    assert (_p(r, "reciprocity.balance"), _p(r, "reciprocity.information")) == (-1, -1)
    assert (_v(r, "career.received"), _v(r, "career.referral"), _v(r, "career.advice")) == \
        (2, 1, 1)
    assert _p(r, "career.received") == 0


def test_trust_distribution_and_changes(db: Database, owner_id: int,
                                        net: dict[str, int]) -> None:
    with db.transaction() as s:
        s.query(TrustChange).delete()
        s.add_all([TrustChange(contact_id=net["anna"], trust=2, changed_at=at(50)),
                   TrustChange(contact_id=net["anna"], trust=4, changed_at=at(10)),
                   TrustChange(contact_id=net["clara"], trust=3, changed_at=at(40)),
                   TrustChange(contact_id=net["clara"], trust=2, changed_at=at(20))])
    r = _stats(db, owner_id)
    assert (_v(r, "trust.level_4"), _v(r, "trust.level_2"), _v(r, "trust.rated")) == (1, 1, 2)
    assert _v(r, "trust.mean") == 3.0
    assert (_v(r, "trust.raised"), _v(r, "trust.lowered"), _v(r, "trust.first_rated")) == \
        (1, 1, 0)
    # At NOW − 30 d: anna 2, clara 3; both were first rated in that period (50 d, 40 d).
    assert (_p(r, "trust.level_2"), _p(r, "trust.level_3"), _p(r, "trust.mean")) == (1, 1, 2.5)
    assert _p(r, "trust.first_rated") == 2


def test_cadence_health(db: Database, owner_id: int, net: dict[str, int]) -> None:
    r = _stats(db, owner_id)
    # Key: anna within 14 d (1 d), boris not (40 d) → 50 %; regular clara 20 d ≤ 30 → 100 %.
    assert (_v(r, "cadence_health.key"), _v(r, "cadence_health.regular")) == (50.0, 100.0)
    assert _v(r, "cadence_health.all") == round(200 / 3, 1)
    # At NOW − 30 d: boris 10 d before (within 14), anna none; clara 15 d before (within).
    assert (_p(r, "cadence_health.key"), _p(r, "cadence_health.regular")) == (50.0, 100.0)
    r = _stats(db, owner_id, cadences={"key": 7, "regular": 30})
    assert (_v(r, "cadence_health.key"), _p(r, "cadence_health.key")) == (50.0, 0.0)


def test_cadence_override_and_large_meetings(db: Database, owner_id: int,
                                             net: dict[str, int]) -> None:
    with db.transaction() as s:
        s.execute(update(Contact).where(Contact.id == net["boris"]).values(cadence_days=60))
        _log(s, owner_id, [net["clara"]], 2, "team_meeting", attendee_count=12)
    r = _stats(db, owner_id)
    assert _v(r, "cadence_health.key") == 100.0  # boris: 40 d ≤ 60
    assert _v(r, "activity.interactions") == 5  # the big meeting counts as activity …
    with db.reading() as s:
        clara = s.get(Contact, net["clara"])
        assert clara.last_qualifying_at == at(20)  # … but does not reset a cadence


def test_replies_both_ways(db: Database, owner_id: int, net: dict[str, int]) -> None:
    a = net["anna"]
    with db.transaction() as s:
        def msg(days: float, by: str, reply_to: int | None = None) -> int:
            return _log(s, owner_id, [a], days, "email", by, thread_key="t",
                        reply_to_id=reply_to)
        m1 = msg(10, "them")
        msg(10 - 0.25, "me", m1)  # my reply after 6 h
        m2 = msg(8, "them")
        msg(8 - 1, "me", m2)  # after 24 h
        msg(6, "them")  # never answered
        m4 = msg(5, "them")
        msg(5 - 3, "me", m4)  # after 3 days: too late
        msg(0.5, "them")  # 12 h old, unanswered: not counted yet
        m6 = msg(4, "me")
        msg(4 - 0.5, "them", m6)  # their reply after 12 h
        msg(3, "me")  # they never answered
    r = _stats(db, owner_id)
    # Theirs: m1, m2, the 6-day one, m4, and their own reply to m6 (which I left unanswered).
    assert _v(r, "activity.messages_from_them") == 5
    assert _v(r, "activity.reply_rate_mine_pct") == 40.0
    assert _v(r, "activity.reply_hours_mine") == 15.0  # median of 6 h and 24 h
    assert _v(r, "activity.messages_from_me") == 5  # my two first mails and three replies
    assert _v(r, "activity.reply_rate_theirs_pct") == 20.0
    assert _v(r, "activity.reply_hours_theirs") == 12.0


def test_layers(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.transaction() as s:
        s.execute(update(Contact).where(Contact.id == net["boris"])
                  .values(strength_override=90))
        s.execute(update(Contact).where(Contact.id == net["dora"])
                  .values(strength_override=45))
    r = _stats(db, owner_id)
    # boris 90 (support) and dora 45 (affinity) by override.
    # anna: frequency (e^-1/90 + e^-5/90 + e^-10/90) / 6 = 0.4716 → 18.9 points; no depth;
    # diversity 3/4 → 11.25; reciprocity g 2, r 3: (1 − 1/5) · 1 → 12; trust 4 → 11.25:
    # 53.4, in the affinity layer (≥ 40) but not sympathy (≥ 55).
    # clara: (e^-20/90 + e^-45/90) / 6 = 0.2345 → 9.4; diversity 2/4 → 7.5; trust 2 → 3.75:
    # 20.6, in the active network (≥ 20).
    with db.reading() as s:
        from tiekeep.services import scoring

        got = scoring.scores(s, owner_id=owner_id, now=NOW)
    assert (got[net["anna"]].score, got[net["clara"]].score) == (53.4, 20.6)
    assert _v(r, "layers.support") == 1
    assert _v(r, "layers.sympathy") == 1
    assert _v(r, "layers.affinity") == 3
    assert _v(r, "layers.active") == 4
    assert _v(r, "layers.sampled_every") == 1 and r["notes"] == []


def test_scope_narrows_contact_metrics(db: Database, owner_id: int,
                                       net: dict[str, int]) -> None:
    with db.reading() as s:
        ctx = metrics.make_context(s, owner_id=owner_id, now=NOW,
                                   scope={"department": "SALES"})
        window = metrics.periods(NOW, 30)[0]
        got = metrics.measure(ctx, [window], ["size", "activity", "cadence_health"])[0]
    assert got["size"].figures["active"] == 2  # anna, clara
    assert got["activity"].figures["interactions"] == 4
    assert got["cadence_health"].figures["key"] == 100.0


def test_every_registered_metric_is_reported(db: Database, owner_id: int,
                                             net: dict[str, int]) -> None:
    flat = metrics.flatten(_stats(db, owner_id)["metrics"])
    assert set(metrics.METRICS) <= set(flat)


def test_bad_input() -> None:
    from tiekeep.errors import InvalidInput

    with pytest.raises(InvalidInput):
        metrics.metric_spec("size.everything")
