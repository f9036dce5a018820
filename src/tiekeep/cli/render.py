"""Rendering helpers shared by the commands: JSON output and Rich tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from rich.table import Table

from tiekeep.cli.context import AppContext


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def emit_json(app: AppContext, data: Any) -> None:
    """Write data as JSON to stdout, unwrapped and with non-ASCII kept as is."""
    app.out.file.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")
    app.out.file.flush()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A Rich table with plain-text cells (markup in user data is never interpreted)."""
    from rich.text import Text

    grid = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    return grid


def short_date(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def plain(app: AppContext, message: str) -> None:
    """Print a line of text with no markup interpretation."""
    app.out.print(message, markup=False, highlight=False, soft_wrap=True)
