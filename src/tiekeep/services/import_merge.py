"""What an import adds to a contact it already knows: missing facts, and role changes.

An import never overwrites what a contact has (the user may have corrected it); it fills
what is empty and adds addresses, links and tags. A role is the exception, since careers
move: a newer export of the same kind of source records a change (the old role closed, a
new one opened, which raises the agenda's "congratulate" item), unless the user typed the
current role, or it came from LinkedIn and the record from an address book.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tiekeep.adapters.keys import url_key
from tiekeep.adapters.records import ContactRecord
from tiekeep.core.models import Contact, ContactEmail, ContactPhone, ContactUrl, Role, Tag
from tiekeep.services import parsing, roles

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_PHOTO = 5 * 2**20
# Who may replace whose current role: the user's own word, then LinkedIn, then the rest.
ROLE_AUTHORITY = {"manual": 3, "linkedin": 2}


def storable(value: str) -> str:
    """Text a database can store: no NUL, and no lone surrogate (which a reader that decoded
    bad bytes with ``surrogateescape`` may hand over); those become U+FFFD."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "")


def clip(value: str | None, size: int) -> str | None:
    """One line of text, cut to its column's size (PostgreSQL refuses longer)."""
    if value is None:
        return None
    cleaned = " ".join(storable(value).split())
    return cleaned[:size] or None


def clip_text(value: str | None) -> str | None:
    """A longer text, trimmed and cut at the length the services accept."""
    if value is None or not value.strip():
        return None
    return storable(value).strip()[:parsing.MAX_NOTES] or None


def same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def fill(contact: Contact, record: ContactRecord, *, emails: list[str], phones: list[str],
         urls: list[tuple[str, str]], tags: Callable[[str], Tag]) -> dict[str, Any]:
    """Add the record's facts the contact lacks; returns what changed, for the audit log."""
    diff: dict[str, Any] = {}
    known = {e.email for e in contact.emails}
    for email in emails:
        if email not in known:
            contact.emails.append(ContactEmail(email=email))
            diff.setdefault("emails_added", []).append(email)
    numbers = {p.phone for p in contact.phones}
    for number in phones:
        if number not in numbers:
            contact.phones.append(ContactPhone(phone=number))
            diff.setdefault("phones_added", []).append(number)
    have = {url_key(u.url) for u in contact.urls}
    for kind, url in urls:
        if url_key(url) not in have:
            contact.urls.append(ContactUrl(kind=kind, url=url))
            have.add(url_key(url))
            diff.setdefault("urls_added", []).append(url)
    fills: dict[str, Any] = {
        "given_name": clip(record.given_name, 200), "family_name": clip(record.family_name, 200),
        "location": clip(record.location, 300), "personal_notes": clip_text(record.notes),
        "how_met": clip_text(record.how_met), "met_on": record.met_on,
    }
    for name, value in fills.items():
        if value is not None and getattr(contact, name) is None:
            setattr(contact, name, value)
            diff[name] = value.isoformat() if isinstance(value, date) else value
    if record.birthday is not None and contact.birthday is None:
        contact.birthday, contact.birthday_has_year = record.birthday, record.birthday_has_year
        diff["birthday"] = record.birthday.isoformat()
    if record.photo and len(record.photo) <= MAX_PHOTO and contact.photo is None:
        contact.photo, contact.photo_type = record.photo, clip(record.photo_type, 64)
        diff["photo"] = "added"
    names = {t.name for t in contact.tags}
    wanted = list(dict.fromkeys(t.lower()[:100] for t in (clip(n, 1000) for n in record.tags)
                                if t))
    new_tags = [n for n in wanted if n not in names]
    if new_tags:
        contact.tags = [*contact.tags, *(tags(n) for n in new_tags)]
        diff["tags_added"] = new_tags
    return diff


def place_role(session: Session, *, owner_id: int, contact: Contact, record: ContactRecord,
               source: str, actor: str, today: date) -> str:
    """Give the contact the record's role: "kept", "added" (a first role) or "changed".

    Raises InvalidInput when the change cannot be recorded (it would start before the
    current role).
    """
    title, department = clip(record.title, 300), clip(record.department, 300)
    organization = clip(record.organization, 300)
    if not (title or department or organization):
        return "kept"

    def same(role: Role) -> bool:
        return all(value is None or same_text(value, getattr(role, name)) for name, value in
                   (("title", title), ("department", department),
                    ("organization", organization)))

    # A role the contact had before is old news, not a change: two sources that disagree
    # must not flip the role back and forth on every import.
    if any(same(r) for r in contact.roles):
        return "kept"
    current = contact.current_role
    if current is None or current.ended is not None:
        contact.roles.append(Role(title=title, department=department, organization=organization,
                                  started=record.role_since, source=source))
        return "added"
    if ROLE_AUTHORITY.get(current.source, 1) > ROLE_AUTHORITY.get(source, 1):
        return "kept"
    # A new employer does not inherit the old one's department or title.
    moved = organization is not None and not same_text(organization, current.organization)
    change = roles.RoleChange(title=title or ("" if moved else None),
                              department=department or ("" if moved else None),
                              organization=organization, since=record.role_since)
    new = roles.change(session, owner_id=owner_id, contact_id=contact.id, new=change,
                       source=source, actor=actor, today=today)
    new.title, new.department = new.title or None, new.department or None
    return "changed"
