"""Repairs of the broken VEVENT properties that real exporters write."""

from __future__ import annotations

import re
from typing import Any

from icalendar.parser.parameter import Parameters
from icalendar.prop import vBroken, vDDDLists, vRecur

_DATE_WITH_Z = re.compile(r"^(\d{8})Z$")


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
