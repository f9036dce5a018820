"""`tiekeep today`, `done` and `snooze` (also `snooze --dismiss`): the agenda, and acting
on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiekeep.cli import context, render

if TYPE_CHECKING:
    from datetime import date

    from tiekeep.cli.context import AppContext
    from tiekeep.services.agenda import AgendaConfig

TABLE_LIMIT = 20

RefArg = Annotated[str, typer.Argument(help="Contact: id, email or name.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Act as of this day, YYYY-MM-DD "
                                             "(default: today in your time zone); `done` "
                                             "logs at its noon.")]


def _setup(ctx: typer.Context, day: str | None) -> tuple[AppContext, AgendaConfig, date]:
    """The app context, the agenda settings and the day to act on."""
    from tiekeep.services import agenda, parsing

    app = context.get(ctx)
    config = agenda.AgendaConfig.from_settings(app.settings)
    return app, config, parsing.calendar_date(day) if day else config.today()


def today(
    ctx: typer.Context,
    date_: DateOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most N items "
                                              f"(default: {TABLE_LIMIT}; every item with "
                                              "--json).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the agenda: whom to reach today and why, most urgent first."""
    from tiekeep.services import agenda

    app, config, day = _setup(ctx, date_)
    owner_id = app.owner_id()
    if limit is None and not json_out:
        limit = TABLE_LIMIT
    with app.db().reading() as session:
        items = agenda.build(session, owner_id=owner_id, today=day, config=config, limit=limit)
    if json_out:
        render.emit_json(app, [item.to_dict() for item in items])
        return
    if not items:
        render.plain(app, f"Nothing on the agenda for {day}.")
        return
    rows = [[n, item.kind + ("!" if item.urgent else ""), f"{item.contact_name} "
             f"(#{item.contact_id})", item.reason, _talk_about(item.suggestions)]
            for n, item in enumerate(items, start=1)]
    app.out.print(render.table(f"Agenda for {day:%a %d %b %Y} ({config.time_zone})",
                               ["#", "kind", "contact", "why", "talk about"], rows))
    if limit is not None and len(items) == limit:
        render.plain(app, f"The first {limit} items; --limit N or --json shows more.")


def _talk_about(suggestions: list[dict[str, Any]]) -> str:
    shown = []
    for suggestion in suggestions[:3]:
        text = suggestion["text"]
        shown.append(f"share “{text}”" if suggestion["kind"] == "resource" else text)
    return "; ".join(shown)


def done(
    ctx: typer.Context,
    ref: RefArg,
    format: Annotated[str, typer.Option("--format", help="call, chat, coffee, email, lunch, "
                                        "one_on_one, … (default: other).")] = "other",
    note: Annotated[str | None, typer.Option("--note", help="A note on what you talked "
                                             "about.")] = None,
    date_: DateOpt = None,
) -> None:
    """Log a quick interaction with a contact; it resets their cadence."""
    from tiekeep.services import agenda, contacts, dates, interactions

    app, config, day = _setup(ctx, date_)
    owner_id = app.owner_id()
    rules = interactions.QualifyingRules.from_settings(app.settings)
    at = None if day == config.today() else dates.noon(day, config.time_zone)
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        logged = agenda.done(session, owner_id=owner_id, contact_id=contact.id, today=day,
                             config=config, format=format, note=note, at=at, rules=rules)
        cadence = config.cadence(contact.tier, contact.cadence_days)
        message = f"Logged {logged.format} with {contact.display_name} (#{logged.id})"
        if not rules.qualifies(format=logged.format, attendee_count=logged.attendee_count):
            message += f"; a {logged.format} does not reset the cadence"
        elif cadence is not None:
            message += f"; next due in {cadence.ideal} days"
    render.plain(app, message)


def snooze(
    ctx: typer.Context,
    ref: RefArg,
    until: Annotated[str | None, typer.Option("--until", help="Hide until this day, "
                                              "YYYY-MM-DD.")] = None,
    days: Annotated[int | None, typer.Option("--days", help="Hide for N days.")] = None,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="Instead, dismiss the current "
                                          "date, role-change, project and give-first "
                                          "reminders (a date reminder for this year "
                                          "only).")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind of item: "
                                             "overdue, followup, date, role_change, "
                                             "project_ended, give_first (default: all).")]
    = None,
    date_: DateOpt = None,
) -> None:
    """Hide a contact's agenda items until a day, or dismiss its reminders."""
    from tiekeep.errors import InvalidInput

    if dismiss:
        if until is not None or days is not None:
            raise InvalidInput("--dismiss takes no --until or --days")
        _dismiss(ctx, ref, kind, date_)
        return
    from datetime import timedelta

    from tiekeep.services import agenda, contacts, parsing

    app, _config, day = _setup(ctx, date_)
    owner_id = app.owner_id()
    if (until is None) == (days is None):
        raise InvalidInput("say how long: --until DATE or --days N (or --dismiss)")
    if days is not None and days < 1:
        raise InvalidInput(f"--days must be at least 1, not {days}")
    end = parsing.calendar_date(until) if until else day + timedelta(days=days or 0)
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        agenda.snooze(session, owner_id=owner_id, contact_id=contact.id, until=end, today=day,
                      kind=kind or "*")
        what = f"{kind} items" if kind else "all items"
        message = f"Snoozed {contact.display_name} ({what}) until {end}"
    render.plain(app, message)


def _dismiss(ctx: typer.Context, ref: str, kind: str | None, date_: str | None) -> None:
    """`snooze --dismiss`: a date reminder goes for this year, a role change is
    acknowledged, a give-first nudge waits for the balance to change."""
    from tiekeep.services import agenda, contacts

    app, config, day = _setup(ctx, date_)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        contact = contacts.resolve(session, owner_id=owner_id, ref=ref)
        gone = agenda.dismiss(session, owner_id=owner_id, contact_id=contact.id, today=day,
                              config=config, kind=kind)
    if not gone:
        render.plain(app, f"Nothing to dismiss for {contact.display_name} on {day}.")
    for item in gone:
        suffix = f" (for {item.due.year} only)" if item.kind == "date" and item.due else ""
        render.plain(app, f"Dismissed: {contact.display_name}: {item.reason}{suffix}")


def register(app: typer.Typer) -> None:
    app.command("today")(today)
    app.command("done")(done)
    app.command("snooze")(snooze)
