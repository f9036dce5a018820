"""Factories for tests: small helpers with keyword overrides that go through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tiekeep.core.models import Contact, Interaction
from tiekeep.services import contacts, interactions


def contact(session: Session, owner_id: int, name: str = "Anna Petrova",
            **overrides: Any) -> Contact:
    """Create a contact through the service, with any ContactCreate field overridden."""
    return contacts.create(session, owner_id=owner_id,
                           data=contacts.ContactCreate(name=name, **overrides))


def at(text: str) -> datetime:
    """An aware UTC datetime from 'YYYY-MM-DD[ HH:MM]'."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def interaction(session: Session, owner_id: int, people: list[Contact], when: str,
                **overrides: Any) -> Interaction:
    """Log an interaction through the service."""
    data = interactions.InteractionCreate(participant_ids=[p.id for p in people],
                                          occurred_at=at(when), **overrides)
    return interactions.log(session, owner_id=owner_id, data=data)
