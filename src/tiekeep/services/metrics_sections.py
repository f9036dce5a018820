"""The SQL behind each section of the network metrics; formulas are in services/metrics.py.

Each function takes the windows to measure (the current period and the one before it) and
returns, per window, a flat dict of figures plus named breakdowns. Windows share each scan of
the database: one query counts every window, each with its own ``count(*) FILTER (WHERE …)``
(or a CASE), so the stats of two periods cost about what one did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, and_, bindparam, case, exists, func, literal, or_, select
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

    @staticmethod
    def cover(windows: Sequence[Window]) -> Window:
        """The smallest window holding all of these: what one scan for them all reads."""
        return Window(min(w.start for w in windows), max(w.end for w in windows))


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


def _current(role: Any, day: date) -> ColumnElement[bool]:
    """``role`` had started by ``day`` (or has no start) and had not yet ended."""
    return and_(or_(role.started.is_(None), role.started <= day),
                or_(role.ended.is_(None), role.ended > day))


def _role_on(role: Any, day: date, contact_id: Any) -> ColumnElement[bool]:
    """Join condition: ``role`` is the contact's role on ``day``.

    Of several current roles, the one started last wins (an undated start counts as earlier
    than any date), then the one added last. Said as "no current role beats it", which is
    one look at the contact's few roles instead of sorting them.
    """
    other = aliased(Role)
    beats = or_(and_(other.started.is_not(None), role.started.is_(None)),
                other.started > role.started,
                and_(other.started == role.started, other.id > role.id),
                and_(other.started.is_(None), role.started.is_(None), other.id > role.id))
    return and_(role.contact_id == contact_id, _current(role, day),
                ~exists().where(other.contact_id == role.contact_id, other.id != role.id,
                                _current(other, day), beats))


def _joined_before(moment: datetime) -> ColumnElement[bool]:
    """The contact joined the network before ``moment``: met_on, else when it was added.

    Without a met_on its comparison is NULL and the coalesce falls to when it was added: one
    test per row where spelling out both cases took four.
    """
    return func.coalesce(Contact.met_on < moment.date(), Contact.created_at < moment,
                         type_=Boolean)


def _count_if(*conditions: ColumnElement[bool]) -> Any:
    """count(*), of the rows meeting the conditions if any are given."""
    return func.count().filter(and_(*conditions)) if conditions else func.count()


def _bounds(column: Any, span: Window, scan: Window) -> list[ColumnElement[bool]]:
    """The bounds of ``span`` on ``column`` that a scan of ``scan`` does not already apply."""
    return [*([column >= span.start] if span.start > scan.start else []),
            *([column < span.end] if span.end < scan.end else [])]


def _null_first(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    """Sort key of SQLite's GROUP BY: NULL first, then text in code point order."""
    return tuple((value is not None, value or "") for value in key)


# --- size and diversity ------------------------------------------------------------------


def size(windows: Sequence[Window], activity: Sequence[Measure],
         census: Census) -> list[Measure]:
    """Total and new contacts (by when they joined), active and regular ones."""
    out = []
    for w, active in zip(windows, activity, strict=True):
        total, new = census.joined_before(w.end), census.joined_within(w)
        out.append(Measure({
            "total": total, "active": active.figures["active"],
            "regular": active.figures["regular"], "new_contacts": new,
            "new_per_month": round(new / (w.days / DAYS_PER_MONTH), 2) if w.days else None,
        }))
    return out


def active_contacts(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Active (≥ 1 interaction in the 90 days before the end) and regular (≥ 3) contacts,
    with how the active ones spread over departments and organizations then."""
    spans = [Window(w.end - timedelta(days=ACTIVE_DAYS), w.end) for w in windows]
    by_role: list[dict[tuple[str | None, str | None], list[int]]] = [{} for _ in windows]
    for group in _overlapping(spans):
        for i, counts in zip(group, _active_by_role(ctx, [spans[i] for i in group]),
                             strict=True):
            by_role[i] = counts
    out = []
    for counts in by_role:
        departments: Counter[str] = Counter()
        organizations: Counter[str] = Counter()
        active = regular = 0
        # In the order SQLite's GROUP BY gave them: where counts tie, the breakdowns list
        # names, and _merge_case picks spellings, in that order.
        for (department, organization) in sorted(counts, key=_null_first):
            n_active, n_regular = counts[(department, organization)]
            active += n_active
            regular += n_regular
            departments[_label(department)] += n_active
            organizations[_label(organization)] += n_active
        out.append(Measure({"active": active, "regular": regular},
                           {"departments": _merge_case(departments),
                            "organizations": _merge_case(organizations)}))
    return out


def _overlapping(spans: Sequence[Window]) -> list[list[int]]:
    """The spans' indexes, grouped where spans overlap or touch (one scan covers a group)."""
    groups: list[list[int]] = []
    end = None
    for i in sorted(range(len(spans)), key=lambda i: spans[i].start):
        if end is None or spans[i].start > end:
            groups.append([])
            end = spans[i].end
        groups[-1].append(i)
        end = max(end, spans[i].end)
    return groups


def _active_by_role(ctx: Context, spans: Sequence[Window]
                    ) -> list[dict[tuple[str | None, str | None], list[int]]]:
    """Per span, {(department, organization) on its last day: [active, regular]}.

    Each contact's participations of all the spans are one range of the participants'
    (contact, time) index, read once and counted per span; grouped by contact id, SQLite
    needs no sort. Only the bounds a span does not share with the scan are tested per row.
    """
    part = InteractionParticipant
    scan = Window.cover(spans)
    per_contact = (
        select(Contact.id.label("cid"),
               *[_count_if(*_bounds(part.occurred_at, s, scan)).label(f"n{i}")
                 for i, s in enumerate(spans)])
        .join(part, and_(part.contact_id == Contact.id, part.occurred_at >= scan.start,
                         part.occurred_at < scan.end))
        .where(*contact_filter(ctx))
        .group_by(Contact.id).subquery())
    roles = [aliased(Role) for _ in spans]
    keys = [column for role in roles for column in (role.department, role.organization)]
    query = select(*keys, *[column for i in range(len(spans)) for column in (
        _count_if(per_contact.c[f"n{i}"] > 0),
        _count_if(per_contact.c[f"n{i}"] >= REGULAR_MIN))]).select_from(per_contact)
    for i, (role, s) in enumerate(zip(roles, spans, strict=True)):
        # Only a contact active in the span needs its role then.
        query = query.outerjoin(role, and_(per_contact.c[f"n{i}"] > 0,
                                           _role_on(role, s.end.date(), per_contact.c.cid)))
    out: list[dict[tuple[str | None, str | None], list[int]]] = [{} for _ in spans]
    for row in ctx.session.execute(query.group_by(*keys)):
        names: Sequence[Any] = row[:len(keys)]
        tallies: Sequence[Any] = row[len(keys):]
        for i in range(len(spans)):
            if tallies[2 * i]:
                # A span's role recurs in as many rows as the other spans' roles vary.
                tally = out[i].setdefault((names[2 * i], names[2 * i + 1]), [0, 0])
                tally[0] += int(tallies[2 * i])
                tally[1] += int(tallies[2 * i + 1])
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


# --- the contacts at each end: when they joined, their trust rating ----------------------


@dataclass(frozen=True)
class Census:
    """The scoped contacts, counted once by when they joined and their rating at each end.

    ``moments`` are the windows' starts and ends in order; a contact's ``joined`` is the index
    of the first moment it had joined before (len(moments): not even before the last).
    ``counts`` maps (joined, (rating at each of ``ends``)) to a number of contacts.
    """

    moments: tuple[datetime, ...]
    ends: tuple[datetime, ...]
    counts: Mapping[tuple[int, tuple[int | None, ...]], int]

    def joined_before(self, moment: datetime) -> int:
        """How many contacts had joined before ``moment`` (one of the moments)."""
        k = self.moments.index(moment)
        return sum(n for (joined, _), n in self.counts.items() if joined <= k)

    def joined_within(self, w: Window) -> int:
        """How many contacts joined within the window."""
        return self.joined_before(w.end) - self.joined_before(w.start)

    def levels_at(self, end: datetime) -> Counter[int | None]:
        """The ratings at ``end`` (one of the ends) of the contacts who had joined by then."""
        k, i = self.moments.index(end), self.ends.index(end)
        levels: Counter[int | None] = Counter()
        for (joined, ratings), n in self.counts.items():
            if joined <= k:
                levels[ratings[i]] += n
        return levels


def census(ctx: Context, windows: Sequence[Window], *, ratings: bool = True) -> Census:
    """One pass over the scoped contacts for size and trust: when each joined, and (unless
    ``ratings`` is false, as size alone needs none) its rating at each window's end."""
    moments = tuple(sorted({m for w in windows for m in (w.start, w.end)}))
    ends = tuple(sorted({w.end for w in windows})) if ratings else ()
    joined = case(*[(_joined_before(m), i) for i, m in enumerate(moments)],
                  else_=len(moments))
    per_contact = select(joined.label("joined"),
                         *[_trust_at(end).label(f"trust{i}") for i, end in enumerate(ends)]
                         ).where(*contact_filter(ctx)).subquery()
    keys = [per_contact.c.joined, *[per_contact.c[f"trust{i}"] for i in range(len(ends))]]
    counts = {(int(row[0]), tuple(row[1:-1])): int(row[-1])
              for row in ctx.session.execute(select(*keys, func.count()).group_by(*keys))}
    return Census(moments, ends, counts)


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
                    Window.cover(windows).contains(Interaction.occurred_at))
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
                    Window.cover(windows).contains(message.occurred_at))
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
                    Window.cover(windows).contains(ValueExchange.occurred_at))
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


def trust(ctx: Context, windows: Sequence[Window], census: Census) -> list[Measure]:
    """Trust ratings as they stood at each window's end, and the changes within it."""
    return [Measure({**_trust_levels(census.levels_at(w.end)), **changes})
            for w, changes in zip(windows, _trust_changes(ctx, windows), strict=True)]


def _trust_at(moment: datetime) -> Any:
    """The contact's rating at ``moment``: the latest recorded change before it, else the
    current rating of a contact whose rating has no history at all (correlated)."""
    latest = (select(TrustChange.trust)
              .where(TrustChange.contact_id == Contact.id, TrustChange.changed_at < moment)
              .order_by(TrustChange.changed_at.desc(), TrustChange.id.desc())
              .limit(1).scalar_subquery())
    has_history = Contact.id.in_(select(TrustChange.contact_id))
    return case((has_history, latest), else_=Contact.trust)


def _trust_levels(counts: Mapping[int | None, int]) -> dict[str, Any]:
    """Rated and unrated contacts, their mean rating, and how many hold each rating."""
    levels = {n: 0 for n in range(1, 6)}
    unrated = 0
    for value, n in counts.items():
        if value is None:
            unrated += n
        else:
            levels[int(value)] = levels.get(int(value), 0) + n
    rated = sum(levels.values())
    mean = sum(k * v for k, v in levels.items()) / rated if rated else None
    return {"rated": rated, "unrated": unrated,
            "mean": None if mean is None else round(mean, 2),
            **{f"level_{k}": levels[k] for k in range(1, 6)}}


def _trust_changes(ctx: Context, windows: Sequence[Window]) -> list[dict[str, int]]:
    """Within each window: ratings raised, lowered, and given for the first time."""
    previous = func.lag(TrustChange.trust).over(
        partition_by=TrustChange.contact_id, order_by=(TrustChange.changed_at, TrustChange.id))
    # Filtered by a correlated EXISTS, so that the plan reads the (short) history and looks
    # each contact up, not every contact for its history.
    history = (select(TrustChange.changed_at, TrustChange.trust, previous.label("before"))
               .where(exists().where(Contact.id == TrustChange.contact_id,
                                     *contact_filter(ctx)))
               .subquery())
    h = history.c
    columns = []
    for w in windows:
        inside = w.contains(h.changed_at)
        columns += [_count_if(inside, h.trust > h.before), _count_if(inside, h.trust < h.before),
                    _count_if(inside, h.before.is_(None))]
    row = ctx.session.execute(select(*columns).where(
        Window.cover(windows).contains(h.changed_at))).one()
    return [{"raised": int(row[3 * i]), "lowered": int(row[3 * i + 1]),
             "first_rated": int(row[3 * i + 2])} for i in range(len(windows))]


# --- cadence health ----------------------------------------------------------------------


def cadence_health(ctx: Context, windows: Sequence[Window]) -> list[Measure]:
    """Share of key and regular ties whose last qualifying contact is within their cadence.

    At the current end the denormalized ``last_qualifying_at`` answers; at an earlier end the
    question is whether a qualifying interaction fell in [end − cadence, end]. One pass over
    the contacts counts every window and tier.
    """
    tiers = (Tier.KEY.value, Tier.REGULAR.value)
    overrides = sorted({int(d) for d in ctx.session.scalars(
        select(Contact.cadence_days).distinct()
        .where(*contact_filter(ctx), Contact.tier.in_(tiers), Contact.cadence_days.is_not(None)))
        if d is not None})
    columns = []
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
        for tier in tiers:
            joined = and_(Contact.tier == tier, _joined_before(w.end))
            columns += [_count_if(joined), _count_if(joined, within)]
    # Each tier is a condition of its counts, not of the scan: read through an index on the
    # tier instead, every key or regular tie would cost a random read of its row.
    row = ctx.session.execute(select(*columns).where(*contact_filter(ctx))).one()
    out = []
    for i in range(len(windows)):
        key_n, key_ok, reg_n, reg_ok = (int(n) for n in row[4 * i : 4 * i + 4])
        out.append(Measure({
            "key": percent(key_ok, key_n), "regular": percent(reg_ok, reg_n),
            "all": percent(key_ok + reg_ok, key_n + reg_n),
            "key_within": key_ok, "key_total": key_n,
            "regular_within": reg_ok, "regular_total": reg_n,
        }))
    return out
