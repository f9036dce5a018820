"""The conversation around `tiekeep log "TEXT"`: show what was understood, ask, confirm.

A name the text does not pin down to one contact is asked about (pick one of the
candidates, or give an id, email or name); with ``--yes`` there is nobody to ask, so it is
an error. Nothing is ever guessed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer
from sqlalchemy.orm import Session

from tiekeep.cli import render

if TYPE_CHECKING:
    from tiekeep.cli.context import AppContext
    from tiekeep.services.freetext import NameMatch


def understand(app: AppContext, session: Session, *, owner_id: int, text: str, data: Any,
               tz: str, explicit_format: bool, explicit_at: bool, confirm: bool) -> None:
    """Fill ``data`` (an InteractionCreate) from free text, asking the user where needed."""
    from tiekeep.errors import Ambiguous, NotFound
    from tiekeep.services import freetext

    understood = freetext.understand(session, owner_id=owner_id, text=text, tz=tz)
    for match in understood.problems:
        if not confirm:
            if match.candidates:
                raise Ambiguous(match.text, match.candidates)
            raise NotFound(f"no contact matches '{match.text}' (use --with REF, or add the "
                           "contact first)")
        _ask(app, session, owner_id=owner_id, match=match)
    freetext.apply(understood, data, explicit_format=explicit_format, explicit_at=explicit_at,
                   text=text)
    app.err.print(_summary(understood, data, tz), markup=False, highlight=False)
    if confirm and not typer.confirm("Log it?", default=True, err=True):
        app.err.print("Nothing logged.", markup=False, highlight=False)
        raise typer.Exit(1)


def _ask(app: AppContext, session: Session, *, owner_id: int, match: NameMatch) -> None:
    """Settle one name by asking: a number from the list, or any contact reference."""
    from tiekeep.services import contacts

    if match.candidates:
        app.err.print(f"Who is “{match.text}”?", markup=False, highlight=False)
        for number, label in enumerate(match.candidates, start=1):
            app.err.print(f"  {number}. {label}", markup=False, highlight=False)
        prompt = "Number, or an id, email or name"
    else:
        app.err.print(f"No contact matches “{match.text}”.", markup=False, highlight=False)
        prompt = "Who is it? (an id, email or name)"
    answer = typer.prompt(prompt, err=True).strip()
    if match.candidates and answer.isdigit() and 1 <= int(answer) <= len(match.candidates):
        answer = match.candidates[int(answer) - 1].split(" ", 1)[0]  # "#12"
    contact = contacts.resolve(session, owner_id=owner_id, ref=answer)
    match.contact_id, match.name, match.candidates = contact.id, contact.display_name, []


def _summary(understood: Any, data: Any, tz: str) -> str:
    from tiekeep.services import parsing

    names = ", ".join(f"{m.name} (#{m.contact_id})" + (" ≈" if m.fuzzy else "")
                      for m in understood.participants)
    when: datetime = data.occurred_at
    local = when.astimezone(parsing.zone(tz))
    parts = [f"Understood: {data.format} with {names or '—'}",
             f"on {render.short_date(local)} ({tz})"]
    if data.topics:
        parts.append("about " + "; ".join(data.topics))
    return " ".join(parts)
