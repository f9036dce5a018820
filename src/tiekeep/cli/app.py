"""The root `tiekeep` command: global options, error translation, and the command modules."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tiekeep.cli.context import AppContext
from tiekeep.errors import EXIT_USAGE, TiekeepError


class TiekeepGroup(TyperGroup):
    """Turns every TiekeepError raised below into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TiekeepError as exc:
            app = ctx.find_root().obj
            stream = app.err.file if isinstance(app, AppContext) else sys.stderr
            # Written raw: Rich would wrap a long message over several lines.
            stream.write(f"error: {exc.message}\n")
            stream.flush()
            raise typer.Exit(EXIT_USAGE) from None
        finally:
            app = ctx.find_root().obj
            if isinstance(app, AppContext):
                app.close()


app = typer.Typer(
    cls=TiekeepGroup,
    help="tiekeep: keep your professional relationships alive.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="SQLite path or SQLAlchemy URL "
                                    "(env TIEKEEP_DB).")] = "",
    user: Annotated[str, typer.Option("--user", help="Act as this user (env TIEKEEP_USER; "
                                      "default: the first user).")] = "",
) -> None:
    """Keep in touch with the people who matter: who to reach now, and why."""
    from tiekeep.settings import load_settings

    if isinstance(ctx.obj, AppContext):  # tests may hand in their own context
        ctx.obj.db_target = db or ctx.obj.db_target
        ctx.obj.user_name = user or ctx.obj.user_name
        return
    settings = load_settings()
    ctx.obj = AppContext(
        settings=settings,
        db_target=db or str(settings.get("db") or ""),
        user_name=user or str(settings.get("user") or ""),
    )


def _register() -> None:
    """Attach the command modules. Each module exposes `register(app)`."""
    from tiekeep.cli import (
        agenda_cmd,
        backup_cmd,
        contact_cmd,
        demo_cmd,
        digest_cmd,
        import_cmd,
        log_cmd,
        misc_cmd,
        records_cmd,
        resource_cmd,
        serve_cmd,
        stats_cmd,
        user_cmd,
    )

    for module in (contact_cmd, log_cmd, records_cmd, demo_cmd, user_cmd, misc_cmd, serve_cmd,
                   import_cmd, agenda_cmd, resource_cmd, digest_cmd, backup_cmd, stats_cmd):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="tiekeep")
    except TiekeepError as exc:  # raised before a command ran (e.g. a bad config file)
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
