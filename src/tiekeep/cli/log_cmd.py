"""`tiekeep log`: record an interaction, from options or one line of free text."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render


def log(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(
        help="Free text, e.g. 'lunch with Anna Petrova yesterday about the Q3 roadmap'.")]
    = None,
    with_: Annotated[list[str], typer.Option("--with", help="Participant: id, email or name "
                                             "(repeatable).")] = [],  # noqa: B006
    format: Annotated[str | None, typer.Option("--format", help="one_on_one, lunch, call, "
                                               "email, chat, … (default: other).")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When: ISO 8601 or e.g. 'yesterday "
                                           "15:00' (default: now).")] = None,
    initiated_by: Annotated[str, typer.Option("--initiated-by", help="me, them or mutual.")]
    = "mutual",
    topic: Annotated[list[str], typer.Option("--topic", help="Topic (repeatable).")] = [],  # noqa: B006
    notes: Annotated[str | None, typer.Option("--notes", help="Notes.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="One-line summary.")] = None,
    depth: Annotated[int | None, typer.Option("--depth", help="Depth, 1 to 5.")] = None,
    duration: Annotated[int | None, typer.Option("--duration", help="Minutes.")] = None,
    next_: Annotated[list[str], typer.Option("--next", help="A next step (repeatable).")]
    = [],  # noqa: B006
    due: Annotated[str | None, typer.Option("--due", help="Due date of the next steps.")]
    = None,
    gave: Annotated[list[str], typer.Option("--gave", help="Value given, KIND:TEXT "
                                            "(information, resource, social, professional).")]
    = [],  # noqa: B006
    received: Annotated[list[str], typer.Option("--received", help="Value received, "
                                                "KIND:TEXT.")] = [],  # noqa: B006
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm what was "
                                      "understood from free text.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the logged interaction as "
                                           "JSON.")] = False,
) -> None:
    """Log an interaction with one or more contacts."""
    from datetime import UTC, datetime

    from tiekeep.errors import InvalidInput
    from tiekeep.services import contacts, interactions, parsing

    app = context.get(ctx)
    owner_id = app.owner_id()
    tz = app.settings.get("me.time_zone") or parsing.local_zone_name()
    data = interactions.InteractionCreate(
        participant_ids=[], occurred_at=datetime.now(UTC), format=format or "other",
        initiated_by=initiated_by, topics=list(topic), notes=notes, summary=summary,
        depth=depth, duration_minutes=duration,
        gave=[interactions.parse_value(v) for v in gave],
        received=[interactions.parse_value(v) for v in received],
    )
    if at:
        data.occurred_at = parsing.moment(at, tz=tz)
    due_date = parsing.calendar_date(due, what="due date") if due else None
    data.next_steps = [(step, due_date) for step in next_]
    rules = interactions.QualifyingRules.from_settings(app.settings)
    with app.db().transaction() as session:
        data.participant_ids = [contacts.resolve(session, owner_id=owner_id, ref=r).id
                                for r in with_]
        if text:
            from tiekeep.cli.freetext_prompt import understand

            understand(app, session, owner_id=owner_id, text=text, data=data, tz=tz,
                       explicit_format=format is not None, explicit_at=at is not None,
                       confirm=not yes)
        if not data.participant_ids:
            raise InvalidInput("say who it was with: --with REF, or name them in the text")
        interaction = interactions.log(session, owner_id=owner_id, data=data, rules=rules)
        result = interactions.to_dict(interaction)
    if json_out:
        render.emit_json(app, result)
    else:
        names = ", ".join(p["name"] for p in result["participants"])
        render.plain(app, f"Logged {result['format']} with {names} on "
                          f"{result['occurred_at'][:16].replace('T', ' ')} UTC (#{result['id']})")


def register(app: typer.Typer) -> None:
    app.command("log")(log)
