"""The fixed vocabularies of the domain model, with the facts attached to each value."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from tiekeep.errors import InvalidInput


class Tier(StrEnum):
    KEY = "key"
    REGULAR = "regular"
    SUPPORTING = "supporting"
    DORMANT = "dormant"


class Horizon(StrEnum):
    LONG_TERM = "long_term"
    PROJECT = "project"


class Initiator(StrEnum):
    ME = "me"
    THEM = "them"
    MUTUAL = "mutual"


class Direction(StrEnum):
    GIVEN = "given"
    RECEIVED = "received"


class ValueKind(StrEnum):
    INFORMATION = "information"
    RESOURCE = "resource"
    SOCIAL = "social"
    PROFESSIONAL = "professional"


class LinkKind(StrEnum):
    KNOWS = "knows"
    INTRODUCED = "introduced"
    REPORTS_TO = "reports_to"
    WORKS_WITH = "works_with"


class Status(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Rhythm(StrEnum):
    """The seed's three rhythms of contact."""

    DAILY = "daily"
    PERIODIC = "periodic"
    LONG_TERM = "long_term"


class Format(StrEnum):
    ONE_ON_ONE = "one_on_one"
    TEAM_MEETING = "team_meeting"
    PROJECT_SYNC = "project_sync"
    STATUS_UPDATE = "status_update"
    DISCUSSION = "discussion"
    FEEDBACK = "feedback"
    LUNCH = "lunch"
    COFFEE = "coffee"
    CORPORATE_EVENT = "corporate_event"
    OFFSITE = "offsite"
    CHAT = "chat"
    EMAIL = "email"
    CALL = "call"
    VIDEO_CALL = "video_call"
    ONLINE_EVENT = "online_event"
    VIRTUAL_COFFEE = "virtual_coffee"
    SOCIAL_POST = "social_post"
    LETTER = "letter"
    OTHER = "other"

    @property
    def formal(self) -> bool:
        return self in _FORMAL

    @property
    def in_person(self) -> bool:
        return self in _IN_PERSON

    @property
    def rhythm(self) -> Rhythm:
        return _RHYTHM.get(self, Rhythm.PERIODIC)


_FORMAL = {
    Format.ONE_ON_ONE, Format.TEAM_MEETING, Format.PROJECT_SYNC, Format.STATUS_UPDATE,
    Format.DISCUSSION, Format.FEEDBACK, Format.CORPORATE_EVENT, Format.EMAIL,
    Format.ONLINE_EVENT, Format.LETTER,
}
_IN_PERSON = {
    Format.ONE_ON_ONE, Format.TEAM_MEETING, Format.PROJECT_SYNC, Format.DISCUSSION,
    Format.FEEDBACK, Format.LUNCH, Format.COFFEE, Format.CORPORATE_EVENT, Format.OFFSITE,
    Format.OTHER,
}
_RHYTHM = {
    Format.CHAT: Rhythm.DAILY, Format.STATUS_UPDATE: Rhythm.DAILY, Format.EMAIL: Rhythm.DAILY,
    Format.COFFEE: Rhythm.DAILY, Format.SOCIAL_POST: Rhythm.DAILY,
    Format.OFFSITE: Rhythm.LONG_TERM, Format.CORPORATE_EVENT: Rhythm.LONG_TERM,
    Format.FEEDBACK: Rhythm.LONG_TERM, Format.LETTER: Rhythm.LONG_TERM,
}


class Source(StrEnum):
    MANUAL = "manual"
    VCARD = "vcard"
    LINKEDIN = "linkedin"
    CSV = "csv"
    ICAL = "ical"
    MAIL = "mail"
    SLACK = "slack"
    JSON = "json"
    DEMO = "demo"


E = TypeVar("E", bound=StrEnum)


def parse_choice(enum: type[E], value: str, what: str) -> E:
    """Turn user text into an enum member, or raise InvalidInput listing the choices."""
    normalized = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return enum(normalized)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(f"unknown {what} '{value}' (choose from: {choices})") from None
