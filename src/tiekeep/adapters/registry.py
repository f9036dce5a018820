"""The importers and exporters, registered by name; the CLI, the web forms and the docs read
this table. Each entry names a function lazily ("module:function") so that listing them
imports nothing heavy.

- An importer is ``read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]``: it
  yields ``adapters.records`` objects one at a time and raises ``ImportRejected`` (naming the
  file and the line or record) for a file it cannot read at all.
- A restoring importer (``restores=True``, the JSON backup) is ``restore(session, *,
  owner_id: int, path: Path, options: Mapping[str, Any]) -> dict[str, Any]``: it writes the
  whole account itself, inside the caller's transaction, and returns the import summary.
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
    restores: bool = False

    def load(self) -> Callable[..., Any]:
        module, _, function = self.target.partition(":")
        return getattr(import_module(module), function)  # type: ignore[no-any-return]


IMPORTERS: dict[str, Adapter] = {}
EXPORTERS: dict[str, Adapter] = {}


def _importer(name: str, target: str, help: str, restores: bool = False) -> None:
    IMPORTERS[name] = Adapter(name, target, help, restores)


def _exporter(name: str, target: str, help: str) -> None:
    EXPORTERS[name] = Adapter(name, target, help)


_exporter("ical", "tiekeep.adapters.ics_export:export",
          "Follow-ups, planned meetings and due reminders as an iCalendar file.")


_importer("vcard", "tiekeep.adapters.vcard:read",
          "vCard 2.1, 3.0 or 4.0 (.vcf) from any address book; many cards per file.")
_importer("linkedin", "tiekeep.adapters.linkedin:read",
          "LinkedIn data export: Connections.csv, messages.csv, or the export's folder or zip.")
_importer("csv", "tiekeep.adapters.csv_contacts:read",
          "Contacts CSV from Google, Outlook or Thunderbird (told apart by the header).")
_importer("ical", "tiekeep.adapters.ical:read",
          "iCalendar (.ics): each past meeting occurrence with attendees.")
_importer("mail", "tiekeep.adapters.mail:read",
          "Mail: an mbox file, an .eml message, or a folder of them.")
_importer("slack", "tiekeep.adapters.slack:read",
          "Slack export folder (or zip): direct messages and threads, one a day per person.")
_importer("json", "tiekeep.adapters.backup:restore",
          "A tiekeep JSON backup, restored whole into an empty account.", restores=True)

_exporter("vcard", "tiekeep.adapters.vcard_export:export",
          "Contacts as vCards (--version 3.0 or 4.0).")
_exporter("json", "tiekeep.adapters.backup:export",
          "The whole account as a JSON backup (import json restores it exactly).")
_exporter("markdown", "tiekeep.adapters.markdown:export",
          "An Obsidian-style vault: one note per contact, with [[links]] between people.")
_exporter("csv", "tiekeep.adapters.csv_export:export",
          "Contacts as a CSV for spreadsheets (formula-safe).")
