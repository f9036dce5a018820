"""Bulk edits of many contacts at once (tags and tier), as one user action."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy.orm import Session

from tiekeep.core.models import Contact
from tiekeep.errors import InvalidInput
from tiekeep.services import contacts

MAX_BULK = 1000


def update_many(session: Session, *, owner_id: int, contact_ids: Sequence[int],
                tier: str | None = None, add_tags: Sequence[str] = (),
                remove_tags: Sequence[str] = (), actor: str = "") -> builtins.list[Contact]:
    """Apply the same tier and tag change to each contact; all land together or none."""
    ids = builtins.list(dict.fromkeys(contact_ids))
    if not ids:
        raise InvalidInput("select at least one contact")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} contacts can be edited at once")
    if not (tier or add_tags or remove_tags):
        raise InvalidInput("say what to change: a tier, or tags to add or remove")
    changed = []
    for contact_id in ids:
        changes = contacts.ContactUpdate(tier=tier or None, add_tags=builtins.list(add_tags),
                                         remove_tags=builtins.list(remove_tags))
        changed.append(contacts.update(session, owner_id=owner_id, contact_id=contact_id,
                                       changes=changes, actor=actor))
    return changed
