"""The agenda's queries: one per source of items, each selecting in SQL what can show today.

The rules and formulas are described in ``services.agenda``; this module turns rows into
``AgendaItem``s. Under a limit, follow-ups are cut in SQL in the order of their priority,
and overdue ties are read above a priority threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy import and_, case, exists, extract, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from tiekeep.core.models import (
    Contact,
    FollowUp,
    PlanItem,
    ReminderState,
    Role,
    ValueExchange,
)
from tiekeep.services import dates
from tiekeep.services.agenda import (
    CADENCE_TIERS,
    GIVE_FIRST_MONTHS,
    TIER_WEIGHTS,
    AgendaConfig,
    AgendaItem,
    date_priority,
    followup_priority,
    give_first_priority,
    overdue_priority,
    project_priority,
    role_change_priority,
)

# Extra follow-ups fetched under a limit, so that ties on the due date cannot push one
# out of the top.
SLACK = 10


@dataclass
class Hidden:
    """The owner's active snoozes and dismissals."""

    snoozed: dict[int, set[str]] = field(default_factory=dict)  # contact → kinds, "*" = all
    dismissed: set[tuple[int, str, str]] = field(default_factory=set)  # (contact, kind, key)

    def hides(self, item: AgendaItem) -> bool:
        kinds = self.snoozed.get(item.contact_id, ())
        return ("*" in kinds or item.kind in kinds
                or (item.contact_id, item.kind, item.key) in self.dismissed)

    def snoozed_for(self, kind: str) -> list[int]:
        """The contacts whose items of this kind are snoozed."""
        return [cid for cid, kinds in self.snoozed.items() if "*" in kinds or kind in kinds]


@dataclass
class Scope:
    """What every query is about: whose agenda, which day, which settings."""

    session: Session
    owner_id: int
    today: date
    config: AgendaConfig
    contact_id: int | None
    hidden: Hidden
    limit: int | None

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    @property
    def end(self) -> datetime:
        """The end of today in the user's zone: days since are counted up to it."""
        return dates.end_of(self.today, self.config.time_zone)

    def contact_filter(self, *, by_owner_index: bool = False) -> list[Any]:
        """Only this owner's active contacts (and only one, if asked).

        ``by_owner_index`` is for queries that read an index leading with the owner.
        """
        owner: Any = Contact.owner_id
        if self.dialect == "sqlite" and self.contact_id is None and not by_owner_index:
            # Without this, SQLite walks an (owner_id, …) index and fetches every row by id,
            # which is four times slower than reading the table once.
            owner = owner + 0
        where = [owner == self.owner_id, Contact.status == "active",
                 Contact.deleted_at.is_(None)]
        if self.contact_id is not None:
            where.append(Contact.id == self.contact_id)
        return where


def hidden(session: Session, *, owner_id: int, today: date,
           contact_id: int | None = None) -> Hidden:
    """The snoozes still running and the dismissals still in force today."""
    query = select(ReminderState.contact_id, ReminderState.kind, ReminderState.key,
                   ReminderState.snoozed_until, ReminderState.dismissed_at).where(
        ReminderState.owner_id == owner_id,
        or_(ReminderState.snoozed_until > today,
            and_(ReminderState.dismissed_at.is_not(None),
                 or_(ReminderState.dismissed_until.is_(None),
                     ReminderState.dismissed_until >= today))))
    if contact_id is not None:
        query = query.where(ReminderState.contact_id == contact_id)
    result = Hidden()
    for cid, kind, key, snoozed_until, dismissed_at in session.execute(query):
        if snoozed_until is not None and snoozed_until > today:
            result.snoozed.setdefault(cid, set()).add(kind)
        if dismissed_at is not None:
            result.dismissed.add((cid, kind, key))
    return result


# --- overdue ties ------------------------------------------------------------------------

_OVERDUE_COLUMNS = (Contact.id, Contact.display_name, Contact.tier, Contact.cadence_days,
                    Contact.last_qualifying_at, Contact.created_at, Contact.last_contact_at)


def overdue(scope: Scope, threshold: float = 0.0) -> list[AgendaItem]:
    """Overdue ties whose priority is at least ``threshold``.

    Under a limit, the threshold is a lower bound of the last priority that makes the top,
    so few rows come back. For the tiers' own cadences the condition is a comparison with
    the start of a local day; cadence overrides need the days computed in SQL, where a loose
    bound is enough and Python keeps the exact ones. Each of these conditions is a range of
    the (owner, tier, cadence, anchor) index, read as its own branch of a UNION ALL: one
    OR of them all would be a scan of every contact.
    """
    config, today, tz = scope.config, scope.today, scope.config.time_zone
    anchor = func.coalesce(Contact.last_qualifying_at, Contact.created_at)  # as indexed
    days = dates.days_since_sql(scope.dialect, scope.end, anchor)
    where = scope.contact_filter(by_owner_index=True)
    branches = []
    for tier in CADENCE_TIERS:
        weight, ideal = TIER_WEIGHTS[tier], config.cadences[tier].ideal
        # Due (days ≥ ideal) and ranked high enough (w × days ÷ ideal ≥ threshold).
        need = max(ideal, ceil(threshold * ideal / weight - 1e-9))
        branches.append(select(*_OVERDUE_COLUMNS).where(
            *where, Contact.tier == tier, Contact.cadence_days.is_(None),
            anchor < dates.start_of(today - timedelta(days=need - 1), tz)))
        factor = max(1.0, threshold / weight)
        branches.append(select(*_OVERDUE_COLUMNS).where(
            *where, Contact.tier == tier, Contact.cadence_days.is_not(None),
            days >= Contact.cadence_days * factor - 1))
    return _overdue_items(scope, scope.session.execute(union_all(*branches)), threshold)


def overdue_seed(scope: Scope, size: int) -> list[AgendaItem]:
    """Overdue items among the contacts longest out of touch, found through the index on the
    last contact; their priorities give ``overdue`` a threshold to start from."""
    oldest = (select(Contact.id)
              .where(Contact.owner_id == scope.owner_id, Contact.last_contact_at.is_not(None))
              .order_by(Contact.last_contact_at, Contact.id).limit(size))
    query = select(*_OVERDUE_COLUMNS).where(Contact.id.in_(oldest.scalar_subquery()),
                                            Contact.status == "active",
                                            Contact.deleted_at.is_(None))
    return _overdue_items(scope, scope.session.execute(query))


def _overdue_items(scope: Scope, rows: Any, threshold: float = 0.0) -> list[AgendaItem]:
    config, today, tz = scope.config, scope.today, scope.config.time_zone
    items = []
    for cid, name, tier, override, last_q, created, last_any in rows:
        cadence = config.cadence(tier, override)
        if cadence is None:
            continue
        since = dates.local_date(last_q or created, tz)
        days_since = (today - since).days
        priority = overdue_priority(tier, days_since, cadence.ideal)
        if days_since < cadence.ideal or priority < threshold - 1e-9:
            continue
        items.append(AgendaItem(
            kind="overdue", contact_id=cid, contact_name=name, tier=tier, reason="",
            priority=priority,
            due=since + timedelta(days=cadence.ideal), urgent=days_since > cadence.max,
            details={"days_since": days_since, "cadence": cadence.ideal,
                     "cadence_max": cadence.max,
                     "ratio": round(days_since / cadence.ideal, 3),
                     "days_overdue": days_since - cadence.ideal,
                     "last_qualifying": last_q.isoformat() if last_q else None,
                     "last_contact": last_any.isoformat() if last_any else None,
                     "never_met": last_q is None}))
    return items


# --- follow-ups --------------------------------------------------------------------------


def followups(scope: Scope) -> list[AgendaItem]:
    """Open follow-ups due today or earlier, not snoozed."""
    today = scope.today
    query = (select(FollowUp.id, FollowUp.text, FollowUp.due, FollowUp.contact_id,
                    Contact.display_name, Contact.tier)
             .join(Contact, Contact.id == FollowUp.contact_id)
             .where(FollowUp.owner_id == scope.owner_id, FollowUp.done_at.is_(None),
                    FollowUp.due <= today,
                    or_(FollowUp.snoozed_until.is_(None), FollowUp.snoozed_until <= today),
                    Contact.status == "active", Contact.deleted_at.is_(None))
             .order_by(FollowUp.due, FollowUp.contact_id, FollowUp.id))
    if scope.contact_id is not None:
        query = query.where(FollowUp.contact_id == scope.contact_id)
    if snoozed := scope.hidden.snoozed_for("followup"):
        query = query.where(FollowUp.contact_id.not_in(snoozed))
    if scope.limit is not None:  # follow-ups are not dismissed, so none of these is hidden
        query = query.limit(scope.limit + SLACK)
    items = []
    for fid, text, due, cid, name, tier in scope.session.execute(query):
        if due is None:  # never: "due <= today" leaves out the undated ones
            continue
        late = (today - due).days
        items.append(AgendaItem(
            kind="followup", contact_id=cid, contact_name=name, tier=tier, reason="",
            priority=followup_priority(late), due=due, key=f"followup:{fid}",
            details={"followup_id": fid, "text": text, "days_late": late}))
    return items


# --- birthdays, anniversaries of meeting, projects that ended ----------------------------


def _month_day(column: Any) -> Any:
    return extract("month", column) * 100 + extract("day", column)


def contact_dates(scope: Scope) -> list[AgendaItem]:
    """Birthdays and anniversaries of meeting in the horizon; project ties to follow up."""
    config, today = scope.config, scope.today
    horizon = config.date_horizon_days
    codes = [m * 100 + d for m, d in dates.month_days(today, horizon)]
    project_cut = today - timedelta(days=config.project_followup_days)
    query = (select(Contact.id, Contact.display_name, Contact.tier, Contact.birthday,
                    Contact.birthday_has_year, Contact.met_on, Contact.horizon,
                    Contact.project_end, Contact.last_qualifying_at)
             .where(*scope.contact_filter(),
                    or_(_month_day(Contact.birthday).in_(codes),
                        _month_day(Contact.met_on).in_(codes),
                        and_(Contact.horizon == "project", Contact.project_end <= project_cut))))
    items = []
    for cid, name, tier, birthday, has_year, met_on, horizon_kind, project_end, last_q in \
            scope.session.execute(query):
        if birthday is not None:
            found = _date_item(scope, cid, name, tier, "birthday", birthday)
            if found is not None:
                known = has_year and birthday.year != dates.UNKNOWN_YEAR
                del found.details["years"]
                found.details["age"] = (dates.years_at(birthday, found.due or scope.today)
                                        if known else None)
                items.append(found)
        if met_on is not None:
            found = _date_item(scope, cid, name, tier, "met", met_on)
            if found is not None and found.details["years"] > 0:
                items.append(found)
        if horizon_kind == "project" and project_end is not None:
            items.extend(_project_item(scope, cid, name, tier, project_end, last_q))
    return items


def _date_item(scope: Scope, cid: int, name: str, tier: str, what: str,
               original: date, **extra: Any) -> AgendaItem | None:
    """A date reminder if ``original`` recurs today or within the horizon."""
    horizon = scope.config.date_horizon_days
    found = dates.upcoming(original, scope.today, horizon)
    if found is None:
        return None
    occurrence, days_until = found
    return AgendaItem(
        kind="date", contact_id=cid, contact_name=name, tier=tier, reason="",
        priority=date_priority(tier, what, days_until, horizon), due=occurrence,
        key=f"{what}:{occurrence.year}",
        details={"date_kind": what, "date": occurrence.isoformat(), "days_until": days_until,
                 "years": occurrence.year - original.year, **extra})


def _project_item(scope: Scope, cid: int, name: str, tier: str, project_end: date,
                  last_q: datetime | None) -> list[AgendaItem]:
    follow_day = project_end + timedelta(days=scope.config.project_followup_days)
    if follow_day > scope.today:
        return []
    if last_q is not None and last_q >= dates.start_of(follow_day, scope.config.time_zone):
        return []  # already followed up
    days_past = (scope.today - follow_day).days
    return [AgendaItem(
        kind="project_ended", contact_id=cid, contact_name=name, tier=tier, reason="",
        priority=project_priority(tier, days_past), due=follow_day,
        key=f"project_ended:{project_end.isoformat()}",
        details={"project_end": project_end.isoformat(), "days_past": days_past})]


# --- role changes and work anniversaries -------------------------------------------------


def roles(scope: Scope) -> list[AgendaItem]:
    """Unacknowledged role changes, and work anniversaries of current roles in the horizon."""
    today, horizon = scope.today, scope.config.date_horizon_days
    codes = [m * 100 + d for m, d in dates.month_days(today, horizon)]
    later = aliased(Role)
    newer_open_role = exists().where(later.contact_id == Role.contact_id,
                                     later.ended.is_(None), later.started > Role.started)
    query = (select(Role.id, Role.contact_id, Role.title, Role.department, Role.organization,
                    Role.started, Role.ended, Role.is_change, Role.acknowledged_at,
                    Contact.display_name, Contact.tier)
             .join(Contact, Contact.id == Role.contact_id)
             .where(*scope.contact_filter(),
                    or_(and_(Role.is_change.is_(True), Role.acknowledged_at.is_(None)),
                        and_(Role.ended.is_(None), _month_day(Role.started).in_(codes),
                             ~newer_open_role))))
    items = []
    for rid, cid, title, dept, org, started, ended, change, acked, name, tier in \
            scope.session.execute(query):
        what = {"role_id": rid, "title": title, "department": dept, "organization": org,
                "started": started.isoformat() if started else None}
        if change and acked is None:
            items.append(AgendaItem(
                kind="role_change", contact_id=cid, contact_name=name, tier=tier, reason="",
                priority=role_change_priority(tier), due=started, key=f"role:{rid}",
                details=dict(what)))
        if started is not None and ended is None:
            found = _date_item(scope, cid, name, tier, "work", started, **what)
            if found is not None and found.details["years"] > 0:
                items.append(found)
    return items


# --- give first --------------------------------------------------------------------------


def give_first(scope: Scope) -> list[AgendaItem]:
    """Contacts from whom more value was received than given in the last 12 months."""
    tz = scope.config.time_zone
    since = dates.start_of(dates.add_years(scope.today, -GIVE_FIRST_MONTHS // 12), tz)
    received = func.sum(case((ValueExchange.direction == "received", 1), else_=0))
    given = func.sum(case((ValueExchange.direction == "given", 1), else_=0))
    query = (select(ValueExchange.contact_id, Contact.display_name, Contact.tier, received,
                    given)
             .join(Contact, Contact.id == ValueExchange.contact_id)
             .where(ValueExchange.owner_id == scope.owner_id,
                    ValueExchange.occurred_at >= since, ValueExchange.occurred_at < scope.end,
                    *scope.contact_filter())
             .group_by(ValueExchange.contact_id, Contact.display_name, Contact.tier)
             .having(received > given))
    items = []
    for cid, name, tier, got, gave in scope.session.execute(query):
        net = int(got) - int(gave)
        items.append(AgendaItem(
            kind="give_first", contact_id=cid, contact_name=name, tier=tier, reason="",
            priority=give_first_priority(tier, net), due=scope.today,
            key=f"give_first:{int(got)}:{int(gave)}",
            details={"received": int(got), "given": int(gave), "net_received": net}))
    return items


# --- what to talk about ------------------------------------------------------------------


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def plan_items(session: Session, *, contact_ids: list[int],
               per_kind: int = 3) -> dict[int, list[tuple[str, str]]]:
    """Open plan items per contact: (kind, text), topics first, oldest first."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for chunk in _chunks(contact_ids):
        rows = session.execute(
            select(PlanItem.contact_id, PlanItem.kind, PlanItem.text)
            .where(PlanItem.contact_id.in_(chunk), PlanItem.done_at.is_(None))
            .order_by(PlanItem.contact_id, PlanItem.kind.desc(), PlanItem.id))
        for cid, kind, text in rows:
            if counts[(cid, kind)] < per_kind:
                counts[(cid, kind)] += 1
                found[cid].append((kind, text))
    return found


def open_next_steps(session: Session, *, contact_ids: list[int], per_contact: int = 3
                    ) -> dict[int, list[tuple[int, str, date | None]]]:
    """The latest open follow-ups per contact: (id, text, due), newest first."""
    found: dict[int, list[tuple[int, str, date | None]]] = defaultdict(list)
    for chunk in _chunks(contact_ids):
        # Done ones are skipped here rather than in SQL: with "done_at IS NULL" SQLite's
        # planner prefers the (owner, done, due) index and reads every open follow-up.
        rows = session.execute(
            select(FollowUp.id, FollowUp.contact_id, FollowUp.text, FollowUp.due,
                   FollowUp.done_at)
            .where(FollowUp.contact_id.in_(chunk))
            .order_by(FollowUp.contact_id, FollowUp.created_at.desc(), FollowUp.id.desc()))
        for fid, cid, text, due, done_at in rows:
            if done_at is None and len(found[cid]) < per_contact + 1:  # +1: the item's own
                found[cid].append((fid, text, due))
    return found
