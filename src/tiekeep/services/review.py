"""The periodic network review: what changed, neglected key ties, the reciprocity balance,
goals, and a plan for the next period (whom to see, what to share, whom to thank).

A week's review compares the last 7 days with the 7 before; a quarter's, the last 91 days
with the 91 before. *Neglected* key ties are those outside their cadence (see
services.metrics), most overdue first, by overdue ratio = days since the last qualifying
contact ÷ cadence. *Whom to thank*: contacts I received value from in the period, with
more received than given over the last 365 days. *What to share*: resources whose topics
match the interests of the people to see, not yet shared with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tiekeep.core.enums import Tier
from tiekeep.core.models import Contact, Resource, ResourceShare, ValueExchange
from tiekeep.errors import InvalidInput
from tiekeep.services import metrics, metrics_sections

PERIOD_DAYS = {"week": 7, "quarter": 91}
LIST_LIMIT = 10
# Figures "what changed" reports, in this order.
HEADLINES = ("size.total", "size.active", "size.regular", "size.new_contacts",
             "activity.interactions", "activity.initiative_pct", "formats.distinct",
             "formats.in_person_pct", "diversity.outside_my_department_pct",
             "reciprocity.balance", "career.received", "cadence_health.key",
             "cadence_health.regular", "layers.support", "layers.sympathy", "layers.affinity",
             "layers.active")


def build(session: Session, *, owner_id: int, period: str = "week",
          now: datetime | None = None, cadences: Mapping[str, int] | None = None,
          max_attendees: int = 8,
          excluded_formats: Iterable[str] = ("social_post",)) -> dict[str, Any]:
    """Everything the review shows, JSON-ready; md and html are rendered from it."""
    if period not in PERIOD_DAYS:
        raise InvalidInput(f"unknown review period '{period}' (choose from: week, quarter)")
    now = now or datetime.now(UTC)
    stats = metrics.stats(session, owner_id=owner_id, period_days=PERIOD_DAYS[period],
                          now=now, cadences=cadences, max_attendees=max_attendees,
                          excluded_formats=excluded_formats)
    flat = stats["metrics"]
    changes = []
    for key in HEADLINES:
        section, figure = key.split(".")
        entry = flat[section][figure]
        changes.append({"metric": key, "label": metrics.METRICS[key].help, **entry})
    cadence = {**metrics.DEFAULT_CADENCES, **(cadences or {})}
    neglected = neglected_ties(session, owner_id=owner_id, now=now, cadences=cadence,
                               tiers=(Tier.KEY.value,))
    to_see = neglected_ties(session, owner_id=owner_id, now=now, cadences=cadence,
                            tiers=(Tier.KEY.value, Tier.REGULAR.value))
    start = now - timedelta(days=PERIOD_DAYS[period])
    return {
        "period": period, "start": start.isoformat(), "end": now.isoformat(),
        "changes": changes,
        "neglected": neglected,
        "reciprocity": {"period": {k: flat["reciprocity"][k]["value"] for k in
                                   ("given", "received", "balance")},
                        "by_kind": {k: flat["reciprocity"][k]["value"] for k in
                                    ("information", "resource", "social", "professional")}},
        "goals": stats.get("goals", []),
        "plan": {"see": to_see,
                 "share": what_to_share(session, owner_id=owner_id,
                                        people=[p["id"] for p in to_see]),
                 "thank": whom_to_thank(session, owner_id=owner_id, since=start, now=now)},
        "stats": stats,
    }


def neglected_ties(session: Session, *, owner_id: int, now: datetime,
                   cadences: Mapping[str, int], tiers: Iterable[str],
                   limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Ties of these tiers outside their cadence, most overdue first."""
    tiers = tuple(tiers)
    overrides = sorted({int(d) for d in session.scalars(
        select(Contact.cadence_days).distinct().where(
            Contact.owner_id == owner_id, Contact.tier.in_(tiers),
            Contact.cadence_days.is_not(None))) if d is not None})
    limit_at = case(*[(Contact.cadence_days == d, now - timedelta(days=d)) for d in overrides],
                    *[(Contact.tier == t, now - timedelta(days=int(cadences[t])))
                      for t in tiers], else_=None)
    ctx = metrics_sections.Context(session=session, owner_id=owner_id, now=now)
    # Never contacted first, then the oldest last contact; ranked exactly below.
    rows = session.execute(
        select(Contact.id, Contact.display_name, Contact.tier, Contact.cadence_days,
               Contact.last_qualifying_at)
        .where(*metrics_sections.contact_filter(ctx), Contact.tier.in_(tiers),
               (Contact.last_qualifying_at.is_(None)) | (Contact.last_qualifying_at < limit_at))
        .order_by(Contact.last_qualifying_at.is_not(None), Contact.last_qualifying_at)
        .limit(limit * 20)).all()
    out: list[dict[str, Any]] = []
    for cid, name, tier, own, last in rows:
        cadence = int(own or cadences[tier])
        days = None if last is None else round((now - last).total_seconds() / 86400, 1)
        ratio = None if days is None else round(days / cadence, 2)
        out.append({"id": cid, "name": name, "tier": tier, "cadence_days": cadence,
                    "days_since": days, "overdue_ratio": ratio,
                    "last_contact": last.isoformat() if last else None})
    tier_weight = {Tier.KEY.value: 2.0, Tier.REGULAR.value: 1.0}
    out.sort(key=lambda r: (-(r["overdue_ratio"] if r["overdue_ratio"] is not None
                              else float("inf")) * tier_weight.get(r["tier"], 1.0), r["name"]))
    return out[:limit]


def what_to_share(session: Session, *, owner_id: int, people: list[int],
                  limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Resources whose topics meet the interests of these contacts, not yet shared."""
    if not people:
        return []
    resources = session.execute(select(Resource.id, Resource.title, Resource.url,
                                       Resource.topics)
                                .where(Resource.owner_id == owner_id)).all()
    shared = set(session.execute(select(ResourceShare.resource_id, ResourceShare.contact_id)
                                 .where(ResourceShare.contact_id.in_(people))))
    out = []
    for cid, name, interests in session.execute(
            select(Contact.id, Contact.display_name, Contact.interests)
            .where(Contact.id.in_(people), Contact.owner_id == owner_id)):
        wanted = {i.strip().lower() for i in interests or []}
        for rid, title, url, topics in resources:
            common = sorted(wanted & {t.strip().lower() for t in topics or []})
            if common and (rid, cid) not in shared:
                out.append({"contact": {"id": cid, "name": name},
                            "resource": {"id": rid, "title": title, "url": url},
                            "topics": common})
                break
    return out[:limit]


def whom_to_thank(session: Session, *, owner_id: int, since: datetime, now: datetime,
                  limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Contacts who gave me value in the period and to whom I owe more than I gave."""
    year = now - timedelta(days=365)
    given = func.sum(case((ValueExchange.direction == "given", 1), else_=0))
    received = func.sum(case((ValueExchange.direction == "received", 1), else_=0))
    recent = func.sum(case((ValueExchange.occurred_at >= since, 1), else_=0))
    rows = session.execute(
        select(ValueExchange.contact_id, Contact.display_name, given, received)
        .join(Contact, Contact.id == ValueExchange.contact_id)
        .where(ValueExchange.owner_id == owner_id, ValueExchange.occurred_at >= year,
               ValueExchange.occurred_at < now, Contact.deleted_at.is_(None))
        .group_by(ValueExchange.contact_id, Contact.display_name)
        .having(func.sum(case(((ValueExchange.direction == "received")
                               & (ValueExchange.occurred_at >= since), 1), else_=0)) > 0,
                received > given, recent > 0)
        .order_by((received - given).desc(), Contact.display_name)
        .limit(limit)).all()
    return [{"id": cid, "name": name, "given": int(g), "received": int(r),
             "owed": int(r) - int(g)} for cid, name, g, r in rows]


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change(entry: Mapping[str, Any]) -> str:
    change = entry.get("change")
    if change is None:
        return ""
    return f"{change:+g}"


def to_markdown(report: Mapping[str, Any]) -> str:
    """The review as Markdown."""
    lines = [f"# Network review — {report['period']} ending {report['end'][:10]}", "",
             "## What changed", "", "| metric | now | before | change |", "|---|---|---|---|"]
    for c in report["changes"]:
        lines.append(f"| {c['label']} | {_fmt(c['value'])} | {_fmt(c['previous'])} | "
                     f"{_change(c)} |")
    lines += ["", "## Neglected key ties", ""]
    lines += [f"- {n['name']}: " + (f"{n['days_since']:g} days since the last contact "
                                    f"(cadence {n['cadence_days']})" if n["days_since"]
                                    is not None else "never contacted")
              for n in report["neglected"]] or ["- none: every key tie is within cadence"]
    r = report["reciprocity"]
    lines += ["", "## Reciprocity", "",
              f"Given {r['period']['given']}, received {r['period']['received']}, "
              f"balance {r['period']['balance']:+d}.", ""]
    lines += [f"- {kind}: {value:+d}" for kind, value in r["by_kind"].items()]
    lines += ["", "## Goals", ""]
    lines += [f"- {g['description']} ({g['metric']} {g['comparator']} {g['target']:g}): "
              f"{_fmt(g['value'])} — {'met' if g['met'] else 'not met yet'}"
              for g in report["goals"]] or ["- no goals set (tiekeep goal add)"]
    plan = report["plan"]
    lines += ["", "## Plan for the next period", "", "### Whom to see", ""]
    lines += [f"- {p['name']} ({p['tier']})" for p in plan["see"]] or ["- nobody is overdue"]
    lines += ["", "### What to share", ""]
    lines += [f"- {s['resource']['title']} with {s['contact']['name']} "
              f"({', '.join(s['topics'])})" for s in plan["share"]] or ["- nothing matched"]
    lines += ["", "### Whom to thank", ""]
    lines += [f"- {t['name']}: received {t['received']}, gave {t['given']}"
              for t in plan["thank"]] or ["- nobody waits for thanks"]
    notes = report["stats"].get("notes") or []
    if notes:
        lines += ["", "_Notes: " + "; ".join(notes) + "._"]
    return "\n".join(lines) + "\n"
