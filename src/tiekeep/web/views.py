"""The data behind each page, shared by the page and its JSON twin in the API.

Each function gathers what services return into one dict; no rule is decided here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tiekeep.core.models import AuditEntry
from tiekeep.services import agenda, audit, contacts, directory, followups, profile, values
from tiekeep.settings import Settings

AUDIT_LIMIT = 50
AGENDA_LIMIT = 20


def audit_to_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "actor": entry.actor, "action": entry.action,
            "changes": entry.changes or {}, "at": entry.at.isoformat()}


def contact_detail(session: Session, *, owner_id: int, contact_id: int) -> dict[str, Any]:
    """The contact page: profile.detail plus the audit log."""
    result = profile.detail(session, owner_id=owner_id, contact_id=contact_id)
    result["audit"] = [audit_to_dict(e) for e in audit.list(
        session, owner_id=owner_id, contact_id=contact_id, limit=AUDIT_LIMIT)]
    return result


def contact_page(session: Session, *, owner_id: int, filters: directory.Filters,
                 limit: int, offset: int) -> dict[str, Any]:
    """One page of the contacts list, as the list page and GET /api/v1/contacts show it."""
    found, more = directory.find(session, owner_id=owner_id, filters=filters, limit=limit,
                                 offset=offset)
    return {"items": [contacts.to_dict(c) for c in found], "limit": limit, "offset": offset,
            "next_offset": offset + limit if more else None}


def followup_dict(row: Any) -> dict[str, Any]:
    """A follow-up with its contact's id and name."""
    return followups.to_dict(row) | {"contact": {"id": row.contact.id,
                                                 "name": row.contact.display_name}}


def dashboard(session: Session, *, owner_id: int, config: agenda.AgendaConfig,
              settings: Settings, limit: int = AGENDA_LIMIT) -> dict[str, Any]:
    """The dashboard: today's agenda, cadence health and the value balance."""
    from tiekeep.web.api.stats import cadence_health

    today = config.today()
    items = agenda.build(session, owner_id=owner_id, today=today, config=config, limit=limit)
    return {
        "date": today.isoformat(),
        "agenda": [item.to_dict() for item in items],
        "balance": values.balance(session, owner_id=owner_id),
        "health": cadence_health(session, settings, owner_id),
    }
