"""Parse an iCalendar file with line numbers, and repair the breakage real exporters produce.

icalendar parses the whole file at once and, for most errors, says what broke but not where;
this parser remembers the physical line of every content line so that a rejection names it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from icalendar import Calendar, ComponentFactory
from icalendar.cal.component import Component
from icalendar.parser.content_line import Contentline, Contentlines
from icalendar.parser.ical.component import ComponentIcalParser
from icalendar.parser.parameter import Parameters
from icalendar.prop import vBroken, vDDDLists, vRecur
from icalendar.timezone import tzp

from tiekeep.adapters._support import decode_bytes, reject, sniff_binary
from tiekeep.errors import ImportRejected

_NEWLINE = re.compile(r"\r\n|\r|\n")
_DATE_WITH_Z = re.compile(r"^(\d{8})Z$")
_BARE_COMPONENTS = {"BEGIN:VEVENT", "BEGIN:VTODO", "BEGIN:VJOURNAL"}


class _LineTrackingParser(ComponentIcalParser):
    """icalendar's parser, remembering which physical line it is on."""

    def __init__(self, lines: Contentlines, numbers: list[int]) -> None:
        super().__init__(lines, ComponentFactory(), Calendar.types_factory)
        self.numbers = numbers
        self.position = 0

    def initialize_parsing(self) -> None:
        super().initialize_parsing()
        self._content_lines_iterator = self._tracked(self._content_lines_iterator)

    def _tracked(self, lines: Iterator[Contentline]) -> Iterator[Contentline]:
        for position, line in enumerate(lines):
            self.position = position
            yield line

    def unclosed(self) -> Component | None:
        """The component still open when the input ended, if any."""
        return self._stack[-1] if self._stack else None

    @property
    def line_number(self) -> int:
        return self.numbers[min(self.position, len(self.numbers) - 1)]

    def handle_begin_component(self, vals: str) -> None:
        super().handle_begin_component(vals)
        # Kept on the component so that skipped events can say where they are.
        self._stack[-1].line = self.line_number  # type: ignore[attr-defined]

    def handle_property_parse_error(self, exception: Exception, name: str,
                                    params: Parameters, val: str, line: Contentline) -> None:
        zone = next((c for c in self._stack if c.name == "VTIMEZONE"), None)
        # A broken VTIMEZONE rule does not matter when its TZID names a zone we know anyway
        # (icalendar prefers the system's definition then); without one it is fatal.
        if zone is not None and "TZID" in zone and tzp.timezone(str(zone["TZID"])) is not None:
            return
        super().handle_property_parse_error(exception, name, params, val, line)


def content_lines(path: Path, text: str) -> tuple[Contentlines, list[int]]:
    """Unfold ``text`` into content lines, with the physical line where each one starts."""
    lines = Contentlines()
    numbers: list[int] = []
    current: list[str] = []
    for number, physical in enumerate(_NEWLINE.split(text), start=1):
        if physical[:1] in (" ", "\t") and current:
            current.append(physical[1:])
            continue
        if not physical:
            continue
        if current:
            lines.append(Contentline("".join(current)))
        current = [physical]
        numbers.append(number)
    if current:
        lines.append(Contentline("".join(current)))
    if not numbers:
        raise reject(path, None, "the file is empty")
    first = lines[0].upper()
    if first in _BARE_COMPONENTS:
        # A lone VEVENT, as some tools save one meeting: read it as a calendar of one.
        lines.insert(0, Contentline("BEGIN:VCALENDAR"))
        lines.append(Contentline("END:VCALENDAR"))
        numbers.insert(0, numbers[0])
        numbers.append(numbers[-1])
    elif first != "BEGIN:VCALENDAR":
        raise reject(path, numbers[0],
                     f"not an iCalendar file (expected BEGIN:VCALENDAR, found '{lines[0][:60]}')")
    lines.append(Contentline(""))
    numbers.append(numbers[-1])
    return lines, numbers


def parse_calendars(path: Path) -> list[Component]:
    """Every VCALENDAR in the file, or ImportRejected naming the line that breaks it."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise reject(path, None, f"cannot read the file ({error.strerror})") from None
    if not data.strip():
        raise reject(path, None, "the file is empty")
    kind = sniff_binary(path, data[:4096])
    if kind is not None:
        raise reject(path, None, f"this is {kind}, not an iCalendar file")
    text = decode_bytes(data.removeprefix(b"\xef\xbb\xbf"))
    lines, numbers = content_lines(path, text)
    parser = _LineTrackingParser(lines, numbers)
    try:
        with warnings.catch_warnings():
            # icalendar warns when it guesses a vendor TZID's zone; the guess is what we want.
            warnings.simplefilter("ignore")
            components = parser.parse()
    except ImportRejected:
        raise
    except Exception as error:  # icalendar raises many kinds; all mean this line is broken
        raise reject(path, parser.line_number, _describe(error)) from None
    open_one = parser.unclosed()
    if open_one is not None:
        raise reject(path, getattr(open_one, "line", None),
                     f"{open_one.name} is never closed: the file is truncated")
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if len(calendars) != len(components):
        other = next(c for c in components if c.name != "VCALENDAR")
        raise reject(path, getattr(other, "line", None),
                     f"{other.name} outside of a VCALENDAR")
    return calendars


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"malformed iCalendar data ({message or type(error).__name__})"


def repair(event: Any) -> str | None:
    """Mend the broken properties exporters write; a reason when the event is unusable."""
    for name in {name for name, _ in getattr(event, "errors", ())}:
        if name is None or name not in event:
            continue
        values = event[name] if isinstance(event[name], list) else [event[name]]
        if not any(isinstance(v, vBroken) for v in values):
            continue
        mended: list[Any] = []
        for value in values:
            if not isinstance(value, vBroken):
                mended.append(value)
                continue
            fixed = _mend(name, value)
            if fixed is _UNUSABLE:
                return f"unreadable {name} '{str(value)[:60]}'"
            if fixed is not None:
                mended.append(fixed)
        del event[name]
        for value in mended:
            event.add(name, value, encode=False)
    return None


_UNUSABLE = object()


def _mend(name: str, value: vBroken) -> Any:
    """The repaired value; None to drop it; _UNUSABLE when the event cannot be used."""
    raw = str(value).strip()
    params: Any = getattr(value, "params", Parameters())
    if name == "RRULE":
        # Exchange CDO writes "BYDAY=MO, TU"; spaces are never meaningful in a rule.
        try:
            rule = vRecur(vRecur.from_ical(raw.replace(" ", "")))
        except (ValueError, TypeError):
            return _UNUSABLE
        rule.params = params
        return rule
    if name in ("EXDATE", "RDATE"):
        if not raw:
            return None  # Google writes an empty EXDATE; it excludes nothing
        # "20131210Z": a date cannot be in UTC; the Z is noise.
        items = [_DATE_WITH_Z.sub(r"\1", item.strip()) for item in raw.split(",")]
        try:
            dates = vDDDLists(vDDDLists.from_ical(",".join(items), params.get("TZID")))
        except (ValueError, TypeError):
            return _UNUSABLE
        dates.params = params
        return dates
    if name in ("DTEND", "DURATION"):
        return None  # the length is unknown, the meeting still happened
    if name in ("DTSTART", "RECURRENCE-ID"):
        return _UNUSABLE
    return value  # a broken text-like property still reads as its raw text
