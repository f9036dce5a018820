"""The iCalendar reader: every corpus file, hand-checked occurrences, and small cases of our own."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS
from tiekeep.adapters import ical
from tiekeep.adapters.records import InteractionRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

ICAL = CORPUS / "ical"
ICS_FILES = sorted(ICAL.rglob("*.ics"))
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def read(path: Path, *, me: tuple[str, ...] = (), now: datetime = NOW,
         **options: Any) -> list[Record]:
    return list(ical.read(path, options={"my_emails": list(me), "now": now, **options}))


def interactions(records: list[Record]) -> list[InteractionRecord]:
    return [r for r in records if isinstance(r, InteractionRecord)]


def skips(records: list[Record]) -> list[SkippedRecord]:
    return [r for r in records if isinstance(r, SkippedRecord)]


def write_ics(tmp_path: Path, name: str, *events: str, extra: str = "") -> Path:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tiekeep tests//EN\r\n" + extra
    body += "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    path = tmp_path / name
    path.write_text(body.replace("\r\n", "\n").replace("\n", "\r\n") + "END:VCALENDAR\r\n")
    return path


# -- the whole corpus ------------------------------------------------------------------------

def test_the_corpus_has_every_ics_file() -> None:
    assert len(ICS_FILES) == 41


@pytest.mark.parametrize("path", ICS_FILES, ids=lambda p: str(p.relative_to(ICAL)))
def test_every_corpus_calendar_is_read(path: Path) -> None:
    records = read(path)
    assert records, "every calendar yields an interaction or says why it skipped its events"
    for record in records:
        assert isinstance(record, InteractionRecord | SkippedRecord)
        assert str(path) in record.where
    for record in interactions(records):
        assert record.occurred_at.tzinfo is not None and record.occurred_at <= NOW
        assert record.participants and record.attendee_count == len(record.participants)
        assert record.source_key.startswith("ical:")


# -- hand-checked corpus files ---------------------------------------------------------------

def test_zimbra_series_with_rdates_exdates_and_moved_occurrences() -> None:
    # Monthly on the first Tuesday from 2012-10-02 10:00 Los Angeles, plus RDATEs on
    # Nov 5, 10 and 30; EXDATEs on Dec 4, Feb 5 and Apr 2; Oct 2 moved to 15:00 and the
    # Nov 5 RDATE (18:00Z) moved to Nov 6 20:00. Up to 2013-05-01 that leaves seven.
    records = read(ICAL / "icaljs/recur_instances.ics", me=("calmozilla1@gmail.com",),
                   now=datetime(2013, 5, 1, tzinfo=UTC))
    found = interactions(records)
    assert [r.occurred_at for r in found] == [
        datetime(2012, 10, 2, 22, 0, tzinfo=UTC),
        datetime(2012, 11, 6, 18, 0, tzinfo=UTC),
        datetime(2012, 11, 7, 4, 0, tzinfo=UTC),
        datetime(2012, 11, 10, 18, 0, tzinfo=UTC),
        datetime(2012, 11, 30, 18, 0, tzinfo=UTC),
        datetime(2013, 1, 1, 18, 0, tzinfo=UTC),
        datetime(2013, 3, 5, 18, 0, tzinfo=UTC),
    ]
    uid = "623c13c0-6c2b-45d6-a12b-c33ad61c4868"
    # A moved occurrence keeps the key of the slot it replaced.
    assert found[0].source_key == f"ical:{uid}:20121002T170000Z"
    assert found[2].source_key == f"ical:{uid}:20121105T180000Z"
    # The overrides list only the organizer; the master lists two others besides me.
    assert found[0].format == "one_on_one" and found[0].attendee_count == 1
    assert found[0].participants[0].name == "James Lal"
    assert found[1].format == "team_meeting"
    assert sorted(p.email or "" for p in found[1].participants) == [
        "iam.revelation@gmail.com", "james@lightsofapollo.com", "jlal@mozilla.com"]
    assert all(r.initiated_by == "them" and r.duration_minutes == 30 for r in found)
    assert found[1].topics == ["Crazy Event Thingy!"]


def test_outlook_standup_in_a_comma_named_windows_zone() -> None:
    # Weekdays at 09:30 "Canberra, Melbourne, Sydney" (UTC+11 in March) from 2009-03-10.
    records = read(ICAL / "ical4j/Standup.ics", now=datetime(2009, 3, 20, tzinfo=UTC))
    found = interactions(records)
    assert [r.occurred_at.day for r in found] == [9, 10, 11, 12, 15, 16, 17, 18, 19]
    assert all(r.occurred_at.hour == 22 and r.occurred_at.minute == 30 for r in found)
    assert {r.participants[0].email for r in found} == {"ben.fortuna@example.com"}
    assert all(r.format == "one_on_one" and r.initiated_by == "them" for r in found)


def test_unbounded_standup_is_read_only_for_the_last_five_years() -> None:
    records = read(ICAL / "ical4j/Standup.ics")
    found = interactions(records)
    assert found[0].occurred_at >= datetime(2021, 11, 24, tzinfo=UTC)
    assert any("are not read" in s.reason and s.by_rule for s in skips(records))


def test_outlook_meeting_with_quoted_names_in_eastern_time() -> None:
    (meeting,) = interactions(read(ICAL / "biweekly/outlook-2010.ics"))
    assert meeting.occurred_at == datetime(2013, 6, 10, 16, 0, tzinfo=UTC)  # 12:00 EDT
    assert meeting.duration_minutes == 60
    assert [(p.name, p.email) for p in meeting.participants] == [
        ("Doe, John", "johndoe@example.com"), ("Doe, Jane", "janedoe@example.com"),
        ("Smith, Bob", "bobsmith@example.com")]
    assert meeting.format == "team_meeting" and meeting.summary == "Team Meeting"


def test_partstat_leaves_out_declined_and_delegating_attendees() -> None:
    (meeting,) = interactions(read(ICAL / "khal/event_dt_partstat.ics", me=("jdoe@example.com",)))
    assert [p.email for p in meeting.participants] == [
        "hcabot@example.com", "jqpublic@example.com", "tent@example.com"]
    assert meeting.participants[0].name == "Henry Cabot"
    assert meeting.occurred_at == datetime(2014, 4, 9, 7, 30, tzinfo=UTC)
    assert meeting.initiated_by == "mutual"  # no ORGANIZER


def test_a_meeting_i_declined_is_skipped() -> None:
    records = read(ICAL / "khal/event_dt_partstat.ics", me=("another@example.com",))
    assert interactions(records) == []
    assert [(s.reason, s.by_rule) for s in skips(records)] == [("declined by me", True)]


def test_umlaut_and_comma_in_organizer_name() -> None:
    (meeting,) = interactions(read(ICAL / "icalendar/issue_101_umlauts_in_organizer.ics"))
    assert meeting.participants[0].name == "acme, ädmin"
    assert meeting.source_key == "ical:20130416112341.10064jz0k4j7uem8@acmenet.de:20130416T100000Z"


def test_google_calendar_group_address_is_not_a_person() -> None:
    records = read(ICAL / "recurring-ical-events/daylight_saving_time.ics")
    assert interactions(records) == []
    assert {s.reason for s in skips(records)} == {"no other attendees"}


# -- small files of our own ------------------------------------------------------------------

WEEKLY = """
UID:weekly-1
SUMMARY:Re: Weekly sync
DTSTART;TZID=Europe/Berlin:20240108T100000
DTEND;TZID=Europe/Berlin:20240108T103000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Berlin:20240115T100000
ORGANIZER;CN=Me:mailto:me@example.com
ATTENDEE;PARTSTAT=ACCEPTED;CN=Me:mailto:me@example.com
ATTENDEE;PARTSTAT=ACCEPTED;CN=Anna Petrova:mailto:anna@example.com
"""
MOVED = """
UID:weekly-1
SUMMARY:Weekly sync (moved)
RECURRENCE-ID;TZID=Europe/Berlin:20240122T100000
DTSTART;TZID=Europe/Berlin:20240123T140000
DTEND;TZID=Europe/Berlin:20240123T150000
ORGANIZER;CN=Me:mailto:me@example.com
ATTENDEE;PARTSTAT=ACCEPTED;CN=Anna Petrova:mailto:anna@example.com
ATTENDEE;PARTSTAT=ACCEPTED;CN=Boris:mailto:boris@example.com
"""
CANCELLED = """
UID:weekly-1
RECURRENCE-ID;TZID=Europe/Berlin:20240129T100000
DTSTART;TZID=Europe/Berlin:20240129T100000
STATUS:CANCELLED
ORGANIZER;CN=Me:mailto:me@example.com
ATTENDEE;PARTSTAT=ACCEPTED;CN=Anna Petrova:mailto:anna@example.com
"""


def test_weekly_series_with_exdate_moved_and_cancelled_occurrences(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "weekly.ics", MOVED, WEEKLY, CANCELLED)
    records = read(path, me=("me@example.com",), now=datetime(2024, 3, 1, tzinfo=UTC))
    found = interactions(records)
    # Six Mondays from Jan 8; Jan 15 excluded, Jan 22 moved to Tue 23, Jan 29 cancelled.
    assert [r.occurred_at for r in found] == [
        datetime(2024, 1, 8, 9, 0, tzinfo=UTC),
        datetime(2024, 1, 23, 13, 0, tzinfo=UTC),
        datetime(2024, 2, 5, 9, 0, tzinfo=UTC),
        datetime(2024, 2, 12, 9, 0, tzinfo=UTC),
    ]
    assert found[1].source_key == "ical:weekly-1:20240122T090000Z"
    assert found[1].format == "team_meeting" and found[1].duration_minutes == 60
    assert found[0].format == "one_on_one" and found[0].duration_minutes == 30
    assert all(r.initiated_by == "me" for r in found)
    assert found[0].topics == ["Re: Weekly sync"]
    assert [(s.reason, s.by_rule) for s in skips(records)] == [("cancelled", True)]


def test_an_override_far_from_its_master_reads_the_same(tmp_path: Path) -> None:
    # Events are parsed one at a time; a series whose parts are spread through the file is
    # still read whole, at the place of its first part.
    others = [f"UID:solo-{i}\nDTSTART:20240201T100000Z\nATTENDEE:mailto:p{i}@example.com"
              for i in range(40)]
    near = write_ics(tmp_path, "near.ics", MOVED, WEEKLY, CANCELLED)
    far = write_ics(tmp_path, "far.ics", MOVED, *others[:20], WEEKLY, *others[20:], CANCELLED)
    options = {"me": ("me@example.com",), "now": datetime(2024, 3, 1, tzinfo=UTC)}
    expected = interactions(read(near, **options))
    records = read(far, **options)
    found = [r for r in interactions(records) if r.source_key.startswith("ical:weekly-1:")]

    def facts(r: InteractionRecord) -> tuple[Any, ...]:
        return r.source_key, r.occurred_at, r.participants, r.format, r.duration_minutes

    assert [facts(r) for r in found] == [facts(r) for r in expected] and len(found) == 4
    assert records[: len(found) + 1] == found + [skips(records)[0]]
    assert skips(records)[0].reason == "cancelled"
    assert len(interactions(records)) == 4 + 40


def test_the_same_uid_in_two_calendars_of_one_file_is_two_series(tmp_path: Path) -> None:
    one = write_ics(tmp_path, "one.ics", WEEKLY).read_text()
    two = write_ics(tmp_path, "two.ics", MOVED).read_text()
    path = tmp_path / "both.ics"
    path.write_text(one + two, newline="")
    found = interactions(read(path, me=("me@example.com",), now=datetime(2024, 3, 1, tzinfo=UTC)))
    # The override, alone in its calendar, is a one-off meeting of its own.
    assert len(found) == 5 + 1
    assert found[-1].occurred_at == datetime(2024, 1, 23, 13, 0, tzinfo=UTC)


def test_future_occurrences_are_not_read(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "weekly.ics", WEEKLY)
    records = read(path, me=("me@example.com",), now=datetime(2024, 1, 16, tzinfo=UTC))
    assert [r.occurred_at.day for r in interactions(records)] == [8]


def test_source_keys_are_stable_across_reads(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "weekly.ics", WEEKLY, MOVED)
    first = [r.source_key for r in interactions(read(path, now=datetime(2024, 1, 24, tzinfo=UTC)))]
    later = [r.source_key for r in interactions(read(path, now=datetime(2024, 3, 1, tzinfo=UTC)))]
    assert first == later[: len(first)] and len(first) == 2


def test_cancelled_one_off_meeting_is_skipped(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "cancel.ics", """
UID:c1
DTSTART:20240301T100000Z
STATUS:CANCELLED
ATTENDEE:mailto:anna@example.com
""")
    records = read(path)
    assert [s.reason for s in skips(records)] == ["cancelled"] and not interactions(records)


def test_calendar_with_method_cancel_is_all_cancelled(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "cancel.ics", "UID:c2\nDTSTART:20240301T100000Z\n"
                     "ATTENDEE:mailto:anna@example.com", extra="METHOD:CANCEL\r\n")
    assert [s.reason for s in skips(read(path))] == ["cancelled"]


def test_personal_event_without_attendees_is_skipped_once_per_series(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "gym.ics", "UID:gym\nSUMMARY:Gym\nDTSTART:20240101T070000Z\n"
                     "RRULE:FREQ=DAILY")
    records = read(path)
    assert [(s.reason, s.by_rule) for s in records] == [("no other attendees", True)]


def test_rooms_and_my_own_address_do_not_count_as_people(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "room.ics", """
UID:r1
DTSTART:20240301T100000Z
ORGANIZER:mailto:ME@example.com
ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@example.com
ATTENDEE;CN=Resource:mailto:abc@resource.calendar.google.com
ATTENDEE:mailto:me@example.com
""")
    records = read(path, me=("me@example.com",))
    assert [s.reason for s in skips(records)] == ["no other attendees"]


@pytest.mark.parametrize(("line", "expected"), [
    ("LOCATION:https://us02web.zoom.us/j/123456", "video_call"),
    ("DESCRIPTION:Join: https://meet.google.com/abc-defg-hij", "video_call"),
    ("X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij", "video_call"),
    ("LOCATION:Microsoft Teams Meeting", "video_call"),
    ("CONFERENCE;VALUE=URI:https://acme.webex.com/meet/anna", "video_call"),
    ("LOCATION:tel:+4930123456", "call"),
    ("LOCATION:+49 30 123456", "call"),
    ("LOCATION:Phone call", "call"),
    ("LOCATION:Cafe Einstein", "one_on_one"),
])
def test_format_from_location_and_conference(tmp_path: Path, line: str, expected: str) -> None:
    path = write_ics(tmp_path, "one.ics", f"UID:f1\nDTSTART:20240301T100000Z\n{line}\n"
                     "ATTENDEE;CN=Anna:mailto:anna@example.com")
    (meeting,) = interactions(read(path))
    assert meeting.format == expected


def test_all_day_event_is_dated_at_noon_without_a_duration(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "allday.ics", "UID:a1\nDTSTART;VALUE=DATE:20240301\n"
                     "DTEND;VALUE=DATE:20240302\nATTENDEE:mailto:anna@example.com")
    (meeting,) = interactions(read(path))
    assert meeting.occurred_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert meeting.duration_minutes is None and meeting.source_key == "ical:a1:20240301"


def test_floating_time_is_read_in_the_given_zone(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "floating.ics", "UID:fl\nDTSTART:20240301T100000\n"
                     "DURATION:PT45M\nATTENDEE:mailto:anna@example.com")
    (meeting,) = interactions(read(path, timezone="Europe/Moscow"))
    assert meeting.occurred_at == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
    assert meeting.duration_minutes == 45


def test_windows_tzid_without_vtimezone(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "win.ics", "UID:w1\n"
                     "DTSTART;TZID=W. Europe Standard Time:20240701T100000\n"
                     "ATTENDEE:mailto:anna@example.com")
    (meeting,) = interactions(read(path))
    assert meeting.occurred_at == datetime(2024, 7, 1, 8, 0, tzinfo=UTC)  # CEST


def test_exchange_rule_with_spaces_and_google_empty_exdate_are_repaired(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "repair.ics", """
UID:x1
DTSTART:20240304T090000Z
RRULE:FREQ=DAILY;COUNT=5;BYDAY=MO, TU, WE, TH, FR
EXDATE;VALUE=DATE-TIME:
EXDATE:20240306T090000Z
RDATE;VALUE=DATE:20240309Z
ATTENDEE:mailto:anna@example.com
""")
    found = interactions(read(path))
    assert [r.occurred_at.day for r in found] == [4, 5, 7, 8, 9]


def test_unusable_recurrence_rule_skips_that_series_only(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "badrule.ics",
                     "UID:bad\nDTSTART:20240304T090000Z\nRRULE:FREQ=SOMETIMES;;==\n"
                     "ATTENDEE:mailto:anna@example.com",
                     "UID:good\nDTSTART:20240304T090000Z\nATTENDEE:mailto:anna@example.com")
    records = read(path)
    assert [r.source_key for r in interactions(records)] == ["ical:good:20240304T090000Z"]
    (skip,) = skips(records)
    assert "RRULE" in skip.reason and not skip.by_rule and ":4 VEVENT bad" in skip.where


def test_a_lone_vevent_is_read_as_a_calendar(tmp_path: Path) -> None:
    path = tmp_path / "lone.ics"
    path.write_text("BEGIN:VEVENT\nUID:l1\nDTSTART:20240301T100000Z\n"
                    "ATTENDEE:mailto:anna@example.com\nEND:VEVENT\n")
    assert len(interactions(read(path))) == 1


def test_a_folder_of_calendars(tmp_path: Path) -> None:
    write_ics(tmp_path, "a.ics", "UID:a\nDTSTART:20240301T100000Z\nATTENDEE:mailto:a@example.com")
    write_ics(tmp_path, "b.ics", "UID:b\nDTSTART:20240302T100000Z\nATTENDEE:mailto:b@example.com")
    assert [r.source_key[:6] for r in interactions(read(tmp_path))] == ["ical:a", "ical:b"]


def test_the_reader_is_a_generator(tmp_path: Path) -> None:
    path = write_ics(tmp_path, "a.ics", "UID:a\nDTSTART:20240301T100000Z")
    assert inspect.isgenerator(ical.read(path, options={"my_emails": []}))


# -- files that are not calendars, or broken ones --------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.ics", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
     "this is a PNG image, not an iCalendar file"),
    ("contacts.ics", b"Name,Email\nAnna,anna@example.com\n",
     "line 1: not an iCalendar file (expected BEGIN:VCALENDAR, found 'Name,Email')"),
    ("junk.ics", bytes(range(256)) * 4, "this is binary data, not an iCalendar file"),
    ("empty.ics", b"", "the file is empty"),
    ("truncated.ics", b"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:t\nDTSTART:2024",
     "line 3: VEVENT is never closed: the file is truncated"),
    ("badtz.ics", b"BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Nowhere Standard Time\n"
     b"BEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:+5328\nTZOFFSETTO:+0100\n"
     b"END:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n",
     "line 6: malformed iCalendar data (Offset must be less than 24 hours, was +5328)"),
    ("stray.ics", b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\nEND:VCALENDAR\n",
     "line 4: malformed iCalendar data (END encountered without an accompanying BEGIN!)"),
])
def test_wrong_kind_and_broken_files_are_rejected_in_one_line(
        tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRejected) as caught:
        read(path)
    assert caught.value.message == f"{path}: {message}"
    assert "\n" not in caught.value.message


def test_broken_vtimezone_of_a_known_zone_does_not_matter() -> None:
    # khal's sample: TZOFFSETFROM:+5328 in a Europe/Berlin definition; the system's zone wins.
    records = read(ICAL / "khal/invalid_tzoffset.ics")
    assert [s.reason for s in skips(records)] == ["no other attendees"]


def test_a_broken_shared_property_in_a_known_zone_does_not_matter(tmp_path: Path) -> None:
    # SEQUENCE is among the values the parser remembers per line; a broken one inside a
    # VTIMEZONE of a known zone is dropped like any broken line there, not fatal.
    zone = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nSEQUENCE:abc\r\nBEGIN:STANDARD\r\n"
            "DTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
            "END:STANDARD\r\nEND:VTIMEZONE\r\n")
    path = write_ics(tmp_path, "zone.ics", "UID:z1\nDTSTART;TZID=Europe/Berlin:20240110T100000\n"
                     "ATTENDEE:mailto:anna@example.com", extra=zone)
    (meeting,) = interactions(read(path))
    assert meeting.occurred_at == datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
