"""The quick "log interaction" form: several participants, format, time, topics, notes,
value exchanged and a next step."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from tiekeep.core.enums import Format, Initiator, ValueKind
from tiekeep.services import contacts, interactions, parsing
from tiekeep.web import schemas
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WriteSession
from tiekeep.web.rendering import Formatter, redirect, render, translations

router = APIRouter()


@router.get("/log", name="log_page")
def log_page(request: Request, user: CurrentUser, session: ReadSession,
             with_: Annotated[list[int], Query(alias="with", max_length=50)] = []  # noqa: B006
             ) -> Response:
    """The form, with participants already chosen when coming from a contact page."""
    chosen = [{"id": c.id, "name": c.display_name}
              for c in contacts.get_many(session, owner_id=user.id, contact_ids=with_)]
    return render(request, "log.html", {
        "chosen": chosen, "formats": [f.value for f in Format],
        "initiators": [i.value for i in Initiator], "kinds": [k.value for k in ValueKind],
        "now": Formatter(user.time_zone).local_input(datetime.now(UTC))}, user=user)


@router.post("/log", name="log_submit")
def log_submit(
    request: Request, user: CurrentUser, state: StateDep, session: WriteSession,
    participant: Annotated[list[int], Form(max_length=200)] = [],  # noqa: B006
    format: Annotated[schemas.FormatName, Form()] = "other",
    initiated_by: Annotated[schemas.InitiatorName, Form()] = "mutual",
    at: Annotated[str, Form(max_length=40)] = "",
    topics: Annotated[str, Form(max_length=2000)] = "",
    summary: Annotated[str, Form(max_length=2000)] = "",
    notes: Annotated[str, Form(max_length=schemas.MAX_TEXT)] = "",
    depth: Annotated[str, Form(max_length=1)] = "",
    duration: Annotated[str, Form(max_length=6)] = "",
    gave_kind: Annotated[str, Form(max_length=16)] = "",
    gave: Annotated[str, Form(max_length=2000)] = "",
    received_kind: Annotated[str, Form(max_length=16)] = "",
    received: Annotated[str, Form(max_length=2000)] = "",
    next_step: Annotated[str, Form(max_length=2000)] = "",
    due: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Record the interaction and open the first participant's page."""
    data = interactions.InteractionCreate(
        participant_ids=participant,
        occurred_at=parsing.moment(at, tz=user.time_zone) if at.strip()
        else datetime.now(UTC),
        format=format, initiated_by=initiated_by,
        topics=[t.strip() for t in topics.split(",") if t.strip()],
        summary=summary or None, notes=notes or None,
        depth=int(depth) if depth.isdigit() else None,
        duration_minutes=int(duration) if duration.isdigit() else None,
        gave=[(gave_kind or "information", gave.strip())] if gave.strip() else [],
        received=[(received_kind or "information", received.strip())]
        if received.strip() else [],
        next_steps=[(next_step.strip(), parsing.calendar_date(due, what="due date")
                     if due.strip() else None)] if next_step.strip() else [])
    rules = interactions.QualifyingRules.from_settings(state.settings)
    interaction = interactions.log(session, owner_id=user.id, data=data, rules=rules)
    _, catalog = translations(request, user)
    names = ", ".join(p.display_name for p in interaction.participants)
    return redirect(request, str(request.url_for("contact_page",
                                                 contact_id=participant[0])),
                    flash=catalog.gettext("Logged: %(names)s") % {"names": names})
