"""`tiekeep user add/list/set` and `tiekeep token create`: accounts and API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiekeep.cli import context, render

if TYPE_CHECKING:
    from tiekeep.core.models import User

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


def _row(user: User) -> dict[str, Any]:
    """A user as `user list --json` and `user set --json` print it (phone_region null: not
    set, the system locale's territory applies)."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "time_zone": user.time_zone, "locale": user.locale,
            "phone_region": user.phone_region}


def _region_cell(region: str | None, default: str) -> str:
    return region or f"{default} (default)"


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the users of this installation."""
    from tiekeep.services import parsing, users

    app = context.get(ctx)
    with app.db().reading() as session:
        rows = [_row(u) for u in users.list(session)]
    if json_out:
        render.emit_json(app, rows)
        return
    default = parsing.local_phone_region()
    app.out.print(render.table(
        "Users", ["id", "username", "name", "time zone", "language", "phone region"],
        [[r["id"], r["username"], r["display_name"], r["time_zone"], r["locale"] or "browser",
          _region_cell(r["phone_region"], default)] for r in rows]))


@user_app.command("set")
def user_set(
    ctx: typer.Context,
    phone_region: Annotated[str | None, typer.Option(
        "--phone-region", help="Country code (e.g. DE) in which phone numbers written "
        "without + are read; '' unsets it (the system locale's territory, else US).")] = None,
    time_zone: Annotated[str | None, typer.Option(
        "--time-zone", help="IANA time zone, e.g. Europe/Berlin.")] = None,
    locale: Annotated[str | None, typer.Option(
        "--locale", help="Language of the web pages: en, ru, or '' to follow the browser.")]
        = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Change the current user's preferences (all or nothing)."""
    from tiekeep.errors import InvalidInput
    from tiekeep.services import accounts, parsing, users

    app = context.get(ctx)
    if phone_region is None and time_zone is None and locale is None:
        raise InvalidInput("nothing to change (give --phone-region, --time-zone or --locale)")
    # One transaction, the first user's creation on a fresh install included: bad input
    # leaves nothing behind.
    with app.db().transaction() as session:
        owner = users.resolve_cli_user(session, username=app.user_name or None)
        row = _row(accounts.update_preferences(session, user_id=owner.id, locale=locale,
                                               time_zone=time_zone, phone_region=phone_region))
    if json_out:
        render.emit_json(app, row)
        return
    render.plain(app, f"{row['username']}: phone region "
                      f"{_region_cell(row['phone_region'], parsing.local_phone_region())}, "
                      f"time zone {row['time_zone']}, language {row['locale'] or 'browser'}")


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
