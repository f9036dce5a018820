"""`tiekeep backup FILE` and `tiekeep restore FILE`: verified copies of a SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tiekeep.cli import context, render
from tiekeep.errors import EXIT_FAILURE


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if it "
                                         "exists, once the new copy is verified).")],
) -> None:
    """Copy the SQLite database to FILE, safe while the server runs (PostgreSQL: pg_dump)."""
    from tiekeep.services import snapshots

    app = context.get(ctx)
    source = snapshots.sqlite_path(app.database_target, verb="backup")
    info = snapshots.backup(source=source, destination=file)
    render.plain(app, f"Backed up {source} to {info.path} ({info.describe()}; verified)")


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by `tiekeep backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
    = False,
) -> None:
    """Replace the SQLite database with a verified backup; the current one is kept as .bak."""
    from tiekeep.services import snapshots

    app = context.get(ctx)
    target = snapshots.sqlite_path(app.database_target, verb="restore")

    def confirm(info: snapshots.SnapshotInfo) -> bool:
        return yes or typer.confirm(f"Replace {target} with {file} ({info.describe()})?",
                                    default=False, err=True)

    result = snapshots.restore(snapshot=file, target=target, confirm=confirm)
    if result is None:
        render.plain(app, "Nothing restored.")
        raise typer.Exit(EXIT_FAILURE)
    kept = f"; the previous database is in {result.previous}" if result.previous else ""
    render.plain(app, f"Restored {target} from {file} ({result.snapshot.describe()}){kept}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
