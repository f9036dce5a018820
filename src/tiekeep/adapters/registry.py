"""The importers and exporters, registered by name; the CLI, the web forms and the docs read
this table. Each entry names a function lazily ("module:function") so that listing them
imports nothing heavy.

- An importer is ``read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]``: it
  yields ``adapters.records`` objects one at a time and raises ``ImportRejected`` (naming the
  file and the line or record) for a file it cannot read at all.
- An exporter is ``export(session, *, owner_id: int, path: Path, options: Mapping[str, Any])
  -> dict[str, Any]``: it writes the file and returns a summary such as ``{"written": 12}``.
  ``options`` carries the command's options and ``"settings"`` (the effective Settings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Adapter:
    name: str
    target: str  # "module:function"
    help: str

    def load(self) -> Callable[..., Any]:
        module, _, function = self.target.partition(":")
        return getattr(import_module(module), function)  # type: ignore[no-any-return]


IMPORTERS: dict[str, Adapter] = {}
EXPORTERS: dict[str, Adapter] = {}


def _importer(name: str, target: str, help: str) -> None:
    IMPORTERS[name] = Adapter(name, target, help)


def _exporter(name: str, target: str, help: str) -> None:
    EXPORTERS[name] = Adapter(name, target, help)


_exporter("ical", "tiekeep.adapters.ics_export:export",
          "Follow-ups, planned meetings and due reminders as an iCalendar file.")
