"""Everything known about one contact, gathered for `contact show` and the contact page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Contact, ContactLink
from tiekeep.services import (
    contacts,
    followups,
    interactions,
    plans,
    scoring,
    values,
)

TIMELINE_LIMIT = 100


def detail(session: Session, *, owner_id: int, contact_id: int,
           now: datetime | None = None) -> dict[str, Any]:
    """The contact's JSON form plus roles, timeline, plan, values, follow-ups and strength."""
    contact = contacts.get(session, owner_id=owner_id, contact_id=contact_id)
    result = contacts.to_dict(contact)
    intro = contact.introduced_by
    result.update({
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "aliases": list(contact.aliases),
        "urls": [{"kind": u.kind, "url": u.url} for u in contact.urls],
        "interests": list(contact.interests),
        "goals": contact.goals,
        "challenges": contact.challenges,
        "personal_notes": contact.personal_notes,
        "how_met": contact.how_met,
        "met_on": contact.met_on.isoformat() if contact.met_on else None,
        "introduced_by": {"id": intro.id, "name": intro.display_name} if intro else None,
        "project_end": contact.project_end.isoformat() if contact.project_end else None,
        "time_zone": contact.time_zone,
        "roles": [contacts.role_to_dict(r) for r in
                  sorted(contact.roles, key=lambda r: (r.started is not None, r.started, r.id),
                         reverse=True)],
        "interactions": [interactions.to_dict(i) for i in interactions.list_for_contact(
            session, owner_id=owner_id, contact_id=contact_id, limit=TIMELINE_LIMIT)],
        "interaction_count": interactions.count_for_contact(session, contact_id=contact_id),
        "plan": plans.view(session, owner_id=owner_id, contact_id=contact_id),
        "values": [values.to_dict(v) for v in values.list(session, owner_id=owner_id,
                                                          contact_id=contact_id)],
        "balance": values.balance(session, owner_id=owner_id, contact_id=contact_id),
        "followups": [followups.to_dict(f) for f in followups.list(
            session, owner_id=owner_id, contact_id=contact_id, include_done=True)],
        "links": _links(session, owner_id=owner_id, contact_id=contact_id),
        "strength": scoring.explain(session, owner_id=owner_id, contact_id=contact_id,
                                    now=now).to_dict(),
    })
    return result


def _links(session: Session, *, owner_id: int, contact_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ContactLink, Contact)
        .join(Contact, ((ContactLink.a_id == Contact.id) & (ContactLink.b_id == contact_id))
              | ((ContactLink.b_id == Contact.id) & (ContactLink.a_id == contact_id)))
        .where(ContactLink.owner_id == owner_id, Contact.deleted_at.is_(None))
    ).all()
    return [{"id": other.id, "name": other.display_name, "kind": link.kind,
             "direction": "out" if link.a_id == contact_id else "in"} for link, other in rows]
