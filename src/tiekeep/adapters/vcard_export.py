"""Writing contacts as vCard 3.0 or 4.0, one card per contact, read back by ``adapters.vcard``.

The cards are written by hand rather than through vobject's serializer, which escapes the
comma of a vCard 4 ``data:`` photo URI; every card still parses with vobject (tests check
it). Values are escaped as RFC 6350 says and lines folded at 75 octets.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from tiekeep.core.models import Contact
from tiekeep.errors import InvalidInput

VERSIONS = ("3.0", "4.0")
CHUNK = 500
_NAMESPACE = uuid.UUID("6f1c5e3a-4a55-4f54-9b1e-7469656b6565")


def escape(value: str) -> str:
    """A text value with backslash, newline, comma and semicolon escaped."""
    return (value.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")
            .replace(",", "\\,").replace(";", "\\;"))


def fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def card(contact: Contact, version: str) -> str:
    """One contact as a vCard of this version."""
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    key = next((s.key for s in contact.sources if s.source == "vcard"), None)
    lines.append("UID:" + escape(key or "urn:uuid:" + str(uuid.uuid5(
        _NAMESPACE, f"{contact.owner_id}/{contact.id}"))))
    lines.append("FN:" + escape(contact.display_name))
    lines.append(f"N:{escape(contact.family_name or '')};{escape(contact.given_name or '')};;;")
    for email in contact.emails:
        lines.append(("EMAIL;TYPE=INTERNET:" if version == "3.0" else "EMAIL:")
                     + escape(email.email))
    for phone in contact.phones:
        lines.append("TEL:" + escape(phone.phone))
    role = contact.current_role
    if role is not None and (role.organization or role.department):
        org = escape(role.organization or "")
        lines.append("ORG:" + org + (";" + escape(role.department) if role.department else ""))
    if role is not None and role.title:
        lines.append("TITLE:" + escape(role.title))
    if contact.birthday is not None:
        day = contact.birthday
        if not contact.birthday_has_year:
            lines.append(f"BDAY:--{day:%m%d}" if version == "4.0"
                         else f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{day:%m-%d}")
        else:
            lines.append(f"BDAY:{day:%Y%m%d}" if version == "4.0" else f"BDAY:{day:%Y-%m-%d}")
    if contact.location:
        lines.append("ADR;TYPE=" + ("work" if version == "4.0" else "WORK") + ":;;;"
                     + escape(contact.location) + ";;;")
    if contact.personal_notes:
        lines.append("NOTE:" + escape(contact.personal_notes))
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t.name) for t in contact.tags))
    for url in contact.urls:
        lines.append("URL:" + url.url.replace("\r", "").replace("\n", ""))
    if contact.photo:
        data = base64.b64encode(contact.photo).decode("ascii")
        mime = contact.photo_type or "image/jpeg"
        if version == "4.0":
            lines.append(f"PHOTO:data:{mime};base64,{data}")
        else:
            lines.append(f"PHOTO;ENCODING=b;TYPE={mime.split('/')[-1].upper()}:{data}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _contacts(session: Session, owner_id: int) -> Iterator[Contact]:
    ids = list(session.scalars(select(Contact.id).where(
        Contact.owner_id == owner_id, Contact.deleted_at.is_(None))
        .order_by(Contact.display_name, Contact.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found = {c.id: c for c in session.scalars(
            select(Contact).where(Contact.id.in_(chunk)).options(
                undefer(Contact.photo), selectinload(Contact.emails),
                selectinload(Contact.phones), selectinload(Contact.urls),
                selectinload(Contact.tags), selectinload(Contact.roles),
                selectinload(Contact.sources)))}
        for cid in chunk:
            yield found[cid]
        session.expunge_all()


def export(session: Session, *, owner_id: int, path: Path,
           options: Mapping[str, Any]) -> dict[str, Any]:
    """Write every (not deleted) contact to ``path`` as vCards."""
    version = str(options.get("version") or "3.0")
    if version not in VERSIONS:
        raise InvalidInput(f"vCard version must be 3.0 or 4.0, not '{version}'")
    temporary = path.with_name(path.name + ".partial")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            for contact in _contacts(session, owner_id):
                out.write(card(contact, version))
                count += 1
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InvalidInput(f"{path}: cannot be written ({exc.strerror})") from None
    return {"contacts": count, "version": version}
