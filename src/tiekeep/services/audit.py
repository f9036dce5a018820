"""The audit log: who changed what on a contact, and when."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import AuditEntry


def record(session: Session, *, owner_id: int, contact_id: int | None, actor: str,
           action: str, changes: dict[str, Any]) -> None:
    """Add one entry; it lands with the rest of the user's action or not at all."""
    session.add(AuditEntry(owner_id=owner_id, contact_id=contact_id, actor=actor or "",
                           action=action, changes=changes))


def list(session: Session, *, owner_id: int, contact_id: int,  # noqa: A001
         limit: int = 100) -> builtins.list[AuditEntry]:
    """The latest entries for a contact, newest first."""
    return [*session.scalars(
        select(AuditEntry)
        .where(AuditEntry.owner_id == owner_id, AuditEntry.contact_id == contact_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )]
