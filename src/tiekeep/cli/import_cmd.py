"""`tiekeep import`, `tiekeep export` and `tiekeep contact duplicates`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from tiekeep.adapters.registry import EXPORTERS, IMPORTERS
from tiekeep.cli import context, render
from tiekeep.cli.contact_cmd import contact_app
from tiekeep.cli.context import AppContext

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@contextmanager
def _progress(app: AppContext, path: Path, quiet: bool) -> Iterator[
        tuple[Callable[[int], None], Callable[[int], None]]]:
    """A Rich progress bar on stderr: bytes read (when the reader says) and records seen."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    total = path.stat().st_size if path.is_file() else None
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[records]} records"), TimeElapsedColumn(),
                  console=app.err, transient=True,
                  disable=quiet or not app.err.is_terminal) as progress:
        task = progress.add_task(f"importing {path.name}", total=total, records=0)
        yield (lambda done: progress.update(task, completed=done),
               lambda count: progress.update(task, records=count))
        progress.update(task, completed=total or 0)


def import_(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="What the file is: "
                                        + ", ".join(sorted(IMPORTERS)) + ".")],
    path: Annotated[Path, typer.Argument(help="The file (or folder) to import.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write "
                                          "nothing.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Reject the whole file if any "
                                         "record in it is bad.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
    = False,
) -> None:
    """Import contacts and interactions; the summary lists what was created, merged, skipped."""
    from tiekeep.services import importing, interactions, parsing

    app = context.get(ctx)
    owner_id, username = app.owner()
    options: dict[str, Any] = {
        "my_emails": app.settings.my_emails, "settings": app.settings,
        "timezone": app.settings.get("me.time_zone") or parsing.local_zone_name(),
    }
    rules = interactions.QualifyingRules.from_settings(app.settings)
    with _progress(app, path, quiet=json_out) as (on_bytes, on_record):
        options["progress"] = on_bytes
        with app.db().transaction() as session:
            summary = importing.run(session, owner_id=owner_id, kind=kind, path=path,
                                    options=options, dry_run=dry_run, strict=strict,
                                    actor=username, rules=rules, on_record=on_record)
            result = summary.to_dict()
    if json_out:
        render.emit_json(app, result)
    else:
        _print_summary(app, result)


def _line(app: AppContext, text: str) -> None:
    """One line as it is: paths and counts are not wrapped to the terminal's width."""
    app.out.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_summary(app: AppContext, result: dict[str, Any]) -> None:
    head = "Dry run (nothing written)" if result["dry_run"] else "Imported"
    _line(app, f"{head}: {result['kind']} from {result['path']}")
    _line(app, " · ".join(f"{result[k]} {k.replace('_', ' ')}" for k in (
        "created", "updated", "merged", "unchanged", "skipped", "interactions",
        "role_changes")))
    if result["skipped_records"]:
        app.out.print(render.table(f"skipped ({result['skipped']})", ["where", "reason"],
                                   [[s["where"], s["reason"]] for s in result["skipped_records"]]))
    if result["notes"]:
        app.out.print(render.table("values left out", ["where", "reason"],
                                   [[s["where"], s["reason"]] for s in result["notes"]]))
    if result["uncertain"]:
        rows = [[u["where"], f"{_ref(u['contact_id'])}{u['name']}",
                 "; ".join(f"{_ref(c['id'])}{c['name']} ({c['score']:g}: "
                           f"{', '.join(c['evidence'])})" for c in u["candidates"])]
                for u in result["uncertain"]]
        app.out.print(render.table(f"possible duplicates, not merged ({result['uncertain_total']})"
                                   , ["where", "imported as", "may be"], rows))
        _line(app, "Merge the same person with: tiekeep contact merge KEEP OTHER")


def _ref(contact_id: int | None) -> str:
    return f"#{contact_id} " if contact_id is not None else ""


def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="What to write: "
                                        + ", ".join(sorted(EXPORTERS)) + ".")],
    path: Annotated[Path, typer.Argument(help="The file to write (a folder for markdown).")],
    version: Annotated[str | None, typer.Option("--version", help="vCard version: 3.0 or "
                                                "4.0 (default 3.0).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
    = False,
) -> None:
    """Export contacts (vcard, csv), the whole account (json) or a Markdown vault."""
    from tiekeep.services import importing

    app = context.get(ctx)
    owner_id = app.owner_id()
    options: dict[str, Any] = {"settings": app.settings}
    if version is not None:
        options["version"] = version
    with app.db().reading() as session:
        result = importing.export(session, owner_id=owner_id, kind=kind, path=path,
                                  options=options)
    if json_out:
        render.emit_json(app, result)
    else:
        _line(app, f"Exported {kind} to {path}: " + ", ".join(
            f"{v} {k}" for k, v in result.items() if isinstance(v, int)))


@contact_app.command("duplicates")
def duplicates(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(help="At most this many pairs.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List contacts that are likely the same person, with a score and the evidence."""
    from tiekeep.services import identity

    app = context.get(ctx)
    owner_id = app.owner_id()
    with app.db().reading() as session:
        pairs = [p.to_dict() for p in identity.duplicates(session, owner_id=owner_id)]
    pairs = pairs[:limit] if limit is not None else pairs
    if json_out:
        render.emit_json(app, pairs)
        return
    app.out.print(render.table(f"{len(pairs)} likely duplicates", ["score", "contact", "and",
                                                                   "evidence"],
                               [[f"{p['score']:g}", f"#{p['a']['id']} {p['a']['name']}",
                                 f"#{p['b']['id']} {p['b']['name']}", "; ".join(p["evidence"])]
                                for p in pairs]))
    if pairs:
        _line(app, "Merge with: tiekeep contact merge KEEP OTHER")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
