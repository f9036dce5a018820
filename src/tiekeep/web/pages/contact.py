"""The contact page (profile, roles, timeline, plan, value ledger, strength, follow-ups,
audit log) and its forms; each form calls one service function and comes back here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from tiekeep.core.enums import Format, Horizon, Tier, ValueKind
from tiekeep.services import contacts, followups, parsing, plans, roles, values
from tiekeep.web import schemas, views
from tiekeep.web.deps import CurrentUser, Principal, ReadSession, StateDep, WriteSession
from tiekeep.web.rendering import N_, redirect, render, safe_next, translations

router = APIRouter()
Short = Annotated[str, Form(max_length=300)]
LongText = Annotated[str, Form(max_length=schemas.MAX_TEXT)]


def _back(request: Request, user: Principal, contact_id: schemas.IdPath, message: str) -> Response:
    _, catalog = translations(request, user)
    return redirect(request, str(request.url_for("contact_page", contact_id=contact_id)),
                    flash=catalog.gettext(message))


def _text(new: str, old: str | None) -> str | None:
    """A text field's new value; an empty field left empty is no change."""
    return None if not new and not old else new


def _day(value: str, what: str) -> date | None:
    return parsing.calendar_date(value, what=what) if value.strip() else None


@router.get("/contacts/{contact_id}", name="contact_page")
def contact_page(request: Request, contact_id: schemas.IdPath, user: CurrentUser, state: StateDep,
                 session: ReadSession) -> Response:
    """Everything about one contact (JSON twin: GET /api/v1/contacts/{id})."""
    data = state.cache.get(("contact", user.id, contact_id), lambda: views.contact_detail(
        session, owner_id=user.id, contact_id=contact_id))
    return render(request, "contact.html", {
        "c": data, "tiers": [t.value for t in Tier], "horizons": [h.value for h in Horizon],
        "kinds": [k.value for k in ValueKind], "formats": [f.value for f in Format],
        "categories": values.CAREER_CATEGORIES,
        "json_twin": request.url_for("get_contact", contact_id=contact_id)}, user=user)


@router.post("/contacts/{contact_id}/edit", name="contact_edit")
def contact_edit(
    request: Request, contact_id: schemas.IdPath, user: CurrentUser, session: WriteSession,
    version: Annotated[int, Form()],
    name: Annotated[str, Form(min_length=1, max_length=300)],
    tier: Annotated[schemas.TierName, Form()],
    horizon: Annotated[schemas.HorizonName, Form()],
    cadence_days: Annotated[str, Form(max_length=5)] = "",
    trust: Annotated[str, Form(max_length=1)] = "",
    location: Short = "", birthday: Annotated[str, Form(max_length=10)] = "",
    project_end: Annotated[str, Form(max_length=10)] = "",
    add_email: Annotated[str, Form(max_length=320)] = "",
    add_phone: Annotated[str, Form(max_length=40)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    interests: Annotated[str, Form(max_length=2000)] = "",
    goals: LongText = "", challenges: LongText = "", personal_notes: LongText = "",
    how_met: LongText = "",
) -> Response:
    """Save the profile form; a concurrent edit is refused (the version moved on)."""
    current = contacts.get(session, owner_id=user.id, contact_id=contact_id)
    wanted_tags = [t.strip() for t in tags.split(",") if t.strip()]
    have_tags = [t.name for t in current.tags]
    day, _ = schemas.parse_birthday(birthday.strip() or None)
    changes = contacts.ContactUpdate(
        name=name, tier=tier, horizon=horizon,
        cadence_days=int(cadence_days) if cadence_days.strip().isdigit() else None,
        trust=int(trust) if trust.strip().isdigit() else None,
        location=_text(location, current.location), birthday=day,
        project_end=_day(project_end, "project end"),
        interests=[i.strip() for i in interests.split(",") if i.strip()],
        goals=_text(goals, current.goals), challenges=_text(challenges, current.challenges),
        personal_notes=_text(personal_notes, current.personal_notes),
        how_met=_text(how_met, current.how_met),
        add_emails=[add_email] if add_email.strip() else [],
        add_phones=[add_phone] if add_phone.strip() else [],
        add_tags=wanted_tags, remove_tags=[t for t in have_tags
                                           if t not in {w.lower() for w in wanted_tags}],
        expected_version=version)
    contacts.update(session, owner_id=user.id, contact_id=contact_id, changes=changes,
                    actor=user.username)
    return _back(request, user, contact_id, N_("Saved."))


@router.post("/contacts/{contact_id}/role", name="contact_role")
def contact_role(request: Request, contact_id: schemas.IdPath,
                 user: CurrentUser, session: WriteSession,
                 title: Short = "", department: Short = "", organization: Short = "",
                 location: Short = "",
                 since: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Record a role change."""
    roles.change(session, owner_id=user.id, contact_id=contact_id, new=roles.RoleChange(
        title=title or None, department=department or None, organization=organization or None,
        location=location or None, since=_day(since, "date")), actor=user.username)
    return _back(request, user, contact_id, N_("Role recorded."))


@router.post("/contacts/{contact_id}/value", name="contact_value")
def contact_value(request: Request, contact_id: schemas.IdPath,
                  user: CurrentUser, session: WriteSession,
                  direction: Annotated[str, Form(pattern="^(given|received)$")],
                  kind: Annotated[schemas.KindName, Form()],
                  description: Annotated[str, Form(min_length=1, max_length=2000)],
                  category: Annotated[str, Form(max_length=32)] = "") -> Response:
    """Record value given or received."""
    values.create(session, owner_id=user.id, data=values.ValueCreate(
        contact_id=contact_id, direction=direction, kind=kind, description=description,
        category=category or None))
    return _back(request, user, contact_id, N_("Value recorded."))


@router.post("/contacts/{contact_id}/followup", name="contact_followup")
def contact_followup(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                     session: WriteSession,
                     text: Annotated[str, Form(min_length=1, max_length=2000)],
                     due: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Add a follow-up."""
    followups.create(session, owner_id=user.id, contact_id=contact_id, text=text,
                     due=_day(due, "due date"))
    return _back(request, user, contact_id, N_("Follow-up added."))


@router.post("/contacts/{contact_id}/plan", name="contact_plan")
def contact_plan(request: Request, contact_id: schemas.IdPath,
                 user: CurrentUser, session: WriteSession,
                 text: Annotated[str, Form(min_length=1, max_length=2000)],
                 kind: Annotated[str, Form(pattern="^(topic|support)$")] = "topic") -> Response:
    """Add a topic to raise or a way to support."""
    plans.add(session, owner_id=user.id, contact_id=contact_id, kind=kind, text=text)
    return _back(request, user, contact_id, N_("Added to the plan."))


@router.post("/contacts/{contact_id}/next-meeting", name="contact_next_meeting")
def contact_next_meeting(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                         session: WriteSession,
                         at: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Set or clear the next planned meeting."""
    moment = parsing.moment(at, tz=user.time_zone) if at.strip() else None
    plans.set_next_meeting(session, owner_id=user.id, contact_id=contact_id, at=moment)
    return _back(request, user, contact_id, N_("Saved."))


@router.post("/contacts/{contact_id}/archive", name="contact_archive")
def contact_archive(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                    session: WriteSession,
                    restore: Annotated[bool, Form()] = False) -> Response:
    """Archive the contact, or bring it back."""
    contacts.archive(session, owner_id=user.id, contact_id=contact_id, actor=user.username,
                     restore=restore)
    return _back(request, user, contact_id, N_("Restored.") if restore else N_("Archived."))


@router.post("/contacts/{contact_id}/delete", name="contact_delete")
def contact_delete(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                   session: WriteSession) -> Response:
    """Delete the contact (restorable for 30 days from the contacts page's link)."""
    contacts.delete_contact(session, owner_id=user.id, contact_id=contact_id,
                            actor=user.username)
    _, catalog = translations(request, user)
    return redirect(request, str(request.url_for("contacts_page")),
                    flash=catalog.gettext("Deleted. It can be restored for 30 days."))


@router.post("/contacts/{contact_id}/undelete", name="contact_undelete")
def contact_undelete(request: Request, contact_id: schemas.IdPath, user: CurrentUser,
                     session: WriteSession) -> Response:
    """Restore a deleted contact."""
    contacts.undelete(session, owner_id=user.id, contact_id=contact_id, actor=user.username)
    return _back(request, user, contact_id, N_("Restored."))


@router.post("/contacts/{contact_id}/merge", name="contact_merge")
def contact_merge(request: Request, contact_id: schemas.IdPath,
                  user: CurrentUser, session: WriteSession,
                  other: Annotated[str, Form(min_length=1, max_length=300)]) -> Response:
    """Merge another contact (an id, email or name) into this one."""
    other_contact = contacts.resolve(session, owner_id=user.id, ref=other)
    contacts.merge(session, owner_id=user.id, keep_id=contact_id, other_id=other_contact.id,
                   actor=user.username)
    return _back(request, user, contact_id, N_("Merged."))


Back = Annotated[str, Form(max_length=2000)]


def _return(request: Request, user: Principal, back: str, contact_id: schemas.IdPath,
            message: str) -> Response:
    """Back to the page the form was on (the dashboard, say), else the contact page."""
    if back:
        _, catalog = translations(request, user)
        return redirect(request, safe_next(back), flash=catalog.gettext(message))
    return _back(request, user, contact_id, message)


@router.post("/followups/{followup_id}/done", name="followup_done")
def followup_done(request: Request, followup_id: schemas.IdPath, user: CurrentUser,
                  session: WriteSession, back: Back = "") -> Response:
    """Close a follow-up."""
    row = followups.complete(session, owner_id=user.id, followup_id=followup_id)
    return _return(request, user, back, row.contact_id, N_("Done."))


@router.post("/followups/{followup_id}/snooze", name="followup_snooze")
def followup_snooze(request: Request, followup_id: schemas.IdPath, user: CurrentUser,
                    session: WriteSession, back: Back = "",
                    days: Annotated[int, Form(ge=1, le=365)] = 7) -> Response:
    """Hide a follow-up for some days."""
    until = datetime.now(UTC).date() + timedelta(days=days)
    row = followups.snooze(session, owner_id=user.id, followup_id=followup_id, until=until)
    return _return(request, user, back, row.contact_id, N_("Snoozed."))


@router.post("/plan-items/{item_id}/done", name="plan_item_done")
def plan_item_done(request: Request, item_id: schemas.IdPath, user: CurrentUser,
                   session: WriteSession, back: Back = "") -> Response:
    """Mark a plan item done."""
    item = plans.complete(session, owner_id=user.id, item_id=item_id)
    return _return(request, user, back, item.contact_id, N_("Done."))
