"""The SQL behind each section of the network metrics; formulas are in services/metrics.py.

Each function takes the windows to measure (the current period and the one before it) and
returns, per window, a flat dict of figures plus named breakdowns. Windows that can share a
scan of the database share it: one GROUP BY over both periods, split with CASE.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from tiekeep.core.enums import Format, Initiator, Status, Tier
from tiekeep.core.models import (
    Contact,
    Interaction,
    InteractionParticipant,
    Role,
    TrustChange,
    ValueExchange,
)
from tiekeep.services.metrics_sql import entropy, median, percent

ACTIVE_DAYS = 90
REGULAR_MIN = 3
REPLY_WINDOW = timedelta(days=2)
MESSAGE_FORMATS = (Format.EMAIL.value, Format.CHAT.value)
CAREER_CATEGORIES = ("recommendation", "referral", "advice", "opportunity")
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Window:
    """A half-open span of time [start, end); snapshot metrics are taken at its end."""

    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def contains(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


@dataclass
class Measure:
    """One window's figures of a section, and its breakdowns (name → count)."""

    figures: dict[str, Any] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What every section needs: the session, the owner, the scope and the settings."""

    session: Session
    owner_id: int
    now: datetime
    scope: Mapping[str, str] = field(default_factory=dict)
    cadences: Mapping[str, int] = field(default_factory=dict)
    max_attendees: int = 8
    excluded_formats: tuple[str, ...] = ("social_post",)
    my_department: str | None = None
    my_organization: str | None = None


# --- shared filters ------------------------------------------------------------------------


def contact_filter(ctx: Context) -> list[ColumnElement[bool]]:
    """The owner's live contacts, narrowed by the scope (current role and tier)."""
    conditions: list[ColumnElement[bool]] = [
        Contact.owner_id == ctx.owner_id, Contact.deleted_at.is_(None),
        Contact.status == Status.ACTIVE.value]
    for key, column in (("department", Role.department), ("organization", Role.organization)):
        if value := ctx.scope.get(key):
            conditions.append(Contact.id.in_(select(Role.contact_id).where(
                Role.ended.is_(None), func.lower(column) == value.strip().lower())))
    if tier := ctx.scope.get("tier"):
        conditions.append(Contact.tier == tier)
    return conditions


def _scoped(ctx: Context) -> bool:
    return bool(ctx.scope)


def _scope_ids(ctx: Context) -> Any:
    return select(Contact.id).where(*contact_filter(ctx))


def _role_as_of(day: date, contact_id: Any) -> Any:
    """The id of the contact's role on ``day``: started by then and not yet ended."""
    role = aliased(Role)
    return (select(role.id)
            .where(role.contact_id == contact_id,
                   or_(role.started.is_(None), role.started <= day),
                   or_(role.ended.is_(None), role.ended > day))
            .order_by(case((role.started.is_(None), 0), else_=1).desc(), role.started.desc(),
                      role.id.desc())
            .limit(1).scalar_subquery())


def _joined_before(moment: datetime) -> ColumnElement[bool]:
    """The contact joined the network before ``moment``: met_on, else when it was added."""
    return or_(and_(Contact.met_on.is_not(None), Contact.met_on < moment.date()),
               and_(Contact.met_on.is_(None), Contact.created_at < moment))


def _sum_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- size and diversity ------------------------------------------------------------------


def size(ctx: Context, windows: Sequence[Window],
         activity: Sequence[Measure]) -> list[Measure]:
    """Total and new contacts (by when they joined), active and regular ones."""
    columns = []
    for w in windows:
        columns += [_sum_if(_joined_before(w.end)),
                    _sum_if(and_(_joined_before(w.end), ~_joined_before(w.start)))]
    row = ctx.session.execute(select(*columns).where(*contact_filter(ctx))).one()
    out = []
    for i, (w, active) in enumerate(zip(windows, activity, strict=True)):
        total, new = int(row[2 * i]), int(row[2 * i + 1])
        out.append(Measure({
            "total": total, "active": active.figures["active"],
            "regular": active.figures["regular"], "new_contacts": new,
            "new_per_month": round(new / (w.days / DAYS_PER_MONTH), 2) if w.days else None,
        }))
    return out


def active_contacts(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Active (≥ 1 interaction in the 90 days before the end) and regular (≥ 3) contacts,
    with how the active ones spread over departments and organizations then."""
    out = []
    for w in windows:
        since = w.end - timedelta(days=ACTIVE_DAYS)
        # Each contact's interactions of the window are one range of the participants'
        # (contact, time) index; grouped by contact id, SQLite needs no sort.
        counts = (select(Contact.id.label("cid"), func.count().label("n"))
                  .join(InteractionParticipant,
                        and_(InteractionParticipant.contact_id == Contact.id,
                             InteractionParticipant.occurred_at >= since,
                             InteractionParticipant.occurred_at < w.end))
                  .where(*contact_filter(ctx))
                  .group_by(Contact.id).subquery())
        role = aliased(Role)
        rows = ctx.session.execute(
            select(role.department, role.organization, func.count(),
                   _sum_if(counts.c.n >= REGULAR_MIN))
            .select_from(counts)
            .outerjoin(role, role.id == _role_as_of(w.end.date(), counts.c.cid))
            .group_by(role.department, role.organization)).all()
        departments: Counter[str] = Counter()
        organizations: Counter[str] = Counter()
        active = regular = 0
        for department, organization, count, n_regular in rows:
            active += int(count)
            regular += int(n_regular)
            departments[_label(department)] += int(count)
            organizations[_label(organization)] += int(count)
        out.append(Measure({"active": active, "regular": regular},
                           {"departments": _merge_case(departments),
                            "organizations": _merge_case(organizations)}))
    return out


def _label(value: str | None) -> str:
    return (value or "").strip()


def _merge_case(counts: Counter[str]) -> dict[str, float]:
    """Merge names that differ only in case, keeping the most common spelling."""
    merged: dict[str, tuple[str, float, float]] = {}
    for name, n in counts.most_common():
        key = name.lower()
        label, total, best = merged.get(key, (name, 0.0, -1.0))
        merged[key] = (label if best >= n else name, total + n, max(best, n))
    return {label: total for label, total, _ in sorted(merged.values(), key=lambda v: -v[1])}


def diversity(ctx: Context, activity: Sequence[Measure]) -> list[Measure]:
    """Departments and organizations of the active contacts: counts, entropy, and the share
    outside my own department and organization."""
    out = []
    for measure in activity:
        departments = measure.breakdowns["departments"]
        organizations = measure.breakdowns["organizations"]
        figures: dict[str, Any] = {}
        for name, counts, mine in (("department", departments, ctx.my_department),
                                   ("organization", organizations, ctx.my_organization)):
            known = {k: v for k, v in counts.items() if k}
            figures[f"{name}s"] = len(known)
            figures[f"{name}_entropy"] = round(entropy(known.values()), 3)
            outside = sum(v for k, v in known.items()
                          if mine is None or k.lower() != mine.strip().lower())
            figures[f"outside_my_{name}_pct"] = (percent(outside, sum(known.values()))
                                                 if mine else None)
            figures[f"unknown_{name}"] = int(counts.get("", 0))
        out.append(Measure(figures, {"departments": departments,
                                     "organizations": organizations}))
    return out


# --- activity, formats, replies -------------------------------------------------------------


def _interaction_groups(ctx: Context, windows: Sequence[Window]) -> list[Counter[tuple[str, str]]]:
    """Interactions per (format, initiated_by), per window."""
    if not _scoped(ctx):
        known = _known_groups(ctx, windows)
        if known is not None:
            return known
    which = case(*[(w.contains(Interaction.occurred_at), literal(i))
                   for i, w in enumerate(windows)], else_=literal(-1))
    query = (select(which, Interaction.format, Interaction.initiated_by, func.count())
             .where(Interaction.owner_id == ctx.owner_id,
                    Interaction.occurred_at >= min(w.start for w in windows),
                    Interaction.occurred_at < max(w.end for w in windows))
             .group_by(which, Interaction.format, Interaction.initiated_by))
    if _scoped(ctx):
        query = query.where(Interaction.id.in_(
            select(InteractionParticipant.interaction_id)
            .where(InteractionParticipant.contact_id.in_(_scope_ids(ctx)))))
    groups: list[Counter[tuple[str, str]]] = [Counter() for _ in windows]
    for index, fmt, initiator, n in ctx.session.execute(query):
        if index >= 0:
            groups[int(index)][(fmt, initiator)] += int(n)
    return groups


def _known_groups(ctx: Context, windows: Sequence[Window]
                  ) -> list[Counter[tuple[str, str]]] | None:
    """The same counts, one index range of (owner, format, initiator, time) per known pair.

    SQLite groups by sorting every row, which for a large period costs far more than
    counting ranges of the index. The window totals check that no other format or
    initiator occurred; if one did, None sends the caller to the grouped query.
    """
    pairs = [(f.value, i.value) for f in Format for i in Initiator]
    owner: BindParameter[int] = bindparam("owner", ctx.owner_id)

    def count(w: Window, *conditions: ColumnElement[bool]) -> Any:
        return (select(func.count())
                .where(Interaction.owner_id == owner, *conditions,
                       w.contains(Interaction.occurred_at)).scalar_subquery())

    columns = []
    for w in windows:
        columns.append(count(w))
        columns += [count(w, Interaction.format == fmt, Interaction.initiated_by == initiator)
                    for fmt, initiator in pairs]
    row = ctx.session.execute(select(*columns)).one()
    groups: list[Counter[tuple[str, str]]] = []
    for index in range(len(windows)):
        total, *counts = row[index * (len(pairs) + 1):(index + 1) * (len(pairs) + 1)]
        if sum(counts) != total:
            return None
        groups.append(Counter({pair: int(n) for pair, n in zip(pairs, counts, strict=True)
                               if n}))
    return groups


def activity_and_formats(ctx: Context, windows: Sequence[Window]) -> tuple[list[Measure],
                                                                           list[Measure]]:
    """Interactions per week and initiative; the mix of formats."""
    activity, formats = [], []
    for w, groups in zip(windows, _interaction_groups(ctx, windows), strict=True):
        total = sum(groups.values())
        by_initiator = Counter({i.value: 0 for i in Initiator})
        by_format: Counter[str] = Counter()
        for (fmt, initiator), n in groups.items():
            by_initiator[initiator] += n
            by_format[fmt] += n
        activity.append(Measure({
            "interactions": total,
            "per_week": round(total / (w.days / 7), 2) if w.days else None,
            "initiative_pct": percent(by_initiator[Initiator.ME.value], total),
            "initiated_by_me": by_initiator[Initiator.ME.value],
            "initiated_by_them": by_initiator[Initiator.THEM.value],
            "initiated_mutual": by_initiator[Initiator.MUTUAL.value],
        }))
        in_person = sum(n for f, n in by_format.items() if _is(f, "in_person"))
        formal = sum(n for f, n in by_format.items() if _is(f, "formal"))
        formats.append(Measure({
            "count": total,
            "distinct": len(by_format),
            "entropy": round(entropy(by_format.values()), 3),
            "in_person": in_person, "remote": total - in_person,
            "in_person_pct": percent(in_person, total),
            "formal": formal, "informal": total - formal,
            "formal_pct": percent(formal, total),
        }, {"formats": dict(by_format.most_common())}))
    return activity, formats


def _is(fmt: str, what: str) -> bool:
    try:
        return bool(getattr(Format(fmt), what))
    except ValueError:
        return False


def replies(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Reply rate and median reply time, mine to their messages and theirs to mine."""
    # Threads come only from mail and chat imports; without any, skip the scan of the window.
    threaded = ctx.session.scalar(select(Interaction.id).where(
        Interaction.thread_key.is_not(None)).limit(1))
    reply = aliased(Interaction)
    message = aliased(Interaction)
    query = (select(message.occurred_at, message.initiated_by, func.min(reply.occurred_at))
             .outerjoin(reply, and_(reply.reply_to_id == message.id,
                                    reply.initiated_by != message.initiated_by,
                                    reply.initiated_by != Initiator.MUTUAL.value,
                                    reply.occurred_at >= message.occurred_at))
             .where(message.owner_id == ctx.owner_id, message.thread_key.is_not(None),
                    message.format.in_(MESSAGE_FORMATS),
                    message.initiated_by.in_((Initiator.ME.value, Initiator.THEM.value)),
                    message.occurred_at >= min(w.start for w in windows),
                    message.occurred_at < max(w.end for w in windows))
             .group_by(message.id, message.occurred_at, message.initiated_by))
    if _scoped(ctx):
        query = query.where(message.id.in_(
            select(InteractionParticipant.interaction_id)
            .where(InteractionParticipant.contact_id.in_(_scope_ids(ctx)))))
    rows = ctx.session.execute(query).all() if threaded is not None else []
    out = []
    for w in windows:
        figures: dict[str, Any] = {}
        for side, sender in (("mine", Initiator.THEM.value), ("theirs", Initiator.ME.value)):
            counted, delays = 0, []
            for sent, who, first_reply in rows:
                if who != sender or not (w.start <= sent < w.end):
                    continue
                delay = (first_reply - sent) if first_reply is not None else None
                if delay is not None and delay <= REPLY_WINDOW:
                    delays.append(delay.total_seconds() / 3600)
                elif sent > ctx.now - REPLY_WINDOW:
                    continue  # still within its two days: neither answered nor missed yet
                counted += 1
            figures[f"messages_{'from_them' if side == 'mine' else 'from_me'}"] = counted
            figures[f"reply_rate_{side}_pct"] = percent(len(delays), counted)
            hours = median(delays)
            figures[f"reply_hours_{side}"] = None if hours is None else round(hours, 2)
        out.append(Measure(figures))
    return out


# --- value, trust, career ------------------------------------------------------------------


def career(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Professional value received, by career category, per window."""
    which = case(*[(w.contains(ValueExchange.occurred_at), literal(i))
                   for i, w in enumerate(windows)], else_=literal(-1))
    query = (select(which, ValueExchange.category, func.count())
             .where(ValueExchange.owner_id == ctx.owner_id,
                    ValueExchange.direction == "received", ValueExchange.kind == "professional",
                    ValueExchange.occurred_at >= min(w.start for w in windows),
                    ValueExchange.occurred_at < max(w.end for w in windows))
             .group_by(which, ValueExchange.category))
    if _scoped(ctx):
        query = query.where(ValueExchange.contact_id.in_(_scope_ids(ctx)))
    counts: list[Counter[str]] = [Counter() for _ in windows]
    for index, category, n in ctx.session.execute(query):
        if index >= 0:
            counts[int(index)][category if category in CAREER_CATEGORIES else "other"] += int(n)
    return [Measure({"received": sum(c.values()),
                     **{name: c[name] for name in (*CAREER_CATEGORIES, "other")}})
            for c in counts]


def trust(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Trust ratings as they stood at each window's end, and the changes within it."""
    out = []
    for w in windows:
        out.append(Measure({**_trust_at(ctx, w.end), **_trust_changes(ctx, w)}))
    return out


def _trust_at(ctx: Context, moment: datetime) -> dict[str, Any]:
    """Ratings at ``moment``: the latest recorded change by then, else the current rating of
    a contact whose rating has no history at all."""
    ranked = (select(TrustChange.contact_id, TrustChange.trust,
                     func.row_number().over(partition_by=TrustChange.contact_id,
                                            order_by=(TrustChange.changed_at.desc(),
                                                      TrustChange.id.desc())).label("rn"))
              .where(TrustChange.changed_at < moment).subquery())
    has_history = select(TrustChange.contact_id).distinct().subquery()
    level = case((ranked.c.trust.is_not(None), ranked.c.trust),
                 (has_history.c.contact_id.is_(None), Contact.trust), else_=None)
    rows = ctx.session.execute(
        select(level, func.count())
        .select_from(Contact)
        .outerjoin(ranked, and_(ranked.c.contact_id == Contact.id, ranked.c.rn == 1))
        .outerjoin(has_history, has_history.c.contact_id == Contact.id)
        .where(*contact_filter(ctx), _joined_before(moment))
        .group_by(level)).all()
    levels = {n: 0 for n in range(1, 6)}
    unrated = 0
    for value, n in rows:
        if value is None:
            unrated += int(n)
        else:
            levels[int(value)] = levels.get(int(value), 0) + int(n)
    rated = sum(levels.values())
    mean = sum(k * v for k, v in levels.items()) / rated if rated else None
    return {"rated": rated, "unrated": unrated,
            "mean": None if mean is None else round(mean, 2),
            **{f"level_{k}": levels[k] for k in range(1, 6)}}


def _trust_changes(ctx: Context, w: Window) -> dict[str, int]:
    """Within the window: ratings raised, lowered, and given for the first time."""
    previous = func.lag(TrustChange.trust).over(
        partition_by=TrustChange.contact_id, order_by=(TrustChange.changed_at, TrustChange.id))
    history = (select(TrustChange.changed_at, TrustChange.trust, previous.label("before"))
               .join(Contact, Contact.id == TrustChange.contact_id)
               .where(*contact_filter(ctx)).subquery())
    raised = _sum_if(history.c.trust > history.c.before)
    lowered = _sum_if(history.c.trust < history.c.before)
    first = _sum_if(history.c.before.is_(None))
    row = ctx.session.execute(select(raised, lowered, first).where(
        history.c.changed_at >= w.start, history.c.changed_at < w.end)).one()
    return {"raised": int(row[0]), "lowered": int(row[1]), "first_rated": int(row[2])}


# --- cadence health ----------------------------------------------------------------------


def cadence_health(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Share of key and regular ties whose last qualifying contact is within their cadence.

    At the current end the denormalized ``last_qualifying_at`` answers; at an earlier end the
    question is whether a qualifying interaction fell in [end − cadence, end].
    """
    tiers = (Tier.KEY.value, Tier.REGULAR.value)
    overrides = sorted({int(d) for d in ctx.session.scalars(
        select(Contact.cadence_days).distinct()
        .where(*contact_filter(ctx), Contact.tier.in_(tiers), Contact.cadence_days.is_not(None)))
        if d is not None})
    out = []
    for w in windows:
        def cutoff(days: int, end: datetime = w.end) -> datetime:
            return end - timedelta(days=days)

        limit = case(
            *[(Contact.cadence_days == d, cutoff(d)) for d in overrides],
            *[(Contact.tier == t, cutoff(int(ctx.cadences[t]))) for t in tiers],
            else_=None)
        within: ColumnElement[bool]
        if w.end >= ctx.now:
            last = Contact.last_qualifying_at
            within = and_(last.is_not(None), last >= limit)
        else:
            # A qualifying interaction in [end − cadence, end]: one range of the contact's
            # participations, each checked against its interaction until one qualifies.
            within = (select(InteractionParticipant.interaction_id)
                      .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
                      .where(InteractionParticipant.contact_id == Contact.id,
                             InteractionParticipant.occurred_at >= limit,
                             InteractionParticipant.occurred_at <= w.end,
                             Interaction.attendee_count <= ctx.max_attendees,
                             Interaction.format.not_in(ctx.excluded_formats))
                      .correlate(Contact).exists())
        rows = ctx.session.execute(
            select(Contact.tier, func.count(), _sum_if(within))
            .where(*contact_filter(ctx), Contact.tier.in_(tiers), _joined_before(w.end))
            .group_by(Contact.tier)).all()
        counts = {tier: (int(n), int(ok)) for tier, n, ok in rows}
        key_n, key_ok = counts.get(Tier.KEY.value, (0, 0))
        reg_n, reg_ok = counts.get(Tier.REGULAR.value, (0, 0))
        out.append(Measure({
            "key": percent(key_ok, key_n), "regular": percent(reg_ok, reg_n),
            "all": percent(key_ok + reg_ok, key_n + reg_n),
            "key_within": key_ok, "key_total": key_n,
            "regular_within": reg_ok, "regular_total": reg_n,
        }))
    return out
