"""Edge values that fuzzing found to break tiekeep, and how to recognise them in a request.

Each kind still open is a finding reported to the owner of the code, with a strict xfail
reproducer in ``test_edge_inputs.py``. The fuzzers count a failure caused by one of these as
the known finding rather than failing again on it, so that they keep looking for new ones.
When a fix lands, its reproducer passes, its strict xfail turns red, and the entry here is
removed, so that the fuzzers catch the finding if it ever comes back.

Fixed so far, and no longer excused: ids past the database's integer range, dates near year
1 or 9999, periods longer than a century, references of non-ASCII digits ('³'), text with a
NUL on PostgreSQL, and a NUL in a search query on SQLite.
"""

from __future__ import annotations

from typing import Any

FINDINGS = {
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
    """The known finding these request values trigger, if any (none is open now).

    An open finding triggered by a value is recognised here, e.g. ``if isinstance(value, str)
    and "\x00" in value: return "NUL in a search"``, until its fix lands.
    """
    return None


def known_finding(case: Any, response: Any, dialect: str) -> str | None:
    """The known finding a schemathesis case ran into, or None for a new failure."""
    if response is not None and response.status_code == 400 and "400" not in \
            case.operation.definition.raw.get("responses", {}):
        return "undocumented 400"
    body = case.body if isinstance(case.body, dict | list | str) else None
    parts = [case.path_parameters, case.query, body]
    return classify([v for part in parts for v in _values(part)], dialect)
