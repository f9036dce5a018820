"""The calendar feed (iCalendar, RFC 5545): follow-ups, planned meetings and reminders.

- Each open follow-up is a VTODO, due on its date (a snoozed one starts when the snooze
  ends). At most ``TODO_LIMIT`` are included, the latest due first (upcoming, then the
  most recently missed, then those without a date), so the feed stays one a calendar
  client will load.
- Each planned meeting (a contact's next meeting) is a 30-minute VEVENT at its time, in the
  user's zone, with the topics to raise.
- Each agenda item other than a follow-up is an all-day VEVENT: a date reminder on its day,
  anything already due on the day of the feed. The top ``FEED_LIMIT`` items are included.

UIDs are stable (``followup-12@tiekeep``, ``meeting-7@tiekeep``,
``date-7-birthday-2026@tiekeep``), so a calendar that subscribes to the feed updates its
entries instead of duplicating them. Times carry a TZID with its VTIMEZONE; DTSTAMP is UTC.
``feed()`` returns the bytes that ``export()`` writes and the web app serves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Contact, FollowUp, PlanItem
from tiekeep.services import agenda, parsing

FEED_LIMIT = 200
TODO_LIMIT = 500
MEETING_MINUTES = 30
DOMAIN = "tiekeep"
PRODID = "-//tiekeep//tiekeep reminders//EN"


def feed(session: Session, *, owner_id: int, settings: Any, today: date | None = None,
         now: datetime | None = None) -> bytes:
    """The owner's calendar as iCalendar bytes."""
    from icalendar import Calendar

    config = agenda.AgendaConfig.from_settings(settings)
    zone = parsing.zone(config.time_zone)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    day = today or config.today(now)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", "tiekeep")
    calendar.add("x-wr-calname", "tiekeep")
    calendar.add("x-wr-timezone", config.time_zone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for component in _followups(session, owner_id=owner_id, stamp=stamp):
        calendar.add_component(component)
    for component in _meetings(session, owner_id=owner_id, stamp=stamp, zone=zone):
        calendar.add_component(component)
    items = agenda.build(session, owner_id=owner_id, today=day, config=config,
                         limit=FEED_LIMIT)
    for item in items:
        if item.kind != "followup":
            calendar.add_component(_reminder(item, day=day, stamp=stamp))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def export(session: Session, *, owner_id: int, path: Path,
           options: Mapping[str, Any]) -> dict[str, Any]:
    """Write the calendar feed to ``path`` (the "ical" exporter)."""
    from icalendar import Calendar

    data = feed(session, owner_id=owner_id, settings=options["settings"],
                today=options.get("today"))
    Path(path).write_bytes(data)
    parsed = Calendar.from_ical(data)
    events = len(parsed.walk("VEVENT"))
    todos = len(parsed.walk("VTODO"))
    return {"written": events + todos, "events": events, "todos": todos, "path": str(path)}


def uid(*parts: object) -> str:
    """A stable UID from the kind of entry and its identity."""
    slug = "-".join(re.sub(r"[^A-Za-z0-9.]+", "-", str(p)).strip("-") for p in parts if p != "")
    return f"{slug}@{DOMAIN}"


def _followups(session: Session, *, owner_id: int, stamp: datetime) -> list[Any]:
    from icalendar import Todo

    rows = session.execute(
        select(FollowUp, Contact.display_name)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(FollowUp.owner_id == owner_id, FollowUp.done_at.is_(None),
               Contact.status == "active", Contact.deleted_at.is_(None))
        .order_by(FollowUp.due.is_(None), FollowUp.due.desc(), FollowUp.id).limit(TODO_LIMIT))
    todos = []
    for row, name in rows:
        todo = Todo()
        todo.add("uid", uid("followup", row.id))
        todo.add("dtstamp", stamp)
        todo.add("created", row.created_at.astimezone(UTC).replace(microsecond=0))
        todo.add("summary", f"{name}: {row.text}")
        todo.add("description", f"Follow-up with {name}: {row.text}")
        todo.add("status", "NEEDS-ACTION")
        todo.add("categories", ["tiekeep", "followup"])
        if row.snoozed_until is not None:
            todo.add("dtstart", row.snoozed_until)
        if row.due is not None:
            todo.add("due", max(row.due, row.snoozed_until or row.due))
        todos.append(todo)
    return todos


def _meetings(session: Session, *, owner_id: int, stamp: datetime, zone: Any) -> list[Any]:
    from icalendar import Event

    people: list[tuple[int, str, datetime]] = [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Contact.id, Contact.display_name, Contact.next_meeting_at)
        .where(Contact.owner_id == owner_id, Contact.next_meeting_at.is_not(None),
               Contact.status == "active", Contact.deleted_at.is_(None))
        .order_by(Contact.next_meeting_at, Contact.id))]
    topics: dict[int, list[str]] = {}
    if people:
        for cid, text in session.execute(
                select(PlanItem.contact_id, PlanItem.text)
                .where(PlanItem.contact_id.in_([p[0] for p in people]),
                       PlanItem.kind == "topic", PlanItem.done_at.is_(None))
                .order_by(PlanItem.id)):
            topics.setdefault(cid, []).append(text)
    events = []
    for cid, name, at in people:
        start = at.astimezone(zone)  # never None: the query asks for a next meeting
        event = Event()
        event.add("uid", uid("meeting", cid))
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=MEETING_MINUTES))
        event.add("summary", f"Meeting with {name}")
        if topics.get(cid):
            event.add("description", "Topics to raise:\n" + "\n".join(
                f"- {t}" for t in topics[cid]))
        event.add("categories", ["tiekeep", "meeting"])
        events.append(event)
    return events


def _reminder(item: agenda.AgendaItem, *, day: date, stamp: datetime) -> Any:
    from icalendar import Event

    on = max(item.due or day, day)
    event = Event()
    event.add("uid", uid(item.kind, item.contact_id, item.key.replace(":", "-")))
    event.add("dtstamp", stamp)
    event.add("dtstart", on)
    event.add("dtend", on + timedelta(days=1))
    event.add("summary", f"{item.contact_name}: {item.reason}")
    lines = [item.reason]
    for suggestion in item.suggestions:
        prefix = "Share: " if suggestion["kind"] == "resource" else ""
        url = f" {suggestion['url']}" if suggestion.get("url") else ""
        lines.append(f"- {prefix}{suggestion['text']}{url}")
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["tiekeep", item.kind])
    return event
