"""The root `tiekeep` command: global options, error translation, and the command modules."""

from __future__ import annotations

import importlib
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


# The command modules in --help order, with the top-level commands each one adds.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "contact_cmd": ("contact",),
    "log_cmd": ("log",),
    "records_cmd": ("role", "value", "followup", "plan"),
    "demo_cmd": ("demo",),
    "user_cmd": ("user", "token"),
    "misc_cmd": ("run", "config"),
    "serve_cmd": ("serve",),
    "import_cmd": ("import", "export"),
    "agenda_cmd": ("today", "done", "snooze"),
    "resource_cmd": ("resource",),
    "digest_cmd": ("digest",),
    "backup_cmd": ("backup", "restore"),
    "stats_cmd": ("stats", "review", "graph", "goal"),
}
GLOBAL_OPTIONS_WITH_VALUE = {"--db", "--user"}


def build(command: str | None = None) -> typer.Typer:
    """The root command with every subcommand, or only the module that defines `command`."""
    app = typer.Typer(
        cls=TiekeepGroup,
        help="tiekeep: keep your professional relationships alive.",
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(root)
    for module, names in COMMAND_MODULES.items():
        if command is None or command in names:
            importlib.import_module(f"tiekeep.cli.{module}").register(app)
    return app


def requested_command(args: list[str]) -> str | None:
    """The top-level command named in `args`, if it is one of ours."""
    words = iter(args)
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif word in ("-h", "--help"):
            return None
        elif not word.startswith("-"):
            known = any(word in names for names in COMMAND_MODULES.values())
            return word if known else None
    return None


def main() -> None:
    """Console-script entry point.

    Only the module of the command being run is loaded: Typer reads the signature of every
    command it is given, which took longer than the work of a quick command. Without a known
    command (--help, a typo) every module is loaded, so help and suggestions stay complete.
    """
    app = build(requested_command(sys.argv[1:]))
    try:
        app(prog_name="tiekeep")
    except TiekeepError as exc:  # raised before a command ran (e.g. a bad config file)
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
