"""Role history: a contact's titles, departments, organizations and locations over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tiekeep.core.models import Role
from tiekeep.errors import InvalidInput
from tiekeep.services import audit, contacts, parsing


@dataclass
class RoleChange:
    """The new role; fields left None are carried over from the current role."""

    title: str | None = None
    department: str | None = None
    organization: str | None = None
    location: str | None = None
    since: date | None = None


def change(session: Session, *, owner_id: int, contact_id: int, new: RoleChange,
           source: str = "manual", actor: str = "", today: date | None = None) -> Role:
    """Close the current role and open a new one; a change raises a "congratulate" item.

    A contact with no role yet simply gets its first one, which is not a change.
    """
    if not any((new.title, new.department, new.organization, new.location)):
        raise InvalidInput("a role needs a title, department, organization or location")
    for what in ("title", "department", "organization", "location"):
        parsing.bounded(getattr(new, what), what=what, limit=parsing.MAX_LINE)
    contact = contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    current = contact.current_role
    since = new.since or today or date.today()
    merged = Role(
        title=new.title if new.title is not None else (current.title if current else None),
        department=new.department if new.department is not None
        else (current.department if current else None),
        organization=new.organization if new.organization is not None
        else (current.organization if current else None),
        location=new.location if new.location is not None
        else (current.location if current else None),
        started=since,
        source=source,
    )
    if current is not None and current.ended is None:
        if _same(current, merged):
            return current
        if current.started and since < current.started:
            raise InvalidInput(f"the new role cannot start ({since}) before the current one "
                               f"({current.started})")
        current.ended = since - timedelta(days=1) if since > (current.started or date.min) \
            else since
        merged.is_change = True
    contact.roles.append(merged)
    session.flush()
    audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                 action="role", changes={"role": contacts.role_to_dict(merged)})
    contacts.reindex(session, owner_id=owner_id, contact_ids=[contact.id])
    return merged


def _same(a: Role, b: Role) -> bool:
    return (a.title, a.department, a.organization, a.location) == (
        b.title, b.department, b.organization, b.location)
