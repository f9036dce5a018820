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
    """The main job: open (or create) the database and the first user, print a one-time
    login link, and serve the web app."""
    from tiekeep.cli import serve_cmd
    from tiekeep.services import accounts

    app = context.get(ctx)
    host = str(app.settings["web.host"])
    port = int(app.settings["web.port"])
    serve_cmd.check_exposure(app, host)
    with app.db().transaction() as session:
        user, created = accounts.ensure_user(session, username=app.user_name or None)
        token = accounts.create_login_link(session, user_id=user.id)
        username = user.username
    render.plain(app, f"database: {app.database_target}")
    if created:
        render.plain(app, f"created the first user: {username}")
    from urllib.parse import quote

    link = f"http://{serve_cmd._shown(host)}:{port}/login?token={quote(token)}"
    render.plain(app, f"Open this link to log in as {username} (it works once, for 24 hours):")
    app.out.file.write(f"    {link}\n")  # never wrapped: the link must stay whole
    app.out.file.flush()
    serve_cmd.start(app, host, port)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.command("run")(run)
