"""Network health: every metric of DESIGN.md, each with its trend against the period before.

Periods are half-open, [start, end). `stats` compares the current period [now − P, now) with
the previous one [now − 2P, now − P). Snapshot figures are taken at each period's end.
Every share, ratio and rate is a percentage (0–100, rounded to 0.1).

The formulas, each implemented once (SQL in services/metrics_sections.py):

- size.total: live contacts who had joined by the end; *joined* is ``met_on`` where known,
  else when the contact was added. size.new_contacts: joined within the period;
  size.new_per_month: new_contacts ÷ (period days ÷ 30.44).
- size.active: contacts with ≥ 1 interaction in the 90 days before the end; size.regular: ≥ 3.
- activity.interactions: interactions in the period; per_week: interactions ÷ (days ÷ 7);
  initiative_pct: initiated by me ÷ all (mutual ones count in the denominator).
- activity.reply_rate_mine_pct: of their messages (email or chat with a thread, initiated by
  them) sent in the period, the share that got my reply (an interaction initiated by me with
  ``reply_to_id`` pointing at it) within 2 days; reply_hours_mine: the median hours to those
  replies. A message younger than 2 days at ``now`` without a reply is not counted yet.
  The *_theirs figures measure the same for my messages and their replies.
- formats.distinct / formats.entropy: distinct formats of the period's interactions and their
  Shannon entropy in bits, −Σ p·log2 p; in_person / remote and formal / informal follow the
  tags of core.enums.Format.
- diversity: the active contacts' departments and organizations (their role on the end
  day): distinct counts, entropy in bits over known values, and the share outside my own
  (User.department / User.organization, compared case-insensitively; unknown excluded).
- reciprocity: value given − value received in the period, overall and per kind
  (services.values.balance; each exchange counts one).
- trust: ratings at the end (the latest recorded change by then, else the current rating of
  a contact whose rating has no history), their mean, and within the period the ratings
  raised, lowered and first given.
- career: professional value received in the period, by category (recommendation,
  referral, advice, opportunity, other).
- cadence_health.key / .regular / .all: the share of key / regular / both ties that are
  within cadence at the end: their last qualifying contact (Contact.last_qualifying_at; for
  an earlier end, the latest qualifying interaction by then) no older than the cadence
  (Contact.cadence_days, else the tier default of the `cadence.<tier>.ideal` settings).
- layers: Dunbar-style strength layers at the end, cumulative like Dunbar's circles: ties
  with strength ≥ 70 (support clique, nominal 5), ≥ 55 (sympathy group, 15), ≥ 40 (affinity
  group, 50) and ≥ 20 (active network, 150). A tie met every two weeks with some depth scores
  about 75, a monthly one about 45, a quarterly one about 20. Where the scoring window
  holds more than 20 000 interactions, the layers are estimated from 1 in k contacts, each
  scored exactly (see services.scoring); the same contacts at both ends, so the trend
  compares like with like. ``layers.sampled_every`` is k.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tiekeep.core.enums import ValueKind
from tiekeep.core.models import User
from tiekeep.errors import InvalidInput
from tiekeep.services import metrics_sections as sections
from tiekeep.services import scoring, values
from tiekeep.services.interactions import QualifyingRules
from tiekeep.services.metrics_sections import Context, Measure, Window

DEFAULT_CADENCES = {"key": 14, "regular": 30, "supporting": 90}
LAYERS = (("support", 5, 70.0), ("sympathy", 15, 55.0), ("affinity", 50, 40.0),
          ("active", 150, 20.0))
SAMPLE_ABOVE = 20_000


@dataclass(frozen=True)
class MetricSpec:
    """A metric goals can target: its key, what it means, and whether a scope narrows it."""

    key: str
    help: str
    scopable: bool = False
    higher_is_better: bool = True


def _specs() -> dict[str, MetricSpec]:
    rows = [
        ("size.total", "contacts in the network", True),
        ("size.active", "contacts with an interaction in the last 90 days", True),
        ("size.regular", "contacts with 3+ interactions in the last 90 days", True),
        ("size.new_contacts", "contacts who joined in the period", True),
        ("size.new_per_month", "new contacts per month", True),
        ("activity.interactions", "interactions in the period", True),
        ("activity.per_week", "interactions per week", True),
        ("activity.initiative_pct", "% of interactions I initiated", True),
        ("activity.reply_rate_mine_pct", "% of their messages I answered within 2 days", True),
        ("activity.reply_hours_mine", "median hours to my replies", True),
        ("activity.reply_rate_theirs_pct", "% of my messages they answered within 2 days",
         True),
        ("activity.reply_hours_theirs", "median hours to their replies", True),
        ("formats.distinct", "distinct formats used", True),
        ("formats.entropy", "Shannon entropy of formats, bits", True),
        ("formats.in_person_pct", "% of interactions in person", True),
        ("formats.formal_pct", "% of interactions that were formal", True),
        ("diversity.departments", "departments among active contacts", False),
        ("diversity.department_entropy", "entropy of departments, bits", False),
        ("diversity.outside_my_department_pct", "% of active contacts outside my department",
         False),
        ("diversity.organizations", "organizations among active contacts", False),
        ("diversity.organization_entropy", "entropy of organizations, bits", False),
        ("diversity.outside_my_organization_pct",
         "% of active contacts outside my organization", False),
        ("reciprocity.balance", "value given − received", False),
        ("reciprocity.given", "value given", False),
        ("reciprocity.received", "value received", False),
        *[(f"reciprocity.{k.value}", f"{k.value} value given − received", False)
          for k in ValueKind],
        ("trust.mean", "mean trust rating", True),
        ("trust.rated", "contacts with a trust rating", True),
        ("career.received", "professional value received", True),
        *[(f"career.{c}", f"{c}s received", True) for c in sections.CAREER_CATEGORIES],
        ("cadence_health.key", "% of key ties within cadence", True),
        ("cadence_health.regular", "% of regular ties within cadence", True),
        ("cadence_health.all", "% of key and regular ties within cadence", True),
        *[(f"layers.{name}", f"ties with strength ≥ {floor:g} (Dunbar ~{size})", True)
          for name, size, floor in LAYERS],
    ]
    lower_better = {"activity.reply_hours_mine", "activity.reply_hours_theirs"}
    return {key: MetricSpec(key, text, scopable, key not in lower_better)
            for key, text, scopable in rows}


METRICS: dict[str, MetricSpec] = _specs()
SCOPE_KEYS = ("department", "organization", "tier")
SECTIONS = ("size", "activity", "formats", "diversity", "reciprocity", "trust", "career",
            "cadence_health", "layers")


def metric_spec(key: str) -> MetricSpec:
    """The registered metric with this key, or InvalidInput naming the choices."""
    spec = METRICS.get(key.strip())
    if spec is None:
        raise InvalidInput(f"unknown metric '{key}' (choose from: {', '.join(METRICS)})")
    return spec


def cadences_from_settings(settings: Any) -> dict[str, int]:
    """The tier cadences (days) from the `cadence.<tier>.ideal` settings."""
    return {tier: int(settings.get(f"cadence.{tier}.ideal", days))
            for tier, days in DEFAULT_CADENCES.items()}


def rules_from_settings(settings: Any) -> dict[str, Any]:
    """The settings every metric reads, as keyword arguments: tier cadences and what counts
    as a qualifying interaction."""
    qualifying = QualifyingRules.from_settings(settings)
    return {"cadences": cadences_from_settings(settings),
            "max_attendees": qualifying.max_attendees,
            "excluded_formats": qualifying.excluded_formats}


def periods(now: datetime, days: float) -> tuple[Window, Window]:
    """The current period [now − days, now) and the previous one of equal length."""
    span = timedelta(days=days)
    return Window(now - span, now), Window(now - 2 * span, now - span)


def make_context(session: Session, *, owner_id: int, now: datetime,
                 scope: Mapping[str, str] | None = None,
                 cadences: Mapping[str, int] | None = None, max_attendees: int = 8,
                 excluded_formats: Iterable[str] = ("social_post",)) -> Context:
    """Everything the sections need, with my department and organization from the user."""
    user = session.get(User, owner_id)
    scope = dict(scope or {})
    unknown = set(scope) - set(SCOPE_KEYS)
    if unknown:
        raise InvalidInput(f"unknown scope '{sorted(unknown)[0]}' "
                           f"(choose from: {', '.join(SCOPE_KEYS)})")
    return Context(session=session, owner_id=owner_id, now=now, scope=scope,
                   cadences={**DEFAULT_CADENCES, **(cadences or {})},
                   max_attendees=max_attendees, excluded_formats=tuple(excluded_formats),
                   my_department=user.department if user else None,
                   my_organization=user.organization if user else None)


def measure(ctx: Context, windows: Sequence[Window],
            wanted: Iterable[str] = SECTIONS) -> list[dict[str, Measure]]:
    """The wanted sections for each window: [{section: Measure}] in window order."""
    wanted = set(wanted)
    results: list[dict[str, Measure]] = [{} for _ in windows]

    def put(name: str, measures: Sequence[Measure]) -> None:
        for i, m in enumerate(measures):
            results[i][name] = m

    # Shared passes: the active contacts (size, diversity) and the contacts' census (size,
    # trust) are each read once for every window.
    activity = (sections.active_contacts(ctx, windows) if wanted & {"size", "diversity"}
                else [])
    census = (sections.census(ctx, windows, ratings="trust" in wanted)
              if wanted & {"size", "trust"} else None)
    if "size" in wanted and census is not None:
        put("size", sections.size(windows, activity, census))
    if "diversity" in wanted:
        put("diversity", sections.diversity(ctx, activity))
    if wanted & {"activity", "formats"}:
        acts, formats = sections.activity_and_formats(ctx, windows)
        for m, reply in zip(acts, sections.replies(ctx, windows), strict=True):
            m.figures.update(reply.figures)
        put("activity", acts)
        put("formats", formats)
    if "reciprocity" in wanted:
        put("reciprocity", [_reciprocity(ctx, w) for w in windows])
    if "trust" in wanted and census is not None:
        put("trust", sections.trust(ctx, windows, census))
    if "career" in wanted:
        put("career", sections.career(ctx, windows))
    if "cadence_health" in wanted:
        put("cadence_health", sections.cadence_health(ctx, windows))
    if "layers" in wanted:
        every = layer_sampling(ctx, max(w.end for w in windows))
        put("layers", [layers(ctx, w.end, sample_every=every) for w in windows])
    return results


def _reciprocity(ctx: Context, w: Window) -> Measure:
    ledger = values.balance(ctx.session, owner_id=ctx.owner_id, since=w.start, until=w.end)
    figures = {"given": ledger["given"], "received": ledger["received"],
               "balance": ledger["balance"],
               **{kind: entry["balance"] for kind, entry in ledger["by_kind"].items()}}
    return Measure(figures, {"by_kind_given": {k: e["given"] for k, e in
                                               ledger["by_kind"].items()},
                             "by_kind_received": {k: e["received"] for k, e in
                                                  ledger["by_kind"].items()}})


def layer_sampling(ctx: Context, end: datetime) -> int:
    """Score 1 in how many contacts for the layers at ``end`` (1: every contact)."""
    total = scoring.interactions_in_window(ctx.session, owner_id=ctx.owner_id, now=end)
    return -(-total // SAMPLE_ABOVE) if total > SAMPLE_ABOVE else 1


def layers(ctx: Context, end: datetime, *, sample_every: int | None = None) -> Measure:
    """How many ties reach each Dunbar-style strength layer at ``end`` (cumulative)."""
    every = sample_every or layer_sampling(ctx, end)
    figures: dict[str, Any] = scoring.layer_counts(
        ctx.session, owner_id=ctx.owner_id, now=end,
        floors={name: floor for name, _size, floor in LAYERS},
        conditions=sections.contact_filter(ctx), sample_every=every)
    figures["sampled_every"] = every
    return Measure(figures, {"nominal": {name: size for name, size, _ in LAYERS}})


def trend(value: Any, previous: Any) -> dict[str, Any]:
    """A figure with its previous value and the change (None where either is unknown)."""
    change = None
    if isinstance(value, int | float) and isinstance(previous, int | float):
        change = round(value - previous, 3)
    return {"value": value, "previous": previous, "change": change}


def stats(session: Session, *, owner_id: int, period_days: float = 90,
          now: datetime | None = None, cadences: Mapping[str, int] | None = None,
          max_attendees: int = 8, excluded_formats: Iterable[str] = ("social_post",),
          with_goals: bool = True) -> dict[str, Any]:
    """Every metric for the period ending now, each with its trend; JSON-ready."""
    if period_days <= 0:
        raise InvalidInput("the period must be positive")
    now = now or datetime.now(UTC)
    ctx = make_context(session, owner_id=owner_id, now=now, cadences=cadences,
                       max_attendees=max_attendees, excluded_formats=excluded_formats)
    current, previous = periods(now, period_days)
    measured = measure(ctx, [current, previous])
    metrics: dict[str, dict[str, Any]] = {}
    breakdowns: dict[str, Any] = {}
    for name in SECTIONS:
        cur, prev = measured[0][name], measured[1][name]
        metrics[name] = {key: trend(value, prev.figures.get(key))
                         for key, value in cur.figures.items()}
        for label, counts in cur.breakdowns.items():
            before = prev.breakdowns.get(label, {})
            breakdowns[label] = [{"name": k, "value": v, "previous": before.get(k, 0)}
                                 for k, v in counts.items()]
    notes = []
    every = metrics["layers"]["sampled_every"]["value"]
    if every > 1:
        notes.append(f"strength layers estimated from 1 in {every} contacts, each scored "
                     "exactly")
    result: dict[str, Any] = {
        "period": {"days": period_days, "start": current.start.isoformat(),
                   "end": current.end.isoformat(), "previous_start": previous.start.isoformat(),
                   "previous_end": previous.end.isoformat()},
        "metrics": metrics, "breakdowns": breakdowns, "notes": notes}
    if with_goals:
        from tiekeep.services import goals

        result["goals"] = goals.progress(session, owner_id=owner_id, now=now,
                                         cadences=ctx.cadences, max_attendees=max_attendees,
                                         excluded_formats=ctx.excluded_formats,
                                         known=flatten(metrics))
    return result


def flatten(metrics: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """{'section.figure': value} from the nested `metrics` of a stats result."""
    return {f"{section}.{key}": entry["value"] for section, figures in metrics.items()
            for key, entry in figures.items()}
