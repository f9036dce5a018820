"""Edge values that fuzzing found to crash tiekeep, and how to recognise them in a request.

Each kind is a finding reported to the owner of the code, with a strict xfail reproducer in
``test_edge_inputs.py``. The fuzzers count a failure caused by one of these as the known
finding rather than failing again on it, so that they keep looking for new ones; when a fix
lands, the reproducer passes, its strict xfail fails, and the entry here is removed.
"""

from __future__ import annotations

import re
from typing import Any

# Ids are 32-bit integers in PostgreSQL (integer); SQLite takes 64 bits.
MAX_ID = 2**31 - 1
# Dates the services can add a year to, or take one from, without leaving datetime's range.
FAR_DATE = re.compile(r"^\s*([0-9]{4})-[0-9]{2}-[0-9]{2}")
NEAR_YEARS = range(1900, 2501)
LONGEST_PERIOD_DAYS = 36_500
_PERIOD = re.compile(r"^\s*([0-9]+)\s*([dwmyDWMY])\s*$")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}

FINDINGS = {
    "huge id": "an id past the database's integer range: 500 instead of 404/422",
    "far date": "a date near year 1 or 9999: OverflowError in the agenda, 500",
    "long period": "a period longer than datetime can subtract: OverflowError, 500",
    "non-ASCII digits": "a reference of non-ASCII digits ('³'): int() raises ValueError, 500",
    "NUL on PostgreSQL": "text with a NUL character: PostgreSQL refuses it, DataError, 500",
    "NUL in a search": "a search query with a NUL: SQLite's FTS5 fails ('unterminated string'), "
                       "OperationalError, 503",
    "undocumented 400": "a body that is not JSON (or not multipart) gets 400, not in the "
                        "OpenAPI description",
}


def _values(value: Any) -> list[Any]:
    """Every scalar inside a request part."""
    if isinstance(value, dict):
        return [v for item in value.values() for v in _values(item)]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _values(item)]
    return [value]


def classify(values: list[Any], dialect: str) -> str | None:
    """The known finding these request values trigger, if any."""
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) \
                and not -MAX_ID <= value <= MAX_ID:
            return "huge id"
        if not isinstance(value, str):
            continue
        if value.lstrip("-+#").isascii() and value.lstrip("-+#").isdigit() \
                and not -MAX_ID <= int(value.lstrip("#")) <= MAX_ID:
            return "huge id"
        if (match := FAR_DATE.match(value)) and int(match.group(1)) not in NEAR_YEARS:
            return "far date"
        if (match := _PERIOD.match(value)) and int(match.group(1)) * _UNIT_DAYS[
                match.group(2).lower()] > LONGEST_PERIOD_DAYS:
            return "long period"
        if any(ch.isdigit() and not ch.isascii() for ch in value):
            return "non-ASCII digits"
        if "\x00" in value:
            return "NUL on PostgreSQL" if dialect == "postgresql" else "NUL in a search"
    return None


def known_finding(case: Any, response: Any, dialect: str) -> str | None:
    """The known finding a schemathesis case ran into, or None for a new failure."""
    if response is not None and response.status_code == 400 and "400" not in \
            case.operation.definition.raw.get("responses", {}):
        return "undocumented 400"
    body = case.body if isinstance(case.body, dict | list | str) else None
    parts = [case.path_parameters, case.query, body]
    return classify([v for part in parts for v in _values(part)], dialect)
