"""The calendar feed, parsed back with icalendar: every component and field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tiekeep.adapters import ics_export, registry
from tiekeep.core.db import Database
from tiekeep.services import contacts, followups, interactions, plans
from tiekeep.settings import load_settings

NOW = datetime(2026, 3, 15, 8, 30, tzinfo=UTC)
TODAY = date(2026, 3, 15)
BERLIN = ZoneInfo("Europe/Berlin")


def settings() -> object:
    return load_settings().with_overrides(me__time_zone="Europe/Berlin")


def setup_network(db: Database, owner_id: int) -> dict[str, int]:
    def person(s: object, name: str, **fields: object) -> int:
        return contacts.create(s, owner_id=owner_id,  # type: ignore[arg-type]
                               data=contacts.ContactCreate(name=name, **fields)).id  # type: ignore[arg-type]

    def meet(s: object, cid: int, when: str) -> None:
        interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(  # type: ignore[arg-type]
            participant_ids=[cid], occurred_at=datetime.fromisoformat(when).replace(tzinfo=UTC)))

    ids: dict[str, int] = {}
    with db.transaction() as s:
        ids["anna"] = person(s, "Anna Key", tier="key")
        meet(s, ids["anna"], "2026-03-10 12:00")
        ids["deck"] = followups.create(s, owner_id=owner_id, contact_id=ids["anna"],
                                       text="send the deck", due=date(2026, 3, 20)).id
        ids["later"] = followups.create(s, owner_id=owner_id, contact_id=ids["anna"],
                                        text="ask about the offsite", due=date(2026, 3, 16)).id
        followups.snooze(s, owner_id=owner_id, followup_id=ids["later"], until=date(2026, 3, 18))
        closed = followups.create(s, owner_id=owner_id, contact_id=ids["anna"], text="closed")
        followups.complete(s, owner_id=owner_id, followup_id=closed.id)
        plans.add(s, owner_id=owner_id, contact_id=ids["anna"], kind="topic", text="Q3 roadmap")
        plans.set_next_meeting(s, owner_id=owner_id, contact_id=ids["anna"],
                               at=datetime(2026, 3, 17, 14, 0, tzinfo=UTC))
        ids["ben"] = person(s, "Ben Birthday", tier="regular", birthday=date(1990, 3, 18))
        meet(s, ids["ben"], "2026-03-10 12:00")
        ids["cleo"] = person(s, "Cleo Overdue", tier="key")
        meet(s, ids["cleo"], "2026-02-01 12:00")
        ids["cleo_step"] = followups.create(s, owner_id=owner_id, contact_id=ids["cleo"],
                                            text="reply", due=date(2026, 3, 10)).id
        gone = person(s, "Gone Archived", tier="key")
        followups.create(s, owner_id=owner_id, contact_id=gone, text="never shown",
                         due=date(2026, 3, 1))
        contacts.archive(s, owner_id=owner_id, contact_id=gone)
    return ids


def parse(db: Database, owner_id: int) -> Calendar:
    with db.reading() as s:
        data = ics_export.feed(s, owner_id=owner_id, settings=settings(), today=TODAY, now=NOW)
    return Calendar.from_ical(data)


def by_uid(calendar: Calendar, kind: str) -> dict[str, object]:
    return {str(c["UID"]): c for c in calendar.walk(kind)}


def test_the_feed_has_every_field(db: Database, owner_id: int) -> None:
    ids = setup_network(db, owner_id)
    calendar = parse(db, owner_id)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == ics_export.PRODID
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]

    todos = by_uid(calendar, "VTODO")
    assert set(todos) == {f"followup-{ids[k]}@tiekeep" for k in ("deck", "later", "cleo_step")}
    deck = todos[f"followup-{ids['deck']}@tiekeep"]
    assert str(deck["SUMMARY"]) == "Anna Key: send the deck"
    assert str(deck["DESCRIPTION"]) == "Follow-up with Anna Key: send the deck"
    assert str(deck["STATUS"]) == "NEEDS-ACTION"
    assert deck["DUE"].dt == date(2026, 3, 20)
    assert deck["DTSTAMP"].dt == NOW
    assert deck["CREATED"].dt.utcoffset() == timedelta(0)  # UTC
    assert "DTSTART" not in deck
    assert list(deck["CATEGORIES"].cats) == ["tiekeep", "followup"]
    later = todos[f"followup-{ids['later']}@tiekeep"]
    assert (later["DTSTART"].dt, later["DUE"].dt) == (date(2026, 3, 18), date(2026, 3, 18))

    events = by_uid(calendar, "VEVENT")
    assert set(events) == {f"meeting-{ids['anna']}@tiekeep", f"overdue-{ids['cleo']}@tiekeep",
                           f"date-{ids['ben']}-birthday-2026@tiekeep"}
    meeting = events[f"meeting-{ids['anna']}@tiekeep"]
    assert meeting["DTSTART"].dt == datetime(2026, 3, 17, 15, 0, tzinfo=BERLIN)
    assert meeting["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert meeting["DTEND"].dt == datetime(2026, 3, 17, 15, 30, tzinfo=BERLIN)
    assert str(meeting["SUMMARY"]) == "Meeting with Anna Key"
    assert str(meeting["DESCRIPTION"]) == "Topics to raise:\n- Q3 roadmap"
    assert meeting["DTSTAMP"].dt == NOW

    overdue = events[f"overdue-{ids['cleo']}@tiekeep"]
    assert (overdue["DTSTART"].dt, overdue["DTEND"].dt) == (TODAY, date(2026, 3, 16))
    assert str(overdue["SUMMARY"]) == ("Cleo Overdue: Last contact 42 days ago; key tie, every "
                                       "14 days — past the 21-day maximum")
    assert str(overdue["DESCRIPTION"]).splitlines() == [
        "Last contact 42 days ago; key tie, every 14 days — past the 21-day maximum",
        "- reply"]
    assert str(overdue["TRANSP"]) == "TRANSPARENT"
    assert list(overdue["CATEGORIES"].cats) == ["tiekeep", "overdue"]
    birthday = events[f"date-{ids['ben']}-birthday-2026@tiekeep"]
    assert (birthday["DTSTART"].dt, birthday["DTEND"].dt) == (date(2026, 3, 18),
                                                              date(2026, 3, 19))
    assert str(birthday["SUMMARY"]) == "Ben Birthday: Birthday in 3 days (Wed 18 Mar) — turns 36"


def test_uids_are_stable_across_exports(db: Database, owner_id: int) -> None:
    ids = setup_network(db, owner_id)
    first = parse(db, owner_id)
    with db.transaction() as s:
        followups.create(s, owner_id=owner_id, contact_id=ids["ben"], text="new one",
                         due=date(2026, 3, 30))
        plans.set_next_meeting(s, owner_id=owner_id, contact_id=ids["anna"],
                               at=datetime(2026, 3, 19, 9, 0, tzinfo=UTC))
    second = parse(db, owner_id)
    old = {str(c["UID"]) for c in first.walk() if "UID" in c}
    new = {str(c["UID"]) for c in second.walk() if "UID" in c}
    assert old < new and len(new - old) == 1
    moved = by_uid(second, "VEVENT")[f"meeting-{ids['anna']}@tiekeep"]
    assert moved["DTSTART"].dt == datetime(2026, 3, 19, 10, 0, tzinfo=BERLIN)


def test_the_registered_exporter_writes_the_file(db: Database, owner_id: int,
                                                 tmp_path: Path) -> None:
    setup_network(db, owner_id)
    export = registry.EXPORTERS["ical"].load()
    target = tmp_path / "tiekeep.ics"
    with db.reading() as s:
        summary = export(s, owner_id=owner_id, path=target,
                         options={"settings": settings(), "today": TODAY})
    assert summary == {"written": 6, "events": 3, "todos": 3, "path": str(target)}
    calendar = Calendar.from_ical(target.read_bytes())
    assert len(calendar.walk("VTODO")) == 3
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_at_most_todo_limit_follow_ups_the_latest_due_first(
        db: Database, owner_id: int, monkeypatch: object) -> None:
    ids = setup_network(db, owner_id)
    monkeypatch.setattr(ics_export, "TODO_LIMIT", 2)  # type: ignore[attr-defined]
    todos = by_uid(parse(db, owner_id), "VTODO")
    assert set(todos) == {f"followup-{ids['deck']}@tiekeep", f"followup-{ids['later']}@tiekeep"}
