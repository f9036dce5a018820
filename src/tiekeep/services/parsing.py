"""Parsing and validating user input: emails, phones, dates, times, periods, text lengths.

Each parser returns a clean value or raises InvalidInput with a message that names the value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tiekeep.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_PERIOD = re.compile(r"^\s*([0-9]+)\s*([dwmy])\s*$", re.IGNORECASE)

# Text limits, checked in the services so that the CLI, the web forms and the API agree
# (the API's schemas declare the same bounds).
MAX_LINE = 300  # a one-line field: a title, an organization, a location, a topic, an alias
MAX_TEXT = 2000  # a short free text: a summary, a next step, a follow-up, a plan item
MAX_LABEL = 200  # a user's display name, an API token's name
MAX_NOTES = 20_000  # notes: a contact's, an interaction's, a resource's
SHOWN = 60  # how much of a rejected value an error message repeats
FALLBACK_PHONE_REGION = "US"  # for numbers without +, when nothing says where they are


def shown(value: str) -> str:
    """The value as an error message repeats it: cut after 60 characters, so that the
    message stays one short line."""
    return value if len(value) <= SHOWN else value[:SHOWN] + "…"


@overload
def bounded(value: str, *, what: str, limit: int) -> str: ...


@overload
def bounded(value: None, *, what: str, limit: int) -> None: ...


def bounded(value: str | None, *, what: str, limit: int) -> str | None:
    """The value unchanged if it has at most ``limit`` characters, else InvalidInput."""
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{what} is too long ({len(value)} characters; at most {limit})")
    return value


def required_text(value: str, *, what: str, missing: str, limit: int = MAX_TEXT) -> str:
    """The value stripped: not empty (else InvalidInput ``missing``), and within ``limit``."""
    text = value.strip()
    if not text:
        raise InvalidInput(missing)
    return bounded(text, what=what, limit=limit)


def email(value: str) -> str:
    """A lower-cased email address, or InvalidInput."""
    cleaned = value.strip().strip("<>").strip()
    if len(cleaned) > 320 or not _EMAIL.match(cleaned):
        raise InvalidInput(f"malformed email address '{shown(value)}'")
    return cleaned.lower()


def phone(value: str, region: str = FALLBACK_PHONE_REGION) -> str:
    """A phone number in E.164 form, or InvalidInput.

    Numbers without a country code are read in ``region``, the owner's phone region (see
    services.users.phone_region); the default is only a fallback.
    """
    import phonenumbers

    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"malformed phone number '{shown(value)}'") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"malformed phone number '{shown(value)}'")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Dates outside these years are typos, and arithmetic on them (a birthday's next year, a
# period before them) would leave the range Python's dates can hold.
FIRST_YEAR, LAST_YEAR = 1600, 2999
LONGEST_PERIOD_DAYS = 36_500


def calendar_date(value: str, *, what: str = "date") -> date:
    """A YYYY-MM-DD date between the years 1600 and 2999, or InvalidInput."""
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"malformed {what} '{value}' (expected YYYY-MM-DD)") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(f"{what} '{value}' is out of range (years {FIRST_YEAR}–{LAST_YEAR})")
    return parsed


def zone(name: str | None) -> ZoneInfo:
    """The time zone of that IANA name (UTC when empty), or InvalidInput."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone '{name}'") from None


def local_zone_name() -> str:
    """The system's IANA zone name, else UTC."""
    import os
    from pathlib import Path

    if tz := os.environ.get("TZ"):
        return tz.lstrip(":")
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


# Where a POSIX locale names its territory: language_TERRITORY[.codeset][@modifier].
_LOCALE_TERRITORY = re.compile(r"^[A-Za-z]{2,3}_([A-Za-z]{2})(?:[.@]|$)")


def phone_region(value: str) -> str:
    """An upper-cased region code that phonenumbers knows (ISO 3166-1 alpha-2), or
    InvalidInput."""
    import phonenumbers

    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"unknown phone region '{shown(value)}' "
                           "(expected a country code such as DE or US)")
    return code


def phone_regions() -> list[str]:
    """Every region code a phone region may be, sorted."""
    import phonenumbers

    return sorted(phonenumbers.SUPPORTED_REGIONS)


def local_phone_region() -> str:
    """The territory of the system's locale (LANG=de_DE.UTF-8 gives DE), else US.

    The locale in effect for telephone numbers is the first of LC_ALL, LC_TELEPHONE and
    LANG that is set, as POSIX orders them; C, POSIX and C.UTF-8 name no territory.
    """
    import os

    import phonenumbers

    for name in ("LC_ALL", "LC_TELEPHONE", "LANG"):
        if value := os.environ.get(name):
            match = _LOCALE_TERRITORY.match(value)
            if match and match[1].upper() in phonenumbers.SUPPORTED_REGIONS:
                return match[1].upper()
            break
    return FALLBACK_PHONE_REGION


def moment(value: str, *, tz: str | None = None, now: datetime | None = None) -> datetime:
    """A point in time in UTC from ISO 8601 or a natural phrase ("yesterday 15:00").

    A time without a zone is read in the user's zone ``tz``; a date alone means noon there.
    """
    text = value.strip()
    zone_info = zone(tz)
    now = now or datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
        if len(text) == 10:  # a bare date
            parsed = parsed.replace(hour=12)
    except ValueError:
        import dateparser

        parsed_or_none = dateparser.parse(
            text,
            languages=["en", "ru"],
            settings={
                "RELATIVE_BASE": now.astimezone(zone_info).replace(tzinfo=None),
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
        if parsed_or_none is None:
            raise InvalidInput(f"malformed date or time '{value}'") from None
        parsed = parsed_or_none
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(f"date '{value}' is out of range (years {FIRST_YEAR}–{LAST_YEAR})")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone_info)
    return parsed.astimezone(UTC)


def period(value: str) -> timedelta:
    """A period such as 90d, 12w, 6m or 1y, or InvalidInput."""
    match = _PERIOD.match(value)
    if not match:
        raise InvalidInput(f"malformed period '{value}' (expected e.g. 90d, 12w, 6m, 1y)")
    count, unit = int(match.group(1)), match.group(2).lower()
    if count <= 0:
        raise InvalidInput(f"period must be positive, not '{value}'")
    days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * count
    if days > LONGEST_PERIOD_DAYS:
        raise InvalidInput(f"period '{value}' is longer than 100 years")
    return timedelta(days=days)


def depth(value: int | None) -> int | None:
    """A depth from 1 to 5, or InvalidInput."""
    if value is not None and not 1 <= value <= 5:
        raise InvalidInput(f"depth must be from 1 to 5, not {value}")
    return value


def rating(value: int | None, what: str = "trust") -> int | None:
    """A rating from 1 to 5, or InvalidInput."""
    if value is not None and not 1 <= value <= 5:
        raise InvalidInput(f"{what} must be from 1 to 5, not {value}")
    return value
