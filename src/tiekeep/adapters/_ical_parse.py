"""Read an iCalendar file one component at a time, with line numbers, repairing broken exports.

icalendar parses a whole file into one tree, which takes memory in proportion to the file.
Here a file is read twice instead, and neither read keeps more than one VEVENT (or one
series) in memory:

1. ``_Scan`` feeds icalendar's parser everything except the properties of VEVENTs, so that
   every error the parser would raise (in VTIMEZONEs, VALARMs, the structure) rejects the
   file before anything is read from it, naming the line. VTIMEZONEs are parsed and cached
   here, so that every event later sees every zone. Of each VEVENT it keeps a few numbers:
   where it starts, a hash of its UID, and whether it has a property that may be unreadable.
2. ``StreamedCalendar`` then parses the VEVENTs one top-level component at a time with
   icalendar. The few series whose parts are spread through the file are gathered by
   seeking to their other parts, so that every series is still read whole, in the order of
   its first part.

The text is UTF-8 when the whole file is, else cp1252 (``_ical_lines.file_codec``).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from icalendar import Calendar, ComponentFactory
from icalendar.cal.component import Component
from icalendar.parser.content_line import Contentline
from icalendar.parser.ical.component import ComponentIcalParser
from icalendar.parser.parameter import Parameters
from icalendar.timezone import tzp

from tiekeep.adapters._ical_lines import (
    Line,
    file_codec,
    line_structure,
    physical_lines,
    split_line,
    unfolded,
)
from tiekeep.adapters._ical_repair import repair
from tiekeep.adapters._support import reject, sniff_binary
from tiekeep.errors import ImportRejected

_BARE_COMPONENTS = {"BEGIN:VEVENT", "BEGIN:VTODO", "BEGIN:VJOURNAL"}
# A property name as icalendar reads it, when nothing before the first ':' or ';' is unusual.
_NAME = re.compile(r"[A-Za-z0-9-]+(?=[:;])")
# Values icalendar certainly reads, so the scan need not parse them (most DTSTARTs).
_PLAIN_DTSTART = re.compile(r"DTSTART(?:;TZID=[A-Za-z0-9_/+. -]*)?:(\d{8})T(\d{6})Z?")
_PLAIN_UID = re.compile(r"UID:([^\\]*)")
# The properties that may make an event unusable (see ``repair``).
_CHECKED = frozenset(("DTSTART", "RECURRENCE-ID", "RRULE", "EXDATE", "RDATE"))
# What recurring-ical-events, x_wr_timezone and the series key read of a VEVENT. A reader
# adds its own; the other properties (DTSTAMP, CREATED, attachments) are never parsed.
SERIES_PROPERTIES = frozenset((
    "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
    "RECURRENCE-ID", "SEQUENCE", "STATUS", "TRANSP", "SUMMARY", "ORGANIZER"))
# Values that depend on nothing but their line, and that nobody changes once read: the same
# line in another event gets the same value object, not a new parse.
_SHARED = frozenset(("ATTENDEE", "ORGANIZER", "SUMMARY", "LOCATION", "STATUS", "TRANSP",
                     "SEQUENCE"))
_VALUES: dict[str, tuple[str, Any]] = {}
_VALUES_KEPT = 4096
_FACTORY = ComponentFactory()

# -- the parser ------------------------------------------------------------------------------

class _Parser(ComponentIcalParser):
    """icalendar's parser, fed one content line at a time, remembering the line it is on."""

    def __init__(self) -> None:
        super().__init__([], _FACTORY, Calendar.types_factory)
        self._stack = []
        self._components = []
        self.number = 0
        self.failed = False  # whether the last property's value could not be read

    def feed(self, text: str) -> None:
        """What icalendar's ``parse_content_lines`` does with one line."""
        known = _VALUES.get(text)
        if known is not None and self._stack:
            self._stack[-1].add(known[0], known[1], encode=False)
            return
        line = Contentline(text)
        try:
            name, params, vals = split_line(text)
        except ValueError as error:
            self.handle_line_parse_error(error)
            return
        name = name.upper()
        if name == "BEGIN":
            self.handle_begin_component(vals)
        elif name == "END":
            self.handle_end_component(vals)
        elif name not in _SHARED or not self._stack:
            self.handle_property(name, params, vals, line)
        else:
            component = self._stack[-1]
            self.failed = False
            self.handle_property(name, params, vals, line)
            if not self.failed:  # only a value read cleanly is shared with later lines
                value = component[name]
                if len(_VALUES) >= _VALUES_KEPT:
                    _VALUES.clear()
                _VALUES[text] = (name, value[-1] if isinstance(value, list) else value)

    def handle_begin_component(self, vals: str) -> None:
        super().handle_begin_component(vals)
        # Kept on the component so that skipped events can say where they are.
        self._stack[-1].line = self.number  # type: ignore[attr-defined]

    def handle_property_parse_error(self, exception: Exception, name: str,
                                    params: Parameters, val: str, line: Contentline) -> None:
        self.failed = True
        zone = next((c for c in self._stack if c.name == "VTIMEZONE"), None)
        # A broken VTIMEZONE rule does not matter when its TZID names a zone we know anyway
        # (icalendar prefers the system's definition then); without one it is fatal.
        if zone is not None and "TZID" in zone and tzp.timezone(str(zone["TZID"])) is not None:
            return
        super().handle_property_parse_error(exception, name, params, val, line)


@dataclass
class _EventNote:
    """What the scan keeps of a VEVENT while it is open."""

    ordinal: int
    uids: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    unusual: bool = False  # a line whose name needs icalendar to read was fed to the event


class _Scan(_Parser):
    """The first read: validates the file and notes where each VEVENT is and what it is."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = 0
        self.offsets = array("q")  # per VEVENT, in file order: where its BEGIN line is
        self.numbers = array("q")
        self.top_level = array("b")  # a direct child of a VCALENDAR
        self.calendar_of = array("l")
        self.keys = array("q")  # hash of (calendar, series key)
        self.suspects: list[int] = []
        self.notes: dict[int, _EventNote] = {}  # id of an open VEVENT -> its note

    def scan(self, number: int, offset: int, text: str) -> None:
        """Take one content line: validate it, or note what matters of an event's property."""
        self.number, self.offset = number, offset
        top = self._stack[-1] if self._stack else None
        if top is None or top.name != "VEVENT" or line_structure(text) is not None:
            self.feed(text)
            return
        # A VEVENT tolerates any broken line or value, so its properties need no check here,
        # except what says which series it belongs to and whether it may be unusable.
        note = self.notes[id(top)]
        match = _NAME.match(text)
        if match is None:
            note.unusual = True
            self.feed(text)  # into the bare VEVENT, whose values are discarded at its end
            return
        name = match.group().upper()
        if name == "UID":
            note.uids.append(text)
        elif name == "SUMMARY":
            note.summaries.append(text)
        elif name in _CHECKED and not (name == "DTSTART" and _plain_dtstart(text)):
            self.feed(text)

    def handle_begin_component(self, vals: str) -> None:
        super().handle_begin_component(vals)
        component = self._stack[-1]
        if component.name == "VEVENT":
            self.notes[id(component)] = _EventNote(len(self.offsets))
            self.offsets.append(self.offset)
            self.numbers.append(self.number)
            self.top_level.append(len(self._stack) == 2 and self._stack[0].name == "VCALENDAR")
            self.calendar_of.append(len(self._components))
            self.keys.append(0)

    def handle_end_component(self, vals: str) -> None:
        if not self._stack:
            raise ValueError("END encountered without an accompanying BEGIN!")
        if self._stack[-1].name == "VEVENT":
            self._note_event(self._stack[-1])
        component = self._stack.pop()
        # A VCALENDAR keeps its properties, not its components: one at a time is in memory.
        if not self._stack:
            self._components.append(component)
        elif len(self._stack) > 1:
            self._stack[-1].add_component(component)
        if vals.upper() == "VTIMEZONE" and "TZID" in component:
            tzp.cache_timezone_component(component)

    def _note_event(self, event: Component) -> None:
        """The series key's hash and whether ``repair`` may give up on the event."""
        note = self.notes.pop(id(event))
        plain = (_PLAIN_UID.fullmatch(note.uids[0])
                 if len(note.uids) == 1 and not note.unusual else None)
        if plain is not None:
            key = plain.group(1).strip()
        else:
            for text in note.uids:
                self.feed(text)
            key = str(event.get("UID", "")).strip()
        if not key:
            # Without a UID the key is a hash of DTSTART, SUMMARY and ORGANIZER, known only
            # once the event is parsed; events of one SUMMARY are gathered to compare them.
            for text in note.summaries:
                self.feed(text)
            key = "\x00" + str(event.get("SUMMARY", ""))
        self.keys[note.ordinal] = hash((self.calendar_of[note.ordinal], key))
        if repair(event) is not None:
            self.suspects.append(note.ordinal)


def _plain_dtstart(text: str) -> bool:
    """Whether ``text`` is a DTSTART that icalendar certainly reads."""
    match = _PLAIN_DTSTART.fullmatch(text)
    if match is None:
        return False
    day, moment = match.groups()
    try:
        datetime(int(day[:4]), int(day[4:6]), int(day[6:]),
                 int(moment[:2]), int(moment[2:4]), int(moment[4:]))
    except ValueError:
        return False
    return True


# -- the file --------------------------------------------------------------------------------

class CalendarFile:
    """An .ics file, validated by a first read, whose calendars are then read one by one."""

    def __init__(self, path: Path, needed: frozenset[str]) -> None:
        self.path = path
        self.needed = SERIES_PROPERTIES | needed  # the VEVENT properties parsed
        self.other: IO[bytes] | None = None
        try:
            self.file: IO[bytes] = path.open("rb")
        except OSError as error:
            raise reject(path, None, f"cannot read the file ({error.strerror})") from None
        try:
            self._check_kind()
            self.codec = file_codec(self.file)
            self._scan()
        except BaseException:
            self.file.close()
            raise

    def close(self) -> None:
        """Close the file."""
        self.file.close()
        if self.other is not None:
            self.other.close()

    def _check_kind(self) -> None:
        head = self.file.read(4096)
        if not head.strip() and self._blank():
            raise reject(self.path, None, "the file is empty")
        kind = sniff_binary(self.path, head)
        if kind is not None:
            raise reject(self.path, None, f"this is {kind}, not an iCalendar file")

    def _blank(self) -> bool:
        self.file.seek(0)
        try:
            return all(not chunk.strip() for chunk in iter(lambda: self.file.read(1 << 20), b""))
        finally:
            self.file.seek(0)

    def lines(self) -> Iterator[Line]:
        """Every content line; a lone VEVENT (as some tools save one) inside a VCALENDAR."""
        lines = unfolded(physical_lines(self.file, 0, self.codec), 1)
        first = next(lines, None)
        if first is None:
            raise reject(self.path, None, "the file is empty")
        number, offset, text = first
        bare = text.upper() in _BARE_COMPONENTS
        if bare:
            yield number, offset, "BEGIN:VCALENDAR"
        elif text.upper() != "BEGIN:VCALENDAR":
            raise reject(self.path, number,
                         f"not an iCalendar file (expected BEGIN:VCALENDAR, found '{text[:60]}')")
        yield first
        for line in lines:
            number = line[0]
            yield line
        if bare:
            yield number, -1, "END:VCALENDAR"

    def _scan(self) -> None:
        scan = _Scan()
        try:
            with warnings.catch_warnings():
                # icalendar warns when it guesses a vendor TZID's zone; the guess is what we want.
                warnings.simplefilter("ignore")
                for number, offset, text in self.lines():
                    scan.scan(number, offset, text)
        except ImportRejected:
            raise
        except Exception as error:  # icalendar raises many kinds; all mean this line is broken
            raise reject(self.path, scan.number, _describe(error)) from None
        open_one = scan._stack[-1] if scan._stack else None
        if open_one is not None:
            raise reject(self.path, getattr(open_one, "line", None),
                         f"{open_one.name} is never closed: the file is truncated")
        other = next((c for c in scan._components if c.name != "VCALENDAR"), None)
        if other is not None:
            raise reject(self.path, getattr(other, "line", None),
                         f"{other.name} outside of a VCALENDAR")
        self.calendars = scan._components
        self.offsets, self.numbers = scan.offsets, scan.numbers
        self.top_level, self.keys = scan.top_level, scan.keys
        self.calendar_of = scan.calendar_of
        self.suspects = scan.suspects
        counts = Counter(scan.keys)
        self.together: dict[int, list[int]] = {}  # key hash -> ordinals, for series in parts
        for ordinal, key in enumerate(scan.keys):
            if counts[key] > 1:
                self.together.setdefault(key, []).append(ordinal)

    def read(self) -> Iterator[StreamedCalendar]:
        """The calendars in file order; read each one's events before asking for the next."""
        chunks = _Chunks(self)
        for index, component in enumerate(self.calendars):
            yield StreamedCalendar(self, index, component, chunks)

    def parse(self, lines: list[tuple[int, str]]) -> Component:
        """One component from its content lines, parsed by icalendar."""
        parser = _Parser()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, text in lines:
                    parser.number = number
                    parser.feed(text)
        except Exception as error:  # the scan let it through: a value icalendar cannot take
            raise reject(self.path, parser.number, _describe(error)) from None
        return parser._components[0]

    def event(self, ordinal: int) -> Component:
        """The VEVENT with this ordinal, read from where it is in the file."""
        if self.other is None:
            self.other = self.path.open("rb")  # the second read goes on with self.file
        lines = unfolded(physical_lines(self.other, self.offsets[ordinal], self.codec),
                          self.numbers[ordinal])
        return self.parse(list(_component_lines(lines, self.needed)))


def _unused(names: list[str], text: str, needed: frozenset[str]) -> bool:
    """Whether a property line inside these open components is a VEVENT's, never read."""
    if not names or names[-1] != "VEVENT":
        return False
    match = _NAME.match(text)
    return match is not None and match.group().upper() not in needed


def _component_lines(lines: Iterator[Line], needed: frozenset[str]
                     ) -> Iterator[tuple[int, str]]:
    """The lines of the component that begins with the first line, without unused ones."""
    names: list[str] = []  # the components open at this line
    for number, _, text in lines:
        structure = line_structure(text)
        if structure is None and _unused(names, text, needed):
            continue
        yield number, text
        if structure is None:
            continue
        if structure[0] == "BEGIN":
            names.append(structure[1])
        else:
            names.pop()
            if not names:
                return


@dataclass
class _Chunk:
    calendar: int
    ordinals: list[int]
    lines: list[tuple[int, str]]


class _Chunks:
    """The second read: each top-level component with a VEVENT in it, in file order."""

    def __init__(self, source: CalendarFile) -> None:
        self.source = source
        self.pending: _Chunk | None = None
        self.iterator = self._chunks()

    def next_for(self, calendar: int) -> _Chunk | None:
        """The next chunk if it belongs to ``calendar``."""
        if self.pending is None:
            self.pending = next(self.iterator, None)
        if self.pending is None or self.pending.calendar != calendar:
            return None
        chunk, self.pending = self.pending, None
        return chunk

    def _chunks(self) -> Iterator[_Chunk]:
        needed = self.source.needed
        names: list[str] = []
        calendar = -1
        ordinal = 0
        chunk: _Chunk | None = None
        for number, _, text in self.source.lines():
            structure = line_structure(text)
            if structure is None:
                if chunk is None:
                    continue  # a VCALENDAR's own properties were read by the scan
                if not _unused(names, text, needed):
                    chunk.lines.append((number, text))
                continue
            kind, name = structure
            if kind == "BEGIN":
                if not names:
                    calendar += 1
                elif len(names) == 1:
                    chunk = _Chunk(calendar, [], [])
                names.append(name)
                if name == "VEVENT":
                    assert chunk is not None
                    chunk.ordinals.append(ordinal)
                    ordinal += 1
            else:
                names.pop()
            if chunk is not None:
                chunk.lines.append((number, text))
                if len(names) == 1:
                    if chunk.ordinals:
                        yield chunk
                    chunk = None


class StreamedCalendar:
    """One VCALENDAR of a file: its properties at once, its events as they are read."""

    def __init__(self, source: CalendarFile, index: int, component: Component,
                 chunks: _Chunks) -> None:
        self.source = source
        self.index = index
        self.component = component
        self.chunks = chunks
        self.done: set[int] = set()  # events already read as part of an earlier series

    def unusable(self, prepare: Callable[[Component, bool], Component]
                 ) -> Iterator[tuple[Component, str]]:
        """The events ``repair`` gives up on, with why, in file order."""
        for ordinal in self.source.suspects:
            if self.source.calendar_of[ordinal] != self.index:
                continue
            event = prepare(self.source.event(ordinal), bool(self.source.top_level[ordinal]))
            problem = repair(event)
            if problem is not None:
                self.done.add(ordinal)
                yield event, problem

    def series(self, prepare: Callable[[Component, bool], Component]
               ) -> Iterator[tuple[str, list[Component]]]:
        """(series key, its events) in order of each series' first event in the file.

        ``prepare`` gets each event (and whether it is a direct child of the VCALENDAR)
        before it is repaired and grouped. Run ``unusable`` first.
        """
        source = self.source
        while (chunk := self.chunks.next_for(self.index)) is not None:
            if all(o in self.done for o in chunk.ordinals):
                continue
            root = source.parse(chunk.lines)
            events = root.walk("VEVENT")
            for ordinal, event in zip(chunk.ordinals, events, strict=True):
                if ordinal in self.done:
                    continue
                event = prepare(event, bool(source.top_level[ordinal]) and event is root)
                repair(event)  # the scan found no unusable value in it
                key = series_key(event)
                parts = source.together.get(source.keys[ordinal])
                if parts is None:
                    yield key, [event]
                    continue
                group = [event]
                for later in parts:
                    if later <= ordinal or later in self.done:
                        continue
                    other = prepare(source.event(later), bool(source.top_level[later]))
                    repair(other)
                    if series_key(other) == key:
                        group.append(other)
                        self.done.add(later)
                yield key, group


def series_key(event: Any) -> str:
    """The UID that groups an event into its series; derived from the event when it has none."""
    uid = str(event.get("UID", "")).strip()
    if uid:
        return uid
    # No UID: derive one from what identifies the meeting, so re-imports match.
    basis = "|".join(str(event.get(k, "")) for k in ("DTSTART", "SUMMARY", "ORGANIZER"))
    return "sha1-" + hashlib.sha1(basis.encode(), usedforsecurity=False).hexdigest()[:16]


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"malformed iCalendar data ({message or type(error).__name__})"
