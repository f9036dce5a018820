"""An Obsidian-style vault: one Markdown note per contact, linked to each other.

Each note has YAML front matter (the contact's JSON fields, with ``aliases`` and ``tags`` as
Obsidian reads them), then the role history, the timeline with ``[[links]]`` to the other
people present, the plan, the value ledger, the follow-ups and the known ties. Notes are named
after the contact (made safe for file systems, and unique), so links resolve inside the vault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tiekeep.core.models import (
    Contact,
    ContactLink,
    FollowUp,
    Interaction,
    InteractionParticipant,
    PlanItem,
    ValueExchange,
)
from tiekeep.errors import InvalidInput

CHUNK = 200
_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f]')


def note_names(names: Iterable[tuple[int, str]]) -> dict[int, str]:
    """A unique, file-safe note name per contact id (the display name where possible)."""
    taken: set[str] = set()
    result: dict[int, str] = {}
    for contact_id, display in names:
        base = " ".join(_UNSAFE.sub(" ", display).split()).strip(". ")[:120] or "contact"
        name, n = base, 2
        while name.casefold() in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name.casefold())
        result[contact_id] = name
    return result


def _yaml(value: Any) -> str:
    """A YAML value; JSON scalars and flow lists are valid YAML."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def front_matter(contact: Contact) -> str:
    role = contact.current_role
    linkedin = next((u.url for u in contact.urls if u.kind == "linkedin"), None)
    fields: dict[str, Any] = {
        "id": contact.id, "name": contact.display_name, "aliases": contact.aliases or None,
        "emails": [e.email for e in contact.emails] or None,
        "phones": [p.phone for p in contact.phones] or None,
        "organization": role.organization if role else None,
        "department": role.department if role else None,
        "title": role.title if role else None,
        "tier": contact.tier, "horizon": contact.horizon,
        "tags": [re.sub(r"\s+", "-", t.name) for t in contact.tags] or None,
        "birthday": (contact.birthday.isoformat() if contact.birthday_has_year
                     else contact.birthday.strftime("--%m-%d")) if contact.birthday else None,
        "location": contact.location, "cadence_days": contact.cadence_days,
        "trust": contact.trust, "how_met": contact.how_met,
        "met_on": contact.met_on.isoformat() if contact.met_on else None,
        "last_contact": contact.last_contact_at.isoformat() if contact.last_contact_at
        else None,
        "linkedin": linkedin, "status": contact.status,
    }
    body = "\n".join(f"{k}: {_yaml(v)}" for k, v in fields.items() if v is not None)
    return f"---\n{body}\n---\n"


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _note(contact: Contact, names: dict[int, str], timeline: list[tuple[Interaction, list[int]]],
          plan: list[PlanItem], values: list[ValueExchange], followups: list[FollowUp],
          links: list[tuple[str, int]]) -> str:
    out = [front_matter(contact), f"# {contact.display_name}", ""]
    role = contact.current_role
    headline = " · ".join(x for x in ((role.title, role.department, role.organization)
                                      if role else ()) if x)
    if headline:
        out += [headline, ""]
    if contact.roles:
        out += ["## Roles", ""]
        for r in sorted(contact.roles, key=lambda r: (r.started or date.min, r.id),
                        reverse=True):
            span = f"{r.started or '?'} – {r.ended or 'now'}"
            what = ", ".join(x for x in (r.title, r.department, r.organization, r.location) if x)
            out.append(f"- {span}: {what}")
        out.append("")
    if timeline:
        out += ["## Timeline", ""]
        for interaction, others in timeline:
            who = ", ".join(f"[[{names[o]}]]" for o in others if o in names)
            parts = [f"- {interaction.occurred_at:%Y-%m-%d} {interaction.format}"]
            if who:
                parts.append(f"with {who}")
            if interaction.summary:
                parts.append(f"— {_line(interaction.summary)}")
            if interaction.topics:
                parts.append(f"(topics: {', '.join(interaction.topics)})")
            out.append(" ".join(parts))
        out.append("")
    if plan or contact.next_meeting_at:
        out += ["## Plan", ""]
        out += [f"- {'Topic' if p.kind == 'topic' else 'Support'}: {_line(p.text)}"
                for p in plan]
        if contact.next_meeting_at:
            out.append(f"- Next meeting: {contact.next_meeting_at:%Y-%m-%d %H:%M} UTC")
        out.append("")
    if values:
        out += ["## Value", ""]
        out += [f"- {v.occurred_at:%Y-%m-%d} {v.direction} {v.kind}: {_line(v.description)}"
                for v in values]
        out.append("")
    if followups:
        out += ["## Follow-ups", ""]
        out += [f"- [{'x' if f.done_at else ' '}] {_line(f.text)}"
                + (f" (due {f.due})" if f.due else "") for f in followups]
        out.append("")
    ties = ([("introduced by", contact.introduced_by_id)] if contact.introduced_by_id else [])
    ties += links
    ties = [(kind, other) for kind, other in ties if other in names]
    if ties:
        out += ["## People", ""]
        out += [f"- {kind} [[{names[other]}]]" for kind, other in ties]
        out.append("")
    if contact.personal_notes:
        out += ["## Notes", "", contact.personal_notes.strip(), ""]
    return "\n".join(out)


def export(session: Session, *, owner_id: int, path: Path,
           options: Mapping[str, Any]) -> dict[str, Any]:
    """Write one note per (not deleted) contact into the folder ``path``."""
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{path}: a Markdown export needs a folder, and this is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot create the folder ({exc.strerror})") from None
    alive = (Contact.owner_id == owner_id, Contact.deleted_at.is_(None))
    names = note_names(session.execute(select(Contact.id, Contact.display_name).where(*alive)
                                       .order_by(Contact.display_name, Contact.id)))
    ids = list(names)
    notes = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for contact, text in _chunk_notes(session, owner_id, chunk, names):
            try:
                (path / f"{names[contact]}.md").write_text(text, encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(f"{path}: cannot write a note ({exc.strerror})") from None
            notes += 1
        session.expunge_all()
    return {"notes": notes}


def _chunk_notes(session: Session, owner_id: int, chunk: list[int],
                 names: dict[int, str]) -> Iterable[tuple[int, str]]:
    contacts = {c.id: c for c in session.scalars(
        select(Contact).where(Contact.id.in_(chunk)).options(
            selectinload(Contact.emails), selectinload(Contact.phones),
            selectinload(Contact.urls), selectinload(Contact.roles), selectinload(Contact.tags)))}
    own: dict[int, list[Interaction]] = {cid: [] for cid in chunk}
    for cid, interaction in session.execute(
            select(InteractionParticipant.contact_id, Interaction)
            .join(Interaction, Interaction.id == InteractionParticipant.interaction_id)
            .where(InteractionParticipant.contact_id.in_(chunk))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())):
        own[cid].append(interaction)
    present: dict[int, list[int]] = {}
    all_ids = sorted({i.id for items in own.values() for i in items})
    for start in range(0, len(all_ids), 1000):
        for iid, cid in session.execute(
                select(InteractionParticipant.interaction_id, InteractionParticipant.contact_id)
                .where(InteractionParticipant.interaction_id.in_(all_ids[start:start + 1000]))):
            present.setdefault(iid, []).append(cid)
    plans: dict[int, list[PlanItem]] = {cid: [] for cid in chunk}
    for item in session.scalars(select(PlanItem).where(PlanItem.contact_id.in_(chunk),
                                                       PlanItem.done_at.is_(None))
                                .order_by(PlanItem.id)):
        plans[item.contact_id].append(item)
    values: dict[int, list[ValueExchange]] = {cid: [] for cid in chunk}
    for value in session.scalars(select(ValueExchange).where(
            ValueExchange.contact_id.in_(chunk)).order_by(ValueExchange.occurred_at.desc())):
        values[value.contact_id].append(value)
    followups: dict[int, list[FollowUp]] = {cid: [] for cid in chunk}
    for row in session.scalars(select(FollowUp).where(FollowUp.contact_id.in_(chunk))
                               .order_by(FollowUp.done_at.is_not(None), FollowUp.id)):
        followups[row.contact_id].append(row)
    links: dict[int, list[tuple[str, int]]] = {cid: [] for cid in chunk}
    for link in session.scalars(select(ContactLink).where(
            ContactLink.owner_id == owner_id,
            or_(ContactLink.a_id.in_(chunk), ContactLink.b_id.in_(chunk)))
            .order_by(ContactLink.id)):
        if link.a_id in links:
            links[link.a_id].append((link.kind.replace("_", " "), link.b_id))
        if link.b_id in links:
            inverse = {"introduced": "introduced by", "reports_to": "manages"}
            links[link.b_id].append((inverse.get(link.kind, link.kind.replace("_", " ")),
                                     link.a_id))
    for cid in chunk:
        timeline = [(i, sorted((o for o in present.get(i.id, []) if o != cid),
                               key=lambda o: names.get(o, ""))) for i in own[cid]]
        yield cid, _note(contacts[cid], names, timeline, plans[cid], values[cid],
                         followups[cid], links[cid])
