"""`tiekeep digest [--send]`: the agenda as one mail."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render


def digest(
    ctx: typer.Context,
    send: Annotated[bool, typer.Option("--send", help="Send it over SMTP (smtp.* settings) "
                                       "to digest.to, once per period.")] = False,
    date_: Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD (default: "
                                              "today in your time zone).")] = None,
) -> None:
    """Render the agenda as a mail digest; with --send, mail it (failures retry next run)."""
    from tiekeep.adapters import notify
    from tiekeep.services import agenda, parsing
    from tiekeep.services import digest as service

    app = context.get(ctx)
    owner_id = app.owner_id()
    config = agenda.AgendaConfig.from_settings(app.settings)
    day = parsing.calendar_date(date_) if date_ else config.today()
    schedule = str(app.settings["digest.schedule"]).strip().lower()
    with app.db().reading() as session:
        mail = service.prepare(session, owner_id=owner_id, today=day, config=config,
                               schedule=schedule)
        already = service.sent_at(session, owner_id=owner_id, period=mail.period_key)
    if not send:
        app.out.file.write(f"Subject: {mail.subject}\n\n{mail.text}")  # a mail is not rewrapped
        app.out.file.flush()
        return
    if already is not None and already.sent_at is not None:
        render.plain(app, f"The digest for {mail.period_key} went out already "
                          f"({already.sent_at:%Y-%m-%d %H:%M} UTC).")
        return
    if not mail.items:
        render.plain(app, f"Nothing on the agenda for {day}; no mail sent.")
        return
    smtp = notify.SmtpConfig.from_settings(app.settings)
    to = service.recipient(app.settings)
    error: notify.DeliveryError | None = None
    try:
        notify.send(mail.message(sender=smtp.sender, to=to), smtp)
    except notify.DeliveryError as exc:
        error = exc
    with app.db().transaction() as session:
        service.record_attempt(session, owner_id=owner_id, period=mail.period_key,
                               error=error.message if error else None)
    if error is not None:
        raise error  # reported on one line, exit 2; the next run retries
    render.plain(app, f"Sent the digest for {mail.period_key} to {to} "
                      f"({len(mail.items)} items).")


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
