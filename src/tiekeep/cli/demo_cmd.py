"""`tiekeep demo`: fill the database with a realistic demo network."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render


def demo(
    ctx: typer.Context,
    contacts: Annotated[int, typer.Option("--contacts", help="How many contacts.")] = 300,
    interactions: Annotated[int, typer.Option("--interactions", help="How many "
                                              "interactions.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed and day "
                                      "give the same network.")] = 1,
    today: Annotated[str | None, typer.Option("--today", help="The day the network ends on "
                                              "(default: today).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
    = False,
) -> None:
    """Fill the database with a demo network (Latin and Cyrillic names, every format)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TimeElapsedColumn,
    )

    from tiekeep.services import demo as demo_service
    from tiekeep.services import parsing

    app = context.get(ctx)
    owner_id = app.owner_id()
    day = parsing.calendar_date(today, what="date") if today else None
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=app.err,
                  disable=json_out or not app.err.is_terminal) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        with app.db().transaction() as session:
            summary = demo_service.generate(session, owner_id=owner_id, contacts=contacts,
                                            interactions=interactions, seed=seed, today=day,
                                            progress=report)
    if json_out:
        render.emit_json(app, summary.to_dict())
    else:
        render.plain(app, f"Demo network: {summary.contacts} contacts, {summary.interactions} "
                          f"interactions, {summary.values} value exchanges, "
                          f"{summary.followups} follow-ups, {summary.roles} roles.")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
