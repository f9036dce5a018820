"""The neutral records importers produce and the importing service consumes.

An importer reads a file and yields these, one at a time, so that memory stays flat however
large the file; it knows nothing of the database. ``services/importing.py`` turns them into
contacts and interactions, resolving identities along the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class PersonRef:
    """Someone an interaction names: by email, phone, handle, profile URL or name."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    source_key: str | None = None  # e.g. a Slack user id


@dataclass
class ContactRecord:
    """A contact as a source describes it."""

    name: str
    source_key: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)  # (kind, url)
    organization: str | None = None
    department: str | None = None
    title: str | None = None
    role_since: date | None = None
    location: str | None = None
    birthday: date | None = None
    birthday_has_year: bool = True
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    how_met: str | None = None
    met_on: date | None = None
    photo: bytes | None = None
    photo_type: str | None = None
    where: str = ""  # the file and line or record, for messages
    # Values the reader could not read and left out ("birthday '31.02.' is not a date"); the
    # record itself is imported, and these are listed in the summary's notes.
    dropped: list[str] = field(default_factory=list)


@dataclass
class InteractionRecord:
    """An interaction as a source describes it; ``participants`` excludes me."""

    source_key: str
    occurred_at: datetime
    format: str
    participants: list[PersonRef]
    initiated_by: str = "mutual"
    topics: list[str] = field(default_factory=list)
    summary: str | None = None
    duration_minutes: int | None = None
    attendee_count: int | None = None
    thread_key: str | None = None
    in_reply_to_key: str | None = None  # the source_key of the message this one answers
    where: str = ""


@dataclass
class SkippedRecord:
    """A record that was left out, and why (a bad card, a bulk sender, a declined event)."""

    where: str
    reason: str
    # True when left out on purpose by a rule (a declined event, a bulk sender), not because
    # the record is broken; `import --strict` rejects the file only for broken records.
    by_rule: bool = False


Record = ContactRecord | InteractionRecord | SkippedRecord
