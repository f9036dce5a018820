"""/api/v1/contacts: list (search, filters, pages), create, read, update, archive, delete,
undelete, merge, link, bulk edits, role history, timeline and audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tiekeep.services import (
    audit,
    bulk,
    contacts,
    directory,
    interactions,
    roles,
)
from tiekeep.web import schemas, views
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WriteSession

router = APIRouter(prefix="/contacts", tags=["contacts"])
ContactId = schemas.IdPath


@router.get("", response_model=schemas.ContactPage)
def list_contacts(
    user: CurrentUser, state: StateDep, session: ReadSession,
    q: Annotated[str, Query(max_length=200, pattern=r"^[^\x00-\x1f]*$",
                            description="Search names, emails, roles, "
                            "notes and topics")] = "",
    tier: schemas.TierName | None = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    organization: Annotated[str | None, Query(max_length=300)] = None,
    department: Annotated[str | None, Query(max_length=300)] = None,
    sort: Annotated[str, Query(pattern="^(name|last-contact|strength)$")] = "name",
    include_archived: bool = False,
    limit: Annotated[int, Query(ge=1, le=directory.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """A page of contacts, filtered; with ``q``, best match first."""
    filters = directory.Filters(q=q, tier=tier, tag=tag, organization=organization,
                                department=department, sort=sort,
                                include_archived=include_archived)
    return state.cache.get(
        ("contacts", user.id, filters, limit, offset),
        lambda: views.contact_page(session, owner_id=user.id, filters=filters, limit=limit,
                                   offset=offset))


@router.post("", response_model=schemas.ContactPublic, status_code=201)
def create_contact(body: schemas.ContactCreate, user: CurrentUser,
                   session: WriteSession) -> dict[str, Any]:
    """Add a contact."""
    contact = contacts.create(session, owner_id=user.id, data=body.to_service(),
                              actor=user.username)
    return contacts.to_dict(contact)


@router.post("/bulk", response_model=schemas.ContactPage)
def bulk_edit(body: schemas.BulkEdit, user: CurrentUser, session: WriteSession) -> dict[str, Any]:
    """Set the tier of, or add and remove tags on, many contacts at once."""
    changed = bulk.update_many(session, owner_id=user.id, contact_ids=body.ids, tier=body.tier,
                               add_tags=body.add_tags, remove_tags=body.remove_tags,
                               actor=user.username)
    return {"items": [contacts.to_dict(c) for c in changed], "limit": len(changed),
            "offset": 0, "next_offset": None}


@router.get("/{contact_id}", response_model=schemas.ContactDetail)
def get_contact(contact_id: ContactId, user: CurrentUser, state: StateDep,
                session: ReadSession) -> dict[str, Any]:
    """Everything about a contact: profile, roles, timeline, plan, values, follow-ups,
    tie strength explained and the audit log (the contact page's data)."""
    return state.cache.get(("contact", user.id, contact_id),
                           lambda: views.contact_detail(session, owner_id=user.id,
                                                        contact_id=contact_id))


@router.patch("/{contact_id}", response_model=schemas.ContactPublic)
def update_contact(contact_id: ContactId, body: schemas.ContactUpdate, user: CurrentUser,
                   session: WriteSession) -> dict[str, Any]:
    """Change a contact; with ``version``, a concurrent edit is refused with 409."""
    contact = contacts.update(session, owner_id=user.id, contact_id=contact_id,
                              changes=body.to_service(), actor=user.username)
    return contacts.to_dict(contact)


@router.delete("/{contact_id}", response_model=schemas.ContactPublic)
def delete_contact(contact_id: ContactId, user: CurrentUser,
                   session: WriteSession) -> dict[str, Any]:
    """Delete a contact (it can be restored for 30 days)."""
    contact = contacts.delete_contact(session, owner_id=user.id, contact_id=contact_id,
                                      actor=user.username)
    return contacts.to_dict(contact)


@router.post("/{contact_id}/undelete", response_model=schemas.ContactPublic)
def undelete_contact(contact_id: ContactId, user: CurrentUser,
                     session: WriteSession) -> dict[str, Any]:
    """Restore a contact deleted within the last 30 days."""
    contact = contacts.undelete(session, owner_id=user.id, contact_id=contact_id,
                                actor=user.username)
    return contacts.to_dict(contact)


@router.post("/{contact_id}/archive", response_model=schemas.ContactPublic)
def archive_contact(contact_id: ContactId, user: CurrentUser,
                    session: WriteSession) -> dict[str, Any]:
    """Archive a contact: hidden from lists and the agenda."""
    return contacts.to_dict(contacts.archive(session, owner_id=user.id, contact_id=contact_id,
                                             actor=user.username))


@router.post("/{contact_id}/unarchive", response_model=schemas.ContactPublic)
def unarchive_contact(contact_id: ContactId, user: CurrentUser,
                      session: WriteSession) -> dict[str, Any]:
    """Bring an archived contact back."""
    return contacts.to_dict(contacts.archive(session, owner_id=user.id, contact_id=contact_id,
                                             actor=user.username, restore=True))


@router.post("/{contact_id}/merge", response_model=schemas.ContactPublic)
def merge_contact(contact_id: ContactId, body: schemas.MergeIn, user: CurrentUser,
                  session: WriteSession) -> dict[str, Any]:
    """Merge another contact into this one; everything of the other moves here."""
    contact = contacts.merge(session, owner_id=user.id, keep_id=contact_id,
                             other_id=body.other_id, actor=user.username)
    return contacts.to_dict(contact)


@router.post("/{contact_id}/links", response_model=schemas.LinkPublic, status_code=201)
def link_contact(contact_id: ContactId, body: schemas.LinkCreate, user: CurrentUser,
                 session: WriteSession) -> dict[str, Any]:
    """Record that this contact knows (introduced, reports to, works with) another."""
    link = contacts.link(session, owner_id=user.id, a_id=contact_id, b_id=body.other_id,
                         kind=body.kind)
    other = contacts.get(session, owner_id=user.id, contact_id=body.other_id)
    return {"id": other.id, "name": other.display_name, "kind": link.kind, "direction": "out"}


@router.get("/{contact_id}/roles", response_model=list[schemas.RolePublic])
def list_roles(contact_id: ContactId, user: CurrentUser,
               session: ReadSession) -> list[dict[str, Any]]:
    """The role history, newest first."""
    contact = contacts.get(session, owner_id=user.id, contact_id=contact_id)
    ordered = sorted(contact.roles, key=lambda r: (r.started is not None, r.started, r.id),
                     reverse=True)
    return [contacts.role_to_dict(r) for r in ordered]


@router.post("/{contact_id}/roles", response_model=schemas.RolePublic, status_code=201)
def change_role(contact_id: ContactId, body: schemas.RoleCreate, user: CurrentUser,
                session: WriteSession) -> dict[str, Any]:
    """Record a role change; the current role is closed and a "congratulate" item raised."""
    role = roles.change(session, owner_id=user.id, contact_id=contact_id,
                        new=body.to_service(), actor=user.username)
    return contacts.role_to_dict(role)


@router.get("/{contact_id}/interactions", response_model=list[schemas.InteractionPublic])
def timeline(contact_id: ContactId, user: CurrentUser, session: ReadSession,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """The contact's interactions, newest first."""
    contacts.get(session, owner_id=user.id, contact_id=contact_id)
    return [interactions.to_dict(i) for i in interactions.list_for_contact(
        session, owner_id=user.id, contact_id=contact_id, limit=limit)]


@router.get("/{contact_id}/audit", response_model=list[schemas.AuditPublic])
def audit_log(contact_id: ContactId, user: CurrentUser,
              session: ReadSession) -> list[dict[str, Any]]:
    """Who changed what on this contact, and when, newest first."""
    contacts.get(session, owner_id=user.id, contact_id=contact_id)
    return [views.audit_to_dict(e) for e in audit.list(session, owner_id=user.id,
                                                        contact_id=contact_id)]
