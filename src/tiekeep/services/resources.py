"""Resources worth sharing (articles, links, documents) and whom they were shared with.

Sharing a resource with a contact records an ``information`` value given. A resource
*matches* a contact when one of its topics equals one of the contact's interests, compared
case-insensitively; the agenda suggests matching resources not yet shared with them.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Contact, Resource, ResourceShare, utcnow
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, values

MAX_TITLE = 500
MAX_URL = 2000
MAX_TOPICS = 30


@dataclass
class ResourceCreate:
    """A new resource; the title defaults to the URL."""

    url: str | None
    title: str | None = None
    topics: list[str] = field(default_factory=list)
    notes: str | None = None


@dataclass
class ShareResult:
    """Who got the resource now, and who had it already."""

    resource: Resource
    shared: list[Contact]
    already: list[Contact]


def _url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in cleaned:
        raise InvalidInput(f"malformed URL '{value}' (expected http:// or https://…)")
    if len(cleaned) > MAX_URL:
        raise InvalidInput(f"URL is longer than {MAX_URL} characters")
    return cleaned


def _topics(raw: builtins.list[str]) -> builtins.list[str]:
    seen: dict[str, str] = {}
    for topic in raw:
        cleaned = " ".join(topic.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    if len(seen) > MAX_TOPICS:
        raise InvalidInput(f"a resource takes at most {MAX_TOPICS} topics")
    return builtins.list(seen.values())


def create(session: Session, *, owner_id: int, data: ResourceCreate) -> Resource:
    """Add a resource with its topics."""
    url = _url(data.url)
    title = " ".join((data.title or url or "").split())
    if not title:
        raise InvalidInput("a resource needs a URL or a title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"title is longer than {MAX_TITLE} characters")
    resource = Resource(owner_id=owner_id, title=title, url=url, topics=_topics(data.topics),
                        notes=contacts._clean_text(data.notes, "notes"))
    session.add(resource)
    session.flush()
    return resource


def get(session: Session, *, owner_id: int, resource_id: int) -> Resource:
    """The owner's resource with that id, or NotFound."""
    resource = session.scalar(select(Resource).where(Resource.id == resource_id,
                                                     Resource.owner_id == owner_id))
    if resource is None:
        raise NotFound(f"no resource with id {resource_id}")
    return resource


def list(session: Session, *, owner_id: int) -> builtins.list[Resource]:  # noqa: A001
    """The owner's resources, newest first."""
    return [*session.scalars(select(Resource).where(Resource.owner_id == owner_id)
                             .order_by(Resource.created_at.desc(), Resource.id.desc()))]


def shared_with(session: Session, *, resource_ids: builtins.list[int]
                ) -> dict[int, builtins.list[dict[str, Any]]]:
    """Resource id → the contacts it was shared with ({id, name, shared_at}), oldest first."""
    found: dict[int, builtins.list[dict[str, Any]]] = defaultdict(builtins.list)
    if not resource_ids:
        return found
    rows = session.execute(
        select(ResourceShare.resource_id, Contact.id, Contact.display_name,
               ResourceShare.shared_at)
        .join(Contact, Contact.id == ResourceShare.contact_id)
        .where(ResourceShare.resource_id.in_(resource_ids), Contact.deleted_at.is_(None))
        .order_by(ResourceShare.shared_at, ResourceShare.id))
    for rid, cid, name, at in rows:
        found[rid].append({"id": cid, "name": name, "shared_at": at.isoformat()})
    return found


def share(session: Session, *, owner_id: int, resource_id: int,
          contact_ids: builtins.list[int], at: datetime | None = None) -> ShareResult:
    """Record that the resource was shared with these contacts, with the value given."""
    resource = get(session, owner_id=owner_id, resource_id=resource_id)
    if not contact_ids:
        raise InvalidInput("say whom the resource was shared with")
    people = [contacts.get(session, owner_id=owner_id, contact_id=cid)
              for cid in dict.fromkeys(contact_ids)]
    before = set(session.scalars(select(ResourceShare.contact_id).where(
        ResourceShare.resource_id == resource.id,
        ResourceShare.contact_id.in_([p.id for p in people]))))
    when = at or utcnow()
    shared, already = [], []
    for person in people:
        if person.id in before:
            already.append(person)
            continue
        session.add(ResourceShare(resource_id=resource.id, contact_id=person.id,
                                  shared_at=when))
        values.create(session, owner_id=owner_id, data=values.ValueCreate(
            contact_id=person.id, direction="given", kind="information",
            description=f"Shared: {resource.title}", occurred_at=when))
        shared.append(person)
    session.flush()
    return ShareResult(resource=resource, shared=shared, already=already)


def matches(session: Session, *, owner_id: int, contact_ids: builtins.list[int],
            per_contact: int = 3) -> dict[int, builtins.list[Resource]]:
    """Contact id → resources on their interests not yet shared with them, newest first."""
    ids = builtins.list(dict.fromkeys(contact_ids))
    if not ids:
        return {}
    pool = list(session, owner_id=owner_id)
    if not pool:
        return {}
    interests: dict[int, set[str]] = {}
    shared: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for cid, listed in session.execute(select(Contact.id, Contact.interests)
                                           .where(Contact.id.in_(chunk))):
            lowered = {w.strip().lower() for w in listed or [] if w.strip()}
            if lowered:
                interests[cid] = lowered
        shared.update((cid, rid) for cid, rid in session.execute(
            select(ResourceShare.contact_id, ResourceShare.resource_id)
            .where(ResourceShare.contact_id.in_(chunk))))
    topics = [(r, {t.lower() for t in r.topics}) for r in pool]
    found: dict[int, builtins.list[Resource]] = {}
    for cid, wanted in interests.items():
        fitting = [r for r, about in topics if (cid, r.id) not in shared
                   and not wanted.isdisjoint(about)]
        if fitting:
            found[cid] = fitting[:per_contact]
    return found


def interested(session: Session, *, owner_id: int, resource_id: int,
               limit: int = 10) -> builtins.list[Contact]:
    """Active contacts whose interests match the resource and who do not have it yet."""
    resource = get(session, owner_id=owner_id, resource_id=resource_id)
    topics = {t.lower() for t in resource.topics}
    if not topics:
        return []
    have = set(session.scalars(select(ResourceShare.contact_id).where(
        ResourceShare.resource_id == resource.id)))
    rows = session.execute(
        select(Contact.id, Contact.interests)
        .where(Contact.owner_id == owner_id, Contact.status == "active",
               Contact.deleted_at.is_(None))
        .order_by(Contact.last_contact_at.desc().nulls_last(), Contact.id))
    ids = [cid for cid, wanted in rows if cid not in have
           and topics.intersection(w.strip().lower() for w in wanted or [])]
    return contacts.get_many(session, owner_id=owner_id, contact_ids=ids[:limit])


def to_dict(resource: Resource, shared: builtins.list[dict[str, Any]] | None = None
            ) -> dict[str, Any]:
    """The JSON form of a resource."""
    return {
        "id": resource.id,
        "title": resource.title,
        "url": resource.url,
        "topics": builtins.list(resource.topics or []),
        "notes": resource.notes,
        "created_at": resource.created_at.isoformat() if resource.created_at else None,
        "shared_with": shared or [],
    }
