"""`tiekeep user add` and `tiekeep token create`: accounts and API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from tiekeep.cli import context, render

user_app = typer.Typer(help="Users of this installation.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
) -> None:
    """Add a user; the password is read from stdin (one line)."""
    from tiekeep.services import users

    app = context.get(ctx)
    password = app.stdin.readline().rstrip("\r\n") if not app.stdin.isatty() else \
        typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app.db().transaction() as session:
        user = users.create(session, username=name, password=password or None,
                            display_name=display_name)
        message = f"Added user {user.username} (#{user.id})"
    render.plain(app, message)


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the users of this installation."""
    from tiekeep.services import users

    app = context.get(ctx)
    with app.db().reading() as session:
        rows = [{"id": u.id, "username": u.username, "display_name": u.display_name}
                for u in users.list(session)]
    if json_out:
        render.emit_json(app, rows)
    else:
        app.out.print(render.table("Users", ["id", "username", "name"],
                                   [[r["id"], r["username"], r["display_name"]] for r in rows]))


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'backup script'.")],
) -> None:
    """Create an API token for the current user (sent as Authorization: Bearer TOKEN)."""
    from tiekeep.services import users

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().transaction() as session:
        token = users.create_token(session, owner_id=owner_id, name=name)
    app.out.file.write(token + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
