"""The daily agenda: whom to reach today and why, ranked by urgency.

``build(session, owner_id=…, today=…, config=AgendaConfig.from_settings(settings))`` returns
``AgendaItem``s, most urgent first; the CLI (`tiekeep today`), the web dashboard, the mail
digest and the calendar feed all call it. The kinds of item and what ranks them:

- ``overdue``: days since the last *qualifying* interaction reached the ideal cadence.
  Priority ``w × days ÷ ideal``.
- ``followup``: an open follow-up due today or earlier. Priority ``3 + 0.5 × days late``,
  at most 10.
- ``date``: a birthday, a work anniversary (of the current role) or the anniversary of when
  you met, today or within the next ``h`` days (``agenda.date_horizon_days``), ``d`` days
  ahead. Priority ``w × (2 − d ÷ (h + 1))`` for birthdays, ``w × (1.5 − d ÷ (h + 1))`` for
  anniversaries.
- ``role_change``: a role change not yet acknowledged ("congratulate"). Priority ``w × 1.5``.
- ``project_ended``: a project-horizon tie, from 30 days (``agenda.project_followup_days``)
  after its project ended until a qualifying interaction on or after that day. Priority
  ``w × min(1 + p ÷ 30, 3)``, ``p`` days past that day.
- ``give_first``: more value received than given in the 12 months up to today (from the
  same day a year ago). Priority ``w × min(1 + (n − 1) ÷ 4, 2)``, ``n`` = received − given.

- The tier weight ``w`` is 3 for key ties, 2 regular, 1 supporting, 0.5 dormant.
- *Cadence*: the contact's override, else the tier's ideal (key 14, regular 30, supporting 90
  days, from the ``cadence.*`` settings). A tie is due at its ideal and **urgent** past its
  maximum (the tier's ``cadence.<tier>.max``, or an override × ``cadence.max_factor``).
  Dormant ties have no cadence, even with an override: dormant means "let it rest".
- *Days since* are calendar days in the user's zone, from the local date of the last
  qualifying interaction to today (see ``services.dates``); a contact never met counts from
  when it was added. Large meetings, mass mails and one-way posts are not qualifying
  (``QualifyingRules``). A tie is urgent once the days since exceed the maximum.
- The *overdue ratio* is days since ÷ ideal cadence; the priority weights it by tier.
- Snoozed items (``ReminderState`` of kind "*" or the item's kind, until a date) and dismissed
  ones (per item key: a date reminder for its year only) are left out, as are archived and
  deleted contacts. Ties in priority go by kind, due date, then contact id.

With a ``limit``, the kinds whose best possible priority cannot reach the current top items
are not queried at all, which keeps the agenda of a 100 000-contact network fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Interaction, ReminderState, Role, utcnow
from tiekeep.errors import InvalidInput
from tiekeep.services import agenda_text, contacts, dates, interactions, parsing

KINDS = ("overdue", "followup", "date", "role_change", "project_ended", "give_first")
KIND_ORDER = {kind: n for n, kind in enumerate(("followup", "date", "role_change", "overdue",
                                                "project_ended", "give_first"))}
TIER_WEIGHTS = {"key": 3.0, "regular": 2.0, "supporting": 1.0, "dormant": 0.5}
CADENCE_TIERS = ("key", "regular", "supporting")
SUGGESTIONS_PER_SOURCE = 3
GIVE_FIRST_MONTHS = 12
# Under a limit, this many times more of the contacts longest out of touch are looked at
# first, to learn how high a priority must be to make the top.
SEED_FACTOR = 10


@dataclass(frozen=True)
class Cadence:
    """A tie's rhythm: due after ``ideal`` days, urgent after ``max``."""

    ideal: int
    max: int


@dataclass(frozen=True)
class AgendaConfig:
    """What the agenda needs from the settings (``AgendaConfig.from_settings``)."""

    cadences: dict[str, Cadence] = field(default_factory=lambda: {
        "key": Cadence(14, 21), "regular": Cadence(30, 45), "supporting": Cadence(90, 135)})
    max_factor: float = 1.5
    date_horizon_days: int = 7
    project_followup_days: int = 30
    time_zone: str = "UTC"
    locale: str = "en"

    @classmethod
    def from_settings(cls, settings: Any) -> AgendaConfig:
        """Read cadences, horizons, the user's zone and locale from the effective settings."""
        cadences = {tier: Cadence(int(settings[f"cadence.{tier}.ideal"]),
                                  int(settings[f"cadence.{tier}.max"])) for tier in CADENCE_TIERS}
        for tier, cadence in cadences.items():
            if cadence.ideal < 1 or cadence.max < cadence.ideal:
                raise InvalidInput(f"cadence.{tier}: the ideal must be at least 1 day and the "
                                   f"maximum at least the ideal ({cadence.ideal}, {cadence.max})")
        return cls(cadences=cadences, max_factor=float(settings["cadence.max_factor"]),
                   date_horizon_days=int(settings["agenda.date_horizon_days"]),
                   project_followup_days=int(settings["agenda.project_followup_days"]),
                   time_zone=settings["me.time_zone"] or parsing.local_zone_name(),
                   locale=settings["me.locale"] or "en")

    def cadence(self, tier: str, override: int | None) -> Cadence | None:
        """The contact's cadence: its override, else its tier's; None for dormant ties."""
        if tier not in self.cadences:
            return None
        if override:
            return Cadence(override, max(override, ceil(override * self.max_factor)))
        return self.cadences[tier]

    def today(self, now: datetime | None = None) -> date:
        """Today in the user's zone."""
        return dates.local_today(self.time_zone, now)


@dataclass
class AgendaItem:
    """One thing to act on: a contact to reach, and why."""

    kind: str
    contact_id: int
    contact_name: str
    tier: str
    reason: str
    priority: float
    due: date | None = None
    key: str = ""
    urgent: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    def sort_key(self) -> tuple[float, int, date, int, str]:
        return (-round(self.priority, 9), KIND_ORDER[self.kind], self.due or date.max,
                self.contact_id, self.key)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form shared by `today --json`, the web API and the digest."""
        return {
            "kind": self.kind,
            "contact": {"id": self.contact_id, "name": self.contact_name},
            "reason": self.reason,
            "priority": round(self.priority, 3),
            "tier": self.tier,
            "due": self.due.isoformat() if self.due else None,
            "urgent": self.urgent,
            "key": self.key,
            **self.details,
            "suggestions": self.suggestions,
        }


# --- priorities (each formula once; see the table above) --------------------------------


def overdue_priority(tier: str, days: int, ideal: int) -> float:
    return TIER_WEIGHTS[tier] * days / ideal


def followup_priority(days_late: int) -> float:
    return min(3.0 + 0.5 * days_late, 10.0)


def date_priority(tier: str, what: str, days_until: int, horizon: int) -> float:
    base = 2.0 if what == "birthday" else 1.5
    return TIER_WEIGHTS[tier] * (base - days_until / (horizon + 1))


def role_change_priority(tier: str) -> float:
    return TIER_WEIGHTS[tier] * 1.5


def project_priority(tier: str, days_past: int) -> float:
    return TIER_WEIGHTS[tier] * min(1.0 + days_past / 30, 3.0)


def give_first_priority(tier: str, net_received: int) -> float:
    return TIER_WEIGHTS[tier] * min(1.0 + (net_received - 1) / 4, 2.0)


# The best priority each of the costlier queries can yield, to skip them under a limit.
BOUNDS = {"contact_dates": TIER_WEIGHTS["key"] * 3.0, "roles": TIER_WEIGHTS["key"] * 1.5,
          "give_first": TIER_WEIGHTS["key"] * 2.0}


# --- building the agenda -----------------------------------------------------------------


def build(session: Session, *, owner_id: int, today: date, config: AgendaConfig | None = None,
          limit: int | None = None, contact_id: int | None = None,
          suggestions: bool = True) -> list[AgendaItem]:
    """The agenda for ``today`` (a date in the user's zone), most urgent first.

    ``limit`` keeps the first N items; ``contact_id`` keeps one contact's items.
    """
    from tiekeep.services import agenda_query as query

    config = config or AgendaConfig()
    if limit is not None and limit < 0:
        raise InvalidInput(f"limit must not be negative, not {limit}")
    if limit == 0:
        return []
    hidden = query.hidden(session, owner_id=owner_id, today=today, contact_id=contact_id)
    scope = query.Scope(session=session, owner_id=owner_id, today=today, config=config,
                        contact_id=contact_id, hidden=hidden, limit=limit)
    items = [item for item in query.followups(scope) if not hidden.hides(item)]
    threshold = 0.0
    if limit is not None and contact_id is None:
        seeds = [item for item in query.overdue_seed(scope, SEED_FACTOR * limit)
                 if not hidden.hides(item)]
        threshold = _kth_priority([*items, *seeds], limit)
    items.extend(item for item in query.overdue(scope, threshold) if not hidden.hides(item))
    for name, collect in (("contact_dates", query.contact_dates), ("give_first",
                          query.give_first), ("roles", query.roles)):
        if limit is not None and BOUNDS[name] < _kth_priority(items, limit):
            continue  # nothing it finds could make the top
        items.extend(item for item in collect(scope) if not hidden.hides(item))
    items.sort(key=AgendaItem.sort_key)
    if limit is not None:
        del items[limit:]
    for item in items:
        item.reason = agenda_text.reason(item, config.locale)
    if suggestions:
        attach_suggestions(session, owner_id=owner_id, items=items)
    return items


def _kth_priority(items: Sequence[AgendaItem], k: int) -> float:
    """The k-th highest priority, or 0 when there are fewer items."""
    if len(items) < k:
        return 0.0
    return sorted((item.priority for item in items), reverse=True)[k - 1]


def attach_suggestions(session: Session, *, owner_id: int, items: Sequence[AgendaItem]) -> None:
    """What to talk about: plan topics and ways to support, the latest open next steps, and
    unshared resources on the contact's interests."""
    from tiekeep.services import agenda_query as query
    from tiekeep.services import resources

    ids = list(dict.fromkeys(item.contact_id for item in items))
    plan = query.plan_items(session, contact_ids=ids)
    steps = query.open_next_steps(session, contact_ids=ids, per_contact=SUGGESTIONS_PER_SOURCE)
    shareable = resources.matches(session, owner_id=owner_id, contact_ids=ids,
                                  per_contact=SUGGESTIONS_PER_SOURCE)
    for item in items:
        cid = item.contact_id
        found: list[dict[str, Any]] = [{"kind": kind, "text": text}
                                       for kind, text in plan.get(cid, [])]
        own = item.details.get("followup_id")
        found += [{"kind": "next_step", "text": text, "due": due.isoformat() if due else None}
                  for step_id, text, due in steps.get(cid, [])
                  if step_id != own][:SUGGESTIONS_PER_SOURCE]
        found += [{"kind": "resource", "text": r.title, "id": r.id, "url": r.url,
                   "topics": list(r.topics)} for r in shareable.get(cid, [])]
        item.suggestions = found


# --- acting on it ------------------------------------------------------------------------


def snooze(session: Session, *, owner_id: int, contact_id: int, until: date, today: date,
           kind: str = "*") -> ReminderState:
    """Hide a contact's items (of one kind, or "*" for all) until ``until``."""
    if kind != "*" and kind not in KINDS:
        raise InvalidInput(f"unknown agenda kind '{kind}' (choose from: *, {', '.join(KINDS)})")
    if until <= today:
        raise InvalidInput(f"snooze until a day after today ({today}), not {until}")
    contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    state = _state(session, owner_id=owner_id, contact_id=contact_id, kind=kind, key="")
    state.snoozed_until = until
    session.flush()
    return state


def dismiss(session: Session, *, owner_id: int, contact_id: int, today: date,
            config: AgendaConfig | None = None, kind: str | None = None) -> list[AgendaItem]:
    """Dismiss a contact's current date, role-change, project and give-first items.

    A date reminder is dismissed for its year only; a role change is acknowledged; a
    give-first nudge returns when the balance changes. Overdue ties and follow-ups are
    snoozed or done instead.
    """
    if kind in ("overdue", "followup"):
        raise InvalidInput(f"{kind} items are not dismissed: snooze them, or "
                           + ("log an interaction (tiekeep done)" if kind == "overdue"
                              else "close the follow-up (tiekeep followup done ID)"))
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown agenda kind '{kind}' (choose from: {', '.join(KINDS)})")
    contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    shown = [item for item in build(session, owner_id=owner_id, today=today, config=config,
                                    contact_id=contact_id, suggestions=False)
             if item.kind not in ("overdue", "followup") and kind in (None, item.kind)]
    now = utcnow()
    for item in shown:
        if item.kind == "role_change":
            role = session.get(Role, item.details["role_id"])
            if role is not None:
                role.acknowledged_at = now
            continue
        state = _state(session, owner_id=owner_id, contact_id=contact_id, kind=item.kind,
                       key=item.key)
        state.dismissed_at = now
        state.dismissed_until = item.due if item.kind == "date" else None
    session.flush()
    return shown


def done(session: Session, *, owner_id: int, contact_id: int, today: date,
         config: AgendaConfig | None = None, format: str = "other", note: str | None = None,
         at: datetime | None = None,
         rules: interactions.QualifyingRules | None = None) -> Interaction:
    """Log a quick interaction with the contact: it resets the cadence, acknowledges role
    changes and settles today's date reminders."""
    config = config or AgendaConfig()
    data = interactions.InteractionCreate(participant_ids=[contact_id],
                                          occurred_at=at or utcnow(), format=format,
                                          notes=note, initiated_by="me")
    interaction = interactions.log(session, owner_id=owner_id, data=data, rules=rules)
    now = utcnow()
    for role in session.scalars(select(Role).where(Role.contact_id == contact_id,
                                                   Role.is_change.is_(True),
                                                   Role.acknowledged_at.is_(None))):
        role.acknowledged_at = now
    for item in build(session, owner_id=owner_id, today=today, config=config,
                      contact_id=contact_id, suggestions=False):
        if item.kind == "date" and item.due == today:
            state = _state(session, owner_id=owner_id, contact_id=contact_id, kind="date",
                           key=item.key)
            state.dismissed_at, state.dismissed_until = now, item.due
    session.flush()
    return interaction


def _state(session: Session, *, owner_id: int, contact_id: int, kind: str,
           key: str) -> ReminderState:
    state = session.scalar(select(ReminderState).where(
        ReminderState.owner_id == owner_id, ReminderState.contact_id == contact_id,
        ReminderState.kind == kind, ReminderState.key == key))
    if state is None:
        state = ReminderState(owner_id=owner_id, contact_id=contact_id, kind=kind, key=key)
        session.add(state)
    return state

