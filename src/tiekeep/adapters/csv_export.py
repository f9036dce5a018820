"""Contacts as a CSV for spreadsheets, safe to open: no cell can run as a formula.

A spreadsheet runs a cell that starts with =, +, - or @ (and some also after a tab or a
carriage return) as a formula, which a hostile name or note could use. Such cells get a
leading apostrophe, which spreadsheets show as text; ``import csv`` strips it again.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tiekeep.core.models import Contact
from tiekeep.errors import InvalidInput

COLUMNS = ("id", "name", "given_name", "family_name", "emails", "phones", "organization",
           "department", "title", "location", "tier", "horizon", "tags", "birthday",
           "last_contact", "linkedin", "how_met", "met_on", "notes")
CHUNK = 500
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> str:
    """A cell's text, neutralised if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_TRIGGERS) else text


def row(contact: Contact) -> list[str]:
    role = contact.current_role
    birthday = None
    if contact.birthday is not None:
        birthday = (contact.birthday.isoformat() if contact.birthday_has_year
                    else contact.birthday.strftime("--%m-%d"))
    values = [
        contact.id, contact.display_name, contact.given_name, contact.family_name,
        "; ".join(e.email for e in contact.emails), "; ".join(p.phone for p in contact.phones),
        role.organization if role else None, role.department if role else None,
        role.title if role else None, contact.location, contact.tier, contact.horizon,
        "; ".join(t.name for t in contact.tags), birthday,
        contact.last_contact_at.isoformat() if contact.last_contact_at else None,
        "; ".join(u.url for u in contact.urls if u.kind == "linkedin"), contact.how_met,
        contact.met_on.isoformat() if contact.met_on else None, contact.personal_notes,
    ]
    return [safe(v) for v in values]


def export(session: Session, *, owner_id: int, path: Path,
           options: Mapping[str, Any]) -> dict[str, Any]:
    """Write every (not deleted) contact, one row each, with a header row."""
    ids = list(session.scalars(select(Contact.id).where(
        Contact.owner_id == owner_id, Contact.deleted_at.is_(None))
        .order_by(Contact.display_name, Contact.id)))
    temporary = path.with_name(path.name + ".partial")
    try:
        with temporary.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                found = {c.id: c for c in session.scalars(
                    select(Contact).where(Contact.id.in_(chunk)).options(
                        selectinload(Contact.emails), selectinload(Contact.phones),
                        selectinload(Contact.urls), selectinload(Contact.roles),
                        selectinload(Contact.tags)))}
                writer.writerows(row(found[cid]) for cid in chunk)
                session.expunge_all()
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InvalidInput(f"{path}: cannot be written ({exc.strerror})") from None
    return {"contacts": len(ids)}
