"""Finding contacts for a list page: a search query and the list filters together, paged."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core import search
from tiekeep.core.enums import Status, Tier, parse_choice
from tiekeep.core.models import Contact
from tiekeep.services import contacts

MAX_PAGE = 200
CHUNK = 60


@dataclass(frozen=True)
class Filters:
    """What the contacts list is narrowed to."""

    q: str = ""
    tier: str | None = None
    tag: str | None = None
    organization: str | None = None
    department: str | None = None
    sort: str = "name"
    include_archived: bool = False

    def matches(self, contact: Contact) -> bool:
        """The list filters' meaning, applied to one found contact."""
        role = contact.current_role
        open_role = role if role is not None and role.ended is None else None
        if self.tier and contact.tier != parse_choice(Tier, self.tier, "tier").value:
            return False
        if self.tag and self.tag.strip().lower() not in {t.name for t in contact.tags}:
            return False
        if not self.include_archived and contact.status != Status.ACTIVE.value:
            return False
        for wanted, attribute in ((self.organization, "organization"),
                                  (self.department, "department")):
            if wanted:
                value = getattr(open_role, attribute) if open_role else None
                if (value or "").lower() != wanted.lower():
                    return False
        return True


def find(session: Session, *, owner_id: int, filters: Filters, limit: int = 50,
         offset: int = 0) -> tuple[builtins.list[Contact], bool]:
    """One page of the owner's contacts, and whether there are more after it.

    With a query, contacts come best match first (from the search index); otherwise in the
    chosen sort order.
    """
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    if filters.q.strip():
        page = _search_page(session, owner_id=owner_id, filters=filters,
                            wanted=offset + limit + 1)[offset:]
    else:
        page = contacts.list(session, owner_id=owner_id, tier=filters.tier or None,
                             tag=filters.tag or None, organization=filters.organization or None,
                             department=filters.department or None, sort=filters.sort,
                             include_archived=filters.include_archived, limit=limit + 1,
                             offset=offset)
    return page[:limit], len(page) > limit


def _search_page(session: Session, *, owner_id: int, filters: Filters,
                 wanted: int) -> builtins.list[Contact]:
    """The best ``wanted`` matches of the query that pass the filters.

    Ranked as ``contacts.search_contacts`` ranks (``search.rank`` over the candidates), but
    only names are read for the ranking, and whole contacts only for the page shown.
    """
    found = search.candidates(session, owner_id=owner_id, query=filters.q)
    ids = [cid for cid, _ in found]
    names = dict(session.execute(
        select(Contact.id, Contact.display_name)
        .where(Contact.owner_id == owner_id, Contact.deleted_at.is_(None),
               Contact.id.in_(ids))).all()) if ids else {}
    ranked = [cid for cid, _ in search.rank(filters.q, found, names) if cid in names]
    page: builtins.list[Contact] = []
    for start in range(0, len(ranked), CHUNK):
        chunk = contacts.get_many(session, owner_id=owner_id,
                                  contact_ids=ranked[start : start + CHUNK])
        page += [c for c in chunk if filters.matches(c)]
        if len(page) >= wanted:
            break
    return page[:wanted]
