"""`tiekeep config show` and `tiekeep run` (the main job that `make run` starts)."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render

config_app = typer.Typer(help="The effective configuration.", no_args_is_help=True)


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print every setting with its value and where it came from (secrets masked)."""
    from tiekeep.settings import SETTINGS

    app = context.get(ctx)
    values = app.settings.masked()
    if json_out:
        render.emit_json(app, values)
        return
    render.plain(app, f"config file: {app.settings.path}")
    app.out.print(render.table(None, ["key", "value", "from", "environment variable"],
                               [[s.key, values[s.key], app.settings.sources[s.key], s.env_name]
                                for s in SETTINGS]))


def run(ctx: typer.Context) -> None:
    """The main job: open (or create) the database and show today's agenda."""
    app = context.get(ctx)
    app.owner_id()
    render.plain(app, f"database: {app.database_target}")
    from tiekeep.cli import agenda_cmd

    ctx.invoke(agenda_cmd.today)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.command("run")(run)
