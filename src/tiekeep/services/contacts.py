"""Contacts: create, read, update, archive, delete and merge; references; JSON views."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, selectinload

from tiekeep.core import dialect, search
from tiekeep.core.enums import Horizon, LinkKind, Status, Tier, parse_choice
from tiekeep.core.models import (
    Contact,
    ContactEmail,
    ContactLink,
    ContactPhone,
    ContactSource,
    ContactTag,
    ContactUrl,
    FollowUp,
    Interaction,
    InteractionParticipant,
    PlanItem,
    ReminderState,
    ResourceShare,
    Role,
    Tag,
    TrustChange,
    ValueExchange,
    utcnow,
)
from tiekeep.errors import Ambiguous, InvalidInput, NotFound
from tiekeep.services import audit, parsing, users

UNDELETE_DAYS = 30
MAX_NAME = 300


@dataclass
class ContactCreate:
    """What a new contact may be given; only the name is required."""

    name: str
    emails: builtins.list[str] = field(default_factory=list)
    phones: builtins.list[str] = field(default_factory=list)
    organization: str | None = None
    department: str | None = None
    title: str | None = None
    location: str | None = None
    tier: str = Tier.REGULAR.value
    horizon: str = Horizon.LONG_TERM.value
    project_end: date | None = None
    tags: builtins.list[str] = field(default_factory=list)
    cadence_days: int | None = None
    birthday: date | None = None
    birthday_has_year: bool = True
    trust: int | None = None
    given_name: str | None = None
    family_name: str | None = None
    aliases: builtins.list[str] = field(default_factory=list)
    interests: builtins.list[str] = field(default_factory=list)
    goals: str | None = None
    challenges: str | None = None
    personal_notes: str | None = None
    how_met: str | None = None
    met_on: date | None = None
    time_zone: str | None = None
    urls: builtins.list[tuple[str, str]] = field(default_factory=list)  # (kind, url)


@dataclass
class ContactUpdate:
    """A partial update: only the fields that are not None change."""

    name: str | None = None
    tier: str | None = None
    horizon: str | None = None
    project_end: date | None = None
    cadence_days: int | None = None
    birthday: date | None = None
    trust: int | None = None
    strength_override: int | None = None
    location: str | None = None
    time_zone: str | None = None
    interests: builtins.list[str] | None = None
    goals: str | None = None
    challenges: str | None = None
    personal_notes: str | None = None
    how_met: str | None = None
    met_on: date | None = None
    add_emails: builtins.list[str] = field(default_factory=list)
    add_phones: builtins.list[str] = field(default_factory=list)
    add_tags: builtins.list[str] = field(default_factory=list)
    remove_tags: builtins.list[str] = field(default_factory=list)
    add_aliases: builtins.list[str] = field(default_factory=list)
    introduced_by_id: int | None = None
    expected_version: int | None = None


# --- validation --------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("a contact needs a name")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"name is longer than {MAX_NAME} characters")
    return cleaned


def _clean_text(value: str | None, what: str) -> str | None:
    return parsing.bounded(value, what=what, limit=parsing.MAX_NOTES)


def _cadence(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput(f"cadence must be from 1 to 3650 days, not {days}")
    return days


def _tag_names(names: Iterable[str]) -> builtins.list[str]:
    out: builtins.list[str] = []
    for name in names:
        cleaned = name.strip().lower()
        if not cleaned:
            continue
        if len(cleaned) > 100:
            raise InvalidInput(f"tag '{name[:40]}…' is longer than 100 characters")
        if cleaned not in out:
            out.append(cleaned)
    return out


def tags_by_name(session: Session, *, owner_id: int, names: Iterable[str]) -> builtins.list[Tag]:
    """The owner's tags with these names, created where missing (safe under concurrency)."""
    wanted = _tag_names(names)
    if not wanted:
        return []
    dialect.insert_ignoring_duplicates(session, Tag, [{"owner_id": owner_id, "name": name}
                                                      for name in wanted],
                                       unique=["owner_id", "name"])
    found = {t.name: t for t in session.scalars(
        select(Tag).where(Tag.owner_id == owner_id, Tag.name.in_(wanted)))}
    return [found[name] for name in wanted]


# --- create, read ------------------------------------------------------------------------


def create(session: Session, *, owner_id: int, data: ContactCreate, actor: str = "",
           source: str = "manual") -> Contact:
    """Create a contact (with its first role if an organization or title is given)."""
    emails = [parsing.email(e) for e in data.emails]
    region = users.phone_region(session, owner_id=owner_id) if data.phones else ""
    phones = [parsing.phone(p, region) for p in data.phones]
    line = parsing.MAX_LINE
    title = parsing.bounded(data.title, what="title", limit=line)
    department = parsing.bounded(data.department, what="department", limit=line)
    organization = parsing.bounded(data.organization, what="organization", limit=line)
    contact = Contact(
        owner_id=owner_id,
        display_name=_clean_name(data.name),
        given_name=parsing.bounded(data.given_name, what="given name", limit=parsing.MAX_LABEL),
        family_name=parsing.bounded(data.family_name, what="family name",
                                    limit=parsing.MAX_LABEL),
        aliases=[parsing.bounded(a, what="alias", limit=line) for a in data.aliases
                 if a.strip()],
        tier=parse_choice(Tier, data.tier, "tier").value,
        horizon=parse_choice(Horizon, data.horizon, "horizon").value,
        project_end=data.project_end,
        cadence_days=_cadence(data.cadence_days),
        birthday=data.birthday,
        birthday_has_year=data.birthday_has_year,
        trust=parsing.rating(data.trust),
        location=parsing.bounded(data.location, what="location", limit=line),
        time_zone=data.time_zone,
        interests=[parsing.bounded(i.strip(), what="interest", limit=line)
                   for i in data.interests if i.strip()],
        goals=_clean_text(data.goals, "goals"),
        challenges=_clean_text(data.challenges, "challenges"),
        personal_notes=_clean_text(data.personal_notes, "notes"),
        how_met=_clean_text(data.how_met, "how we met"),
        met_on=data.met_on,
        status=Status.ACTIVE.value,
    )
    contact.emails = [ContactEmail(email=e) for e in dict.fromkeys(emails)]
    contact.phones = [ContactPhone(phone=p) for p in dict.fromkeys(phones)]
    contact.urls = [ContactUrl(kind=k, url=u) for k, u in data.urls]
    contact.tags = tags_by_name(session, owner_id=owner_id, names=data.tags)
    if organization or department or title:
        contact.roles = [Role(title=title, department=department, organization=organization,
                              location=data.location, source=source)]
    session.add(contact)
    session.flush()
    if contact.trust is not None:
        session.add(TrustChange(contact_id=contact.id, trust=contact.trust))
    audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                 action="create", changes={"name": contact.display_name})
    reindex(session, owner_id=owner_id, contact_ids=[contact.id])
    return contact


def _base_query(owner_id: int) -> Any:
    return select(Contact).where(Contact.owner_id == owner_id, Contact.deleted_at.is_(None))


def _with_summary(query: Any) -> Any:
    return query.options(
        selectinload(Contact.emails),
        selectinload(Contact.phones),
        selectinload(Contact.roles),
        selectinload(Contact.tags),
    )


def get(session: Session, *, owner_id: int, contact_id: int) -> Contact:
    """The owner's contact with that id, or NotFound."""
    contact = None
    if dialect.valid_id(contact_id):
        contact = session.scalar(_with_summary(
            _base_query(owner_id).where(Contact.id == contact_id)))
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact


def get_many(session: Session, *, owner_id: int,
             contact_ids: Iterable[int]) -> builtins.list[Contact]:
    """The owner's contacts with these ids (missing ones are left out), in the given order."""
    ids = [i for i in dict.fromkeys(contact_ids) if dialect.valid_id(i)]
    if not ids:
        return []
    found = {c.id: c for c in session.scalars(
        _with_summary(_base_query(owner_id).where(Contact.id.in_(ids))))}
    return [found[i] for i in ids if i in found]


def get_by_email(session: Session, *, owner_id: int, email: str) -> Contact | None:
    """The owner's contact with this email address, if any."""
    contact_id = session.scalar(
        select(ContactEmail.contact_id)
        .join(Contact, Contact.id == ContactEmail.contact_id)
        .where(Contact.owner_id == owner_id, Contact.deleted_at.is_(None),
               ContactEmail.email == email.strip().lower())
        .limit(1)
    )
    return None if contact_id is None else get(session, owner_id=owner_id, contact_id=contact_id)


def _label(contact: Contact) -> str:
    role = contact.current_role
    where = role.organization if role and role.organization else ""
    email = contact.emails[0].email if contact.emails else ""
    extra = ", ".join(x for x in (where, email) if x)
    return f"#{contact.id} {contact.display_name}" + (f" ({extra})" if extra else "")


def resolve(session: Session, *, owner_id: int, ref: str) -> Contact:
    """A contact from an id, an email or a name (exact, unique prefix, or close fuzzy match).

    An ambiguous reference raises Ambiguous listing the candidates; none raises NotFound.
    """
    text = ref.strip()
    if not text:
        raise InvalidInput("empty contact reference")
    if text.lstrip("#").isascii() and text.lstrip("#").isdigit():
        return get(session, owner_id=owner_id, contact_id=int(text.lstrip("#")))
    if "@" in text and " " not in text:
        found = get_by_email(session, owner_id=owner_id, email=text)
        if found is None:
            raise NotFound(f"no contact with email '{text}'")
        return found

    query = search.transliterate(" ".join(text.split()))
    found_docs = search.candidates(session, owner_id=owner_id, query=text)
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    prefix_ids = session.scalars(
        _base_query(owner_id).with_only_columns(Contact.id)
        .where(Contact.display_name.like(pattern, escape="\\")).limit(50)
    ).all()
    pool = get_many(session, owner_id=owner_id,
                    contact_ids=[cid for cid, _ in found_docs] + builtins.list(prefix_ids))

    def names(c: Contact) -> builtins.list[str]:
        return [search.transliterate(n) for n in [c.display_name, *c.aliases]]

    exact = [c for c in pool if query in names(c)]
    if exact:
        return _single(text, exact)
    prefixed = [c for c in pool if any(n.startswith(query) for n in names(c))]
    if prefixed:
        return _single(text, prefixed)
    ranked = search.rank(text, [(c.id, search.normalize(" ".join([c.display_name, *c.aliases])))
                                for c in pool], {c.id: c.display_name for c in pool},
                         threshold=80.0)
    if not ranked:
        raise NotFound(f"no contact matches '{text}'")
    best = ranked[0][1]
    close = [cid for cid, score in ranked if score >= best - 3]
    by_id = {c.id: c for c in pool}
    return _single(text, [by_id[cid] for cid in close])


def _single(ref: str, contacts: Sequence[Contact]) -> Contact:
    unique = builtins.list({c.id: c for c in contacts}.values())
    if len(unique) == 1:
        return unique[0]
    raise Ambiguous(ref, [_label(c) for c in sorted(unique, key=lambda c: c.display_name)])


def list(  # noqa: A001  (the service verb is `list`)
    session: Session,
    *,
    owner_id: int,
    tier: str | None = None,
    tag: str | None = None,
    organization: str | None = None,
    department: str | None = None,
    sort: str = "name",
    include_archived: bool = False,
    limit: int | None = None,
    offset: int = 0,
    now: datetime | None = None,
) -> builtins.list[Contact]:
    """The owner's contacts, filtered and sorted by name, last contact or tie strength."""
    query = _base_query(owner_id)
    if not include_archived:
        query = query.where(Contact.status == Status.ACTIVE.value)
    if tier:
        query = query.where(Contact.tier == parse_choice(Tier, tier, "tier").value)
    if tag:
        query = query.where(Contact.id.in_(
            select(ContactTag.contact_id).join(Tag, Tag.id == ContactTag.tag_id)
            .where(Tag.owner_id == owner_id, Tag.name == tag.strip().lower())))
    for column, value in ((Role.organization, organization), (Role.department, department)):
        if value:
            query = query.where(Contact.id.in_(
                select(Role.contact_id).where(Role.ended.is_(None),
                                              func.lower(column) == value.lower())))
    if sort == "strength":
        return _by_strength(session, query, owner_id=owner_id, limit=limit, offset=offset,
                            now=now)
    if sort == "last-contact":
        query = query.order_by(Contact.last_contact_at.desc().nulls_last(), Contact.display_name)
    elif sort == "name":
        query = query.order_by(Contact.display_name, Contact.id)
    else:
        raise InvalidInput(f"unknown sort '{sort}' (choose from: name, last-contact, strength)")
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return builtins.list(session.scalars(_with_summary(query)).all())


def _by_strength(session: Session, query: Any, *, owner_id: int, limit: int | None,
                 offset: int, now: datetime | None) -> builtins.list[Contact]:
    """The contacts of ``query``, strongest tie first (then by name).

    The scores are one SQL aggregate and the order needs only ids and names, so only the
    page asked for is loaded whole: a first page of a large network stays quick.
    """
    from tiekeep.services import scoring

    named = builtins.list(session.execute(query.with_only_columns(Contact.id,
                                                                  Contact.display_name)))
    strengths = scoring.scores(session, owner_id=owner_id,
                               contact_ids=[row.id for row in named], now=now)
    named.sort(key=lambda row: (-strengths[row.id].score, row.display_name))
    page = [row.id for row in named[offset:None if limit is None else offset + limit]]
    chunk = 500  # ids per IN list, well below the database's limit on parameters
    return [contact for start in range(0, len(page), chunk)
            for contact in get_many(session, owner_id=owner_id,
                                    contact_ids=page[start:start + chunk])]


def search_contacts(session: Session, *, owner_id: int, query: str,
                    limit: int = 50) -> builtins.list[Contact]:
    """Contacts matching a query, best first: names, emails, roles, notes and topics."""
    if not query.strip():
        raise InvalidInput("empty search query")
    found = search.candidates(session, owner_id=owner_id, query=query)
    pool = get_many(session, owner_id=owner_id, contact_ids=[cid for cid, _ in found])
    ranked = search.rank(query, found, {c.id: c.display_name for c in pool})
    by_id = {c.id: c for c in pool}
    return [by_id[cid] for cid, _ in ranked if cid in by_id][:limit]


# --- change ------------------------------------------------------------------------------


def update(session: Session, *, owner_id: int, contact_id: int, changes: ContactUpdate,
           actor: str = "") -> Contact:
    """Apply a partial update; records the change in the audit log."""
    from tiekeep.errors import Conflict

    contact = get(session, owner_id=owner_id, contact_id=contact_id)
    if changes.expected_version is not None and changes.expected_version != contact.version_id:
        raise Conflict(f"contact {contact_id} was changed by someone else; reload and retry")
    parsing.bounded(changes.location, what="location", limit=parsing.MAX_LINE)
    for interest in changes.interests or []:
        parsing.bounded(interest, what="interest", limit=parsing.MAX_LINE)
    for alias in changes.add_aliases:
        parsing.bounded(alias, what="alias", limit=parsing.MAX_LINE)
    diff: dict[str, Any] = {}

    def setattr_logged(name: str, value: Any) -> None:
        old = getattr(contact, name)
        if value != old:
            diff[name] = [_jsonable(old), _jsonable(value)]
            setattr(contact, name, value)

    if changes.name is not None:
        setattr_logged("display_name", _clean_name(changes.name))
    if changes.tier is not None:
        setattr_logged("tier", parse_choice(Tier, changes.tier, "tier").value)
    if changes.horizon is not None:
        setattr_logged("horizon", parse_choice(Horizon, changes.horizon, "horizon").value)
    if changes.cadence_days is not None:
        setattr_logged("cadence_days", _cadence(changes.cadence_days))
    if changes.trust is not None:
        parsing.rating(changes.trust)
        if changes.trust != contact.trust:
            session.add(TrustChange(contact_id=contact.id, trust=changes.trust))
        setattr_logged("trust", changes.trust)
    if changes.strength_override is not None:
        if not 0 <= changes.strength_override <= 100:
            raise InvalidInput("strength override must be from 0 to 100")
        setattr_logged("strength_override", changes.strength_override)
    if changes.introduced_by_id is not None:
        if changes.introduced_by_id == contact.id:
            raise InvalidInput("a contact cannot introduce itself")
        get(session, owner_id=owner_id, contact_id=changes.introduced_by_id)
    for name in ("project_end", "birthday", "location", "time_zone", "interests", "met_on",
                 "introduced_by_id"):
        value = getattr(changes, name)
        if value is not None:
            setattr_logged(name, value)
    for name in ("goals", "challenges", "personal_notes", "how_met"):
        value = getattr(changes, name)
        if value is not None:
            setattr_logged(name, _clean_text(value, name.replace("_", " ")))
    if changes.time_zone:
        parsing.zone(changes.time_zone)
    known = {e.email for e in contact.emails}
    for raw in changes.add_emails:
        address = parsing.email(raw)
        if address not in known:
            contact.emails.append(ContactEmail(email=address))
            known.add(address)
            diff.setdefault("emails_added", []).append(address)
    numbers = {p.phone for p in contact.phones}
    region = users.phone_region(session, owner_id=owner_id) if changes.add_phones else ""
    for raw in changes.add_phones:
        number = parsing.phone(raw, region)
        if number not in numbers:
            contact.phones.append(ContactPhone(phone=number))
            numbers.add(number)
            diff.setdefault("phones_added", []).append(number)
    if changes.add_aliases:
        merged = builtins.list(dict.fromkeys([*contact.aliases, *changes.add_aliases]))
        setattr_logged("aliases", merged)
    if changes.add_tags or changes.remove_tags:
        drop: set[str] = set(_tag_names(changes.remove_tags))
        kept = [t for t in contact.tags if t.name not in drop]
        added = tags_by_name(session, owner_id=owner_id, names=changes.add_tags)
        new_tags = {t.name: t for t in [*kept, *added]}
        before = [t.name for t in contact.tags]
        contact.tags = builtins.list(new_tags.values())
        if sorted(before) != sorted(new_tags):
            diff["tags"] = [sorted(before), sorted(new_tags)]
    session.flush()
    if diff:
        audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                     action="update", changes=diff)
        reindex(session, owner_id=owner_id, contact_ids=[contact.id])
    return contact


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def archive(session: Session, *, owner_id: int, contact_id: int, actor: str = "",
            restore: bool = False) -> Contact:
    """Archive a contact (hidden from lists and the agenda), or bring it back."""
    contact = get(session, owner_id=owner_id, contact_id=contact_id)
    status = Status.ACTIVE.value if restore else Status.ARCHIVED.value
    if contact.status != status:
        audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                     action="archive" if not restore else "unarchive",
                     changes={"status": [contact.status, status]})
        contact.status = status
    return contact


def delete_contact(session: Session, *, owner_id: int, contact_id: int,
                   actor: str = "") -> Contact:
    """Delete a contact; it can be restored for 30 days."""
    contact = get(session, owner_id=owner_id, contact_id=contact_id)
    contact.deleted_at = utcnow()
    audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                 action="delete", changes={})
    return contact


def undelete(session: Session, *, owner_id: int, contact_id: int, actor: str = "") -> Contact:
    """Restore a contact deleted less than 30 days ago."""
    contact = session.scalar(select(Contact).where(
        Contact.owner_id == owner_id, Contact.id == contact_id,
        Contact.deleted_at.is_not(None)))
    if contact is None or contact.deleted_at is None:
        raise NotFound(f"no deleted contact with id {contact_id}")
    if utcnow() - contact.deleted_at > timedelta(days=UNDELETE_DAYS):
        raise NotFound(f"contact {contact_id} was deleted more than {UNDELETE_DAYS} days ago")
    contact.deleted_at = None
    audit.record(session, owner_id=owner_id, contact_id=contact.id, actor=actor,
                 action="undelete", changes={})
    return contact


def link(session: Session, *, owner_id: int, a_id: int, b_id: int,
         kind: str = LinkKind.KNOWS.value, source: str = "manual") -> ContactLink:
    """Record a tie between two of the owner's contacts (idempotent)."""
    if a_id == b_id:
        raise InvalidInput("a contact cannot be linked to itself")
    get(session, owner_id=owner_id, contact_id=a_id)
    get(session, owner_id=owner_id, contact_id=b_id)
    kind = parse_choice(LinkKind, kind, "link kind").value
    existing = session.scalar(select(ContactLink).where(
        ContactLink.a_id == a_id, ContactLink.b_id == b_id, ContactLink.kind == kind))
    if existing is not None:
        return existing
    row = ContactLink(owner_id=owner_id, a_id=a_id, b_id=b_id, kind=kind, source=source)
    session.add(row)
    session.flush()
    return row


def merge(session: Session, *, owner_id: int, keep_id: int, other_id: int,
          actor: str = "") -> Contact:
    """Merge ``other`` into ``keep``: every email, role, interaction, value and follow-up moves.

    The kept contact's own fields win; empty ones are filled from the other, whose name
    becomes an alias. The other contact is then removed.
    """
    if keep_id == other_id:
        raise InvalidInput("cannot merge a contact with itself")
    keep = get(session, owner_id=owner_id, contact_id=keep_id)
    other = get(session, owner_id=owner_id, contact_id=other_id)

    for name in ("given_name", "family_name", "birthday", "location", "time_zone",
                 "project_end", "cadence_days", "trust", "goals", "challenges",
                 "personal_notes", "how_met", "met_on", "introduced_by_id", "next_meeting_at",
                 "photo_type"):
        if getattr(keep, name) is None and getattr(other, name) is not None:
            setattr(keep, name, getattr(other, name))
    if keep.photo is None and other.photo is not None:
        keep.photo = other.photo
    keep.aliases = [a for a in dict.fromkeys([*keep.aliases, other.display_name, *other.aliases])
                    if a != keep.display_name]
    keep.interests = builtins.list(dict.fromkeys([*keep.interests, *other.interests]))
    emails = {e.email for e in keep.emails}
    keep.emails.extend(ContactEmail(email=e.email, label=e.label)
                       for e in other.emails if e.email not in emails)
    phones = {p.phone for p in keep.phones}
    keep.phones.extend(ContactPhone(phone=p.phone, label=p.label)
                       for p in other.phones if p.phone not in phones)
    urls = {u.url for u in keep.urls}
    keep.urls.extend(ContactUrl(kind=u.kind, url=u.url) for u in other.urls if u.url not in urls)
    keep.tags = builtins.list({t.id: t for t in [*keep.tags, *other.tags]}.values())
    for stamp in ("last_contact_at", "last_qualifying_at"):
        values = [v for v in (getattr(keep, stamp), getattr(other, stamp)) if v is not None]
        setattr(keep, stamp, max(values) if values else None)
    session.flush()

    # Rows that point at the other contact are repointed, dropping the ones that would
    # become duplicates of rows the kept contact already has.
    shared = select(InteractionParticipant.interaction_id).where(
        InteractionParticipant.contact_id == keep_id).scalar_subquery()
    session.execute(delete(InteractionParticipant).where(
        InteractionParticipant.contact_id == other_id,
        InteractionParticipant.interaction_id.in_(shared)))
    already_shared = select(ResourceShare.resource_id).where(
        ResourceShare.contact_id == keep_id).scalar_subquery()
    session.execute(delete(ResourceShare).where(ResourceShare.contact_id == other_id,
                                                ResourceShare.resource_id.in_(already_shared)))
    session.execute(delete(ReminderState).where(ReminderState.contact_id == other_id))
    for table, column in ((InteractionParticipant, InteractionParticipant.contact_id),
                          (ResourceShare, ResourceShare.contact_id),
                          (Role, Role.contact_id), (ValueExchange, ValueExchange.contact_id),
                          (FollowUp, FollowUp.contact_id), (PlanItem, PlanItem.contact_id),
                          (TrustChange, TrustChange.contact_id),
                          (ContactSource, ContactSource.contact_id)):
        session.execute(sql_update(table).where(column == other_id).values({column.key: keep_id}),
                        execution_options={"synchronize_session": False})
    session.execute(sql_update(Contact).where(Contact.introduced_by_id == other_id)
                    .values(introduced_by_id=keep_id),
                    execution_options={"synchronize_session": False})
    _repoint_links(session, keep_id=keep_id, other_id=other_id)
    other_name = other.display_name
    # Deleted in SQL: the ORM would cascade into the collections it still holds in memory
    # (roles, plan items) that were just repointed. Its emails and phones were copied above.
    session.expunge(other)
    session.execute(delete(Contact).where(Contact.id == other_id))
    search.remove(session, [other_id])
    audit.record(session, owner_id=owner_id, contact_id=keep_id, actor=actor, action="merge",
                 changes={"merged": {"id": other_id, "name": other_name}})
    reindex(session, owner_id=owner_id, contact_ids=[keep_id])
    session.expire_all()
    return get(session, owner_id=owner_id, contact_id=keep_id)


def _repoint_links(session: Session, *, keep_id: int, other_id: int) -> None:
    links = session.scalars(select(ContactLink).where(
        (ContactLink.a_id == other_id) | (ContactLink.b_id == other_id))).all()
    existing = {(row.a_id, row.b_id, row.kind) for row in session.scalars(select(ContactLink).where(
        (ContactLink.a_id == keep_id) | (ContactLink.b_id == keep_id)))}
    for row in links:
        a = keep_id if row.a_id == other_id else row.a_id
        b = keep_id if row.b_id == other_id else row.b_id
        if a == b or (a, b, row.kind) in existing:
            session.delete(row)
        else:
            row.a_id, row.b_id = a, b
            existing.add((a, b, row.kind))


# --- search documents --------------------------------------------------------------------

TOPIC_INTERACTIONS = 500


def document_body(contact: Contact, topics: Iterable[str]) -> str:
    """The text a contact is found by (see core/search.py)."""
    parts: builtins.list[str] = [contact.display_name, *contact.aliases]
    parts += [contact.given_name or "", contact.family_name or ""]
    parts += [e.email for e in contact.emails]
    for role in contact.roles:
        parts += [role.title or "", role.department or "", role.organization or "",
                  role.location or ""]
    parts += [contact.location or "", contact.personal_notes or "", contact.how_met or ""]
    parts += [t.name for t in contact.tags]
    parts += contact.interests
    parts += builtins.list(dict.fromkeys(topics))
    return search.normalize(" ".join(p for p in parts if p))


def reindex(session: Session, *, owner_id: int, contact_ids: Iterable[int]) -> None:
    """Rebuild the search documents of these contacts from their current data."""
    ids = builtins.list(dict.fromkeys(contact_ids))
    if not ids:
        return
    session.flush()
    contacts = get_many(session, owner_id=owner_id, contact_ids=ids)
    topics: dict[int, builtins.list[str]] = {cid: [] for cid in ids}
    # Ordered by the participation's copy of the time, so that even a contact with a hundred
    # thousand interactions reads only the first entries of the (contact, time) index.
    latest = (select(Interaction.topics)
              .join(InteractionParticipant,
                    InteractionParticipant.interaction_id == Interaction.id)
              .where(InteractionParticipant.contact_id == bindparam("contact_id"))
              .order_by(InteractionParticipant.occurred_at.desc(),
                        InteractionParticipant.interaction_id.desc())
              .limit(TOPIC_INTERACTIONS))
    connection = session.connection()  # plain rows: the ORM's row loading is not needed
    for contact_id in ids:
        for (row_topics,) in connection.execute(latest, {"contact_id": contact_id}):
            topics[contact_id].extend(row_topics or [])
    search.write_documents(session, [
        search.Document(c.id, owner_id, document_body(c, topics[c.id])) for c in contacts
    ])


# --- views -------------------------------------------------------------------------------


def to_dict(contact: Contact) -> dict[str, Any]:
    """The JSON form of a contact, shared by the CLI's --json and the web API."""
    role = contact.current_role
    return {
        "id": contact.id,
        "name": contact.display_name,
        "emails": [e.email for e in contact.emails],
        "phones": [p.phone for p in contact.phones],
        "tier": contact.tier,
        "horizon": contact.horizon,
        "organization": role.organization if role else None,
        "department": role.department if role else None,
        "title": role.title if role else None,
        "location": contact.location or (role.location if role else None),
        "tags": sorted(t.name for t in contact.tags),
        "last_contact": contact.last_contact_at.isoformat() if contact.last_contact_at else None,
        "status": contact.status,
        "cadence_days": contact.cadence_days,
        "birthday": _birthday(contact),
        "trust": contact.trust,
        "version": contact.version_id,
    }


def _birthday(contact: Contact) -> str | None:
    if contact.birthday is None:
        return None
    if contact.birthday_has_year:
        return contact.birthday.isoformat()
    return contact.birthday.strftime("--%m-%d")


def role_to_dict(role: Role) -> dict[str, Any]:
    return {
        "id": role.id,
        "title": role.title,
        "department": role.department,
        "organization": role.organization,
        "location": role.location,
        "started": role.started.isoformat() if role.started else None,
        "ended": role.ended.isoformat() if role.ended else None,
        "current": role.ended is None,
    }

