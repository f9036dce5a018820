"""Read iCalendar files: every past meeting occurrence with other people becomes an interaction.

Recurring events are expanded with recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID
overrides, VTIMEZONE, Windows and vendor TZIDs, X-WR-TIMEZONE) up to ``now``. A series without
COUNT or UNTIL is expanded only from ``now`` − 5 years; any series keeps at most its 2,000 most
recent occurrences and is scanned for at most 50,000; a series reaching past a limit gets a
SkippedRecord saying so. Floating
times are read in ``options["timezone"]`` (an IANA name) when given, else UTC; an all-day
occurrence is dated at noon of its day. Participants are the attendees and the organizer minus
me, leaving out rooms, resources, groups, calendars and people who declined.

A file is read one top-level component at a time (see ``_ical_parse``), so memory stays flat
as the file grows; records are yielded series by series, in the order of each series' first
VEVENT, after the events that cannot be read at all.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import x_wr_timezone
from recurring_ical_events import EventAdapter, Series

from tiekeep.adapters._ical_parse import CalendarFile, StreamedCalendar
from tiekeep.adapters._support import ReaderOptions, reader_options, reject
from tiekeep.adapters.records import InteractionRecord, PersonRef, Record, SkippedRecord
from tiekeep.core.enums import Format, Initiator

WINDOW = timedelta(days=5 * 365 + 1)
MAX_OCCURRENCES = 2_000
MAX_SCAN = 50_000
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)

_VIDEO = re.compile(
    r"zoom\.us/|zoomgov\.com/|meet\.google\.com/|teams\.microsoft\.com/|teams\.live\.com/"
    r"|webex\.com/|gotomeeting\.com/|gotomeet\.me/|whereby\.com/|meet\.jit\.si/"
    r"|bluejeans\.com/|chime\.aws/|join\.skype\.com/|hangouts\.google\.com/|facetime\.apple\.com/"
    r"|\bmicrosoft teams meeting\b|\bzoom meeting\b|\bgoogle meet\b|\bskype meeting\b",
    re.IGNORECASE)
_VIDEO_PROPERTIES = ("LOCATION", "DESCRIPTION", "URL", "CONFERENCE", "X-GOOGLE-CONFERENCE",
                     "X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-MICROSOFT-ONLINEMEETINGCONFLINK")
# Every VEVENT property read here; with the series' own (SERIES_PROPERTIES) no other is parsed.
_READ = frozenset(("ATTENDEE", "ORGANIZER", "SUMMARY", "STATUS", *_VIDEO_PROPERTIES))
_PHONE_WORDS = re.compile(r"\b(phone|call|dial[- ]?in|conference line)\b|телефон|звонок",
                          re.IGNORECASE)
_PHONE_NUMBER = re.compile(r"^\+?[\d\s().\-/]{7,}$")
# Addresses that stand for calendars, rooms and placeholders rather than people.
_NOT_PEOPLE = re.compile(r"@(resource\.calendar\.google\.com|group\.calendar\.google\.com"
                         r"|group\.v\.calendar\.google\.com|virtual)$", re.IGNORECASE)


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Yield an InteractionRecord per past meeting occurrence in an .ics file or folder of them."""
    opts = reader_options(options)
    floating = ZoneInfo(options["timezone"]) if options.get("timezone") else UTC
    files = sorted(path.rglob("*.ics")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise reject(path, None, "no .ics files in this folder")
    for file in files:
        source = CalendarFile(file, _READ)  # rejects a broken file before anything is read from it
        try:
            for calendar in source.read():
                yield from _read_calendar(file, calendar, opts, floating)
        finally:
            source.close()


def _read_calendar(path: Path, calendar: StreamedCalendar, opts: ReaderOptions,
                   floating: tzinfo) -> Iterator[Record]:
    prepare = _as_is
    if "X-WR-TIMEZONE" in calendar.component:
        prepare = _x_wr_timezone(calendar.component.get("X-WR-TIMEZONE"))
    cancelled_calendar = str(calendar.component.get("METHOD", "")).upper() == "CANCEL"
    for event, problem in calendar.unusable(prepare):
        yield SkippedRecord(_where(path, event), problem)
    reader = _SeriesReader(path, opts, floating, cancelled_calendar)
    for uid, events in calendar.series(prepare):
        yield from reader.read(uid, events)


def _as_is(event: Any, top_level: bool) -> Any:
    return event


def _x_wr_timezone(value: Any) -> Any:
    """What ``x_wr_timezone.to_standard`` does to a calendar, done to one event at a time.

    Floating and UTC times of the calendar's own VEVENTs move to the X-WR-TIMEZONE zone;
    an event it changes is a copy, as there.
    """
    zone = value if isinstance(value, tzinfo) else ZoneInfo(str(value))
    walker = x_wr_timezone.UTCChangingWalker(zone)

    def prepare(event: Any, top_level: bool) -> Any:
        return walker.walk_event(event) if top_level else event
    return prepare


class _SeriesReader:
    """Expands one series (a UID's events) and turns its occurrences into records."""

    def __init__(self, path: Path, opts: ReaderOptions, floating: tzinfo,
                 cancelled_calendar: bool) -> None:
        self.path = path
        self.opts = opts
        self.floating = floating
        self.cancelled_calendar = cancelled_calendar
        self.start = opts.now - WINDOW

    def read(self, uid: str, events: list[Any]) -> Iterator[Record]:
        """Records for the past occurrences of one series, then its skips summed up."""
        where = _where(self.path, events[0])
        facts = {id(e): _Facts(e, self.opts.my_emails) for e in events}
        # Most calendar entries are personal or declined: say so once, without expanding.
        if not any(f.others for f in facts.values()):
            yield SkippedRecord(where, "no other attendees", by_rule=True)
            return
        if all(f.declined for f in facts.values()):
            yield SkippedRecord(where, "declined by me", by_rule=True)
            return
        skipped: Counter[str] = Counter()
        recurring = len(events) > 1 or any(
            "RRULE" in e or "RDATE" in e or "RECURRENCE-ID" in e for e in events)
        if not recurring:
            hits = self._single(events[0])
        else:
            unbounded = any(_unbounded(rule) for e in events for rule in _values(e.get("RRULE")))
            start = self.opts.now - WINDOW if unbounded else _EARLIEST
            try:
                hits, scanned_out = self._occurrences(events, start)
            except Exception as error:  # a malformed rule or a date mix fails the series only
                yield SkippedRecord(where, f"cannot expand the recurrence ({error})")
                return
            if scanned_out:
                skipped[f"more than {MAX_SCAN} occurrences; the later ones are not read"] += 1
            if len(hits) == MAX_OCCURRENCES:
                skipped[f"only the latest {MAX_OCCURRENCES} occurrences are read"] += 1
            if unbounded and self._begins_before(events, start):
                skipped[f"occurrences before {start.date()} are not read"] += 1
        for hit_start, hit_end, event in hits:
            fact = facts.get(id(event)) or _Facts(event, self.opts.my_emails)
            reason = self._skip_reason(event, fact)
            if reason is not None:
                skipped[reason] += 1
                continue
            yield self._record(uid, where, hit_start, hit_end, event, fact)
        for reason, count in skipped.items():
            text = reason if count == 1 else f"{reason} ({count} occurrences)"
            yield SkippedRecord(where, text, by_rule=True)

    def _single(self, event: Any) -> list[tuple[Any, Any, Any]]:
        """A one-off event as the only occurrence of its series, if it is not in the future."""
        if "DTSTART" not in event:
            return []
        start = event.decoded("DTSTART")
        try:
            end = event.end
        except Exception:  # no usable DTEND or DURATION: a moment, as RFC 5545 says
            end = start
        if _utc(start, self.floating) > self.opts.now:
            return []
        return [(start, end, event)]

    def _begins_before(self, events: list[Any], start: datetime) -> bool:
        firsts = [_utc(e.decoded("DTSTART"), self.floating) for e in events if "DTSTART" in e]
        return bool(firsts) and min(firsts) < start

    def _occurrences(self, events: list[Any],
                     start: datetime) -> tuple[list[tuple[Any, Any, Any]], bool]:
        """Occurrences from ``start`` to now, oldest first, capped; and whether scanning stopped."""
        latest: deque[tuple[Any, Any, Any]] = deque(maxlen=MAX_OCCURRENCES)
        cut = self.opts.now
        found_all = _Series([_Adapter(e) for e in events]).between(start, cut)
        for scanned, found in enumerate(found_all, start=1):
            if scanned > MAX_SCAN:
                return sorted(latest, key=_sort_key), True
            if _utc(found.start, self.floating) <= cut:
                latest.append((found.start, found.end, found.event))
        return sorted(latest, key=_sort_key), False

    def _skip_reason(self, event: Any, fact: _Facts) -> str | None:
        if self.cancelled_calendar or str(event.get("STATUS", "")).upper() == "CANCELLED":
            return "cancelled"
        if fact.declined:
            return "declined by me"
        if not fact.others:
            return "no other attendees"
        return None

    def _record(self, uid: str, where: str, start: Any, end: Any, event: Any,
                fact: _Facts) -> InteractionRecord:
        recurrence_id = event.get("RECURRENCE-ID")
        # An overridden occurrence keeps the key of the slot it replaces, so moving it later
        # does not create a second interaction on re-import.
        stamp = _stamp(recurrence_id.dt if recurrence_id is not None else start)
        summary = str(event.get("SUMMARY", "")).strip() or None
        duration = None
        if isinstance(start, datetime) and isinstance(end, datetime):
            duration = max(0, round((end - start).total_seconds() / 60))
        return InteractionRecord(
            source_key=f"ical:{uid}:{stamp}",
            occurred_at=_utc(start, self.floating),
            format=fact.format.value,
            participants=fact.others,
            initiated_by=fact.initiated_by.value,
            topics=[summary] if summary else [],
            summary=summary,
            duration_minutes=duration,
            attendee_count=len(fact.others),
            where=f"{where} {stamp}",
        )


class _Adapter(EventAdapter):  # type: ignore[misc]
    """recurring-ical-events' view of a VEVENT, keeping the VEVENT at hand."""

    def __init__(self, component: Any) -> None:
        super().__init__(component)
        self.event = component


class _Series(Series):  # type: ignore[misc]
    """A series whose occurrences carry the VEVENT (the master or its override) they come from."""

    def occurrence(self, adapter: Any, start: Any = None, end: Any = None) -> Any:
        found = super().occurrence(adapter, start, end)
        found.event = adapter.event
        return found


class _Facts:
    """What one VEVENT says about its people and its medium, computed once per component."""

    def __init__(self, event: Any, mine: frozenset[str]) -> None:
        self.declined = False
        seen: set[str] = set()
        self.others: list[PersonRef] = []
        for attendee in _values(event.get("ATTENDEE")):
            params = getattr(attendee, "params", {})
            email, name = _person(attendee, params.get("CN"))
            partstat = str(params.get("PARTSTAT", "")).upper()
            if email is not None and email in mine:
                self.declined = self.declined or partstat == "DECLINED"
                continue
            if (str(params.get("CUTYPE", "INDIVIDUAL")).upper() in ("ROOM", "RESOURCE", "GROUP")
                    or partstat in ("DECLINED", "DELEGATED")
                    or str(params.get("ROLE", "")).upper() == "NON-PARTICIPANT"):
                continue
            self._add(email, name, seen)
        organizer = event.get("ORGANIZER")
        self.initiated_by = Initiator.MUTUAL
        if organizer is not None and str(organizer).strip():
            email, name = _person(organizer, getattr(organizer, "params", {}).get("CN"))
            if email is not None and email in mine:
                self.initiated_by = Initiator.ME
            else:
                self.initiated_by = Initiator.THEM
                self._add(email, name, seen)
        self.format = _format(event, len(self.others))

    def _add(self, email: str | None, name: str | None, seen: set[str]) -> None:
        key = email or (name or "").lower()
        if not key or key in seen or (email and _NOT_PEOPLE.search(email)):
            return
        seen.add(key)
        self.others.append(PersonRef(name=name, email=email))


def _person(value: Any, cn: Any) -> tuple[str | None, str | None]:
    """(email, name) of a CAL-ADDRESS; a name that is only the address again is dropped."""
    raw = str(value).strip()
    address = raw[7:] if raw.lower().startswith("mailto:") else raw
    address = address.strip().strip("<>").replace(" ", "")
    if _NOT_PEOPLE.search(address):
        return None, None
    email = address.lower() if "@" in address and "." in address.rsplit("@", 1)[-1] else None
    # A value that is no address (ORGANIZER:aaa) names nobody we could find again; CN may.
    name = str(cn).strip().strip('"').strip() if cn else None
    if name and email and name.lower() == email:
        name = None
    return email, name or None


def _format(event: Any, others: int) -> Format:
    for name in _VIDEO_PROPERTIES:
        for value in _values(event.get(name)):
            if _VIDEO.search(str(value)):
                return Format.VIDEO_CALL
    location = str(event.get("LOCATION", "")).strip()
    conferences = [str(v).strip().lower() for v in _values(event.get("CONFERENCE"))]
    if (location.lower().startswith("tel:") or any(c.startswith("tel:") for c in conferences)
            or _PHONE_NUMBER.match(location) or _PHONE_WORDS.search(location)):
        return Format.CALL
    return Format.ONE_ON_ONE if others == 1 else Format.TEAM_MEETING


def _unbounded(rule: Any) -> bool:
    try:
        return "COUNT" not in rule and "UNTIL" not in rule
    except TypeError:
        return True


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _where(path: Path, event: Any) -> str:
    line = getattr(event, "line", None)
    uid = str(event.get("UID", "")).strip() or "without UID"
    return f"{path}:{line} VEVENT {uid}" if line else f"{path}: VEVENT {uid}"


def _utc(value: date | datetime, floating: tzinfo) -> datetime:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=floating)
        return aware.astimezone(UTC)
    return datetime.combine(value, time(12), floating).astimezone(UTC)


def _stamp(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")  # floating stays floating in the key
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _sort_key(hit: tuple[Any, Any, Any]) -> datetime:
    return _utc(hit[0], UTC)
