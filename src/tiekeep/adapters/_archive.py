"""A chat export as a folder or a .zip: its member names, and JSON read with line numbers."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from tiekeep.adapters._support import reject, sniff_binary
from tiekeep.errors import ImportRejected


class Archive:
    """The files of an export, by POSIX path relative to the export's root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self._names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.json")
                                 if p.is_file())
            return
        try:
            with path.open("rb") as file:
                head = file.read(4096)
        except OSError as error:
            raise reject(path, None, f"cannot read the file ({error.strerror})") from None
        if not head.startswith(b"PK\x03\x04"):
            what = sniff_binary(path, head) or "not a zip archive"
            raise reject(path, None, f"expected an export folder or .zip, but this is {what}")
        try:
            self._zip = zipfile.ZipFile(path)
            self._names = sorted(n for n in self._zip.namelist() if n.endswith(".json"))
        except (zipfile.BadZipFile, OSError) as error:
            raise reject(path, None, f"broken zip archive ({error})") from None

    def names(self) -> list[str]:
        """Every .json member, sorted."""
        return self._names

    def find(self, filename: str) -> str | None:
        """The shallowest member with this file name (exports are often zipped in a folder)."""
        found = [n for n in self._names if PurePosixPath(n).name == filename]
        return min(found, key=lambda n: (n.count("/"), n)) if found else None

    def where(self, name: str) -> str:
        """How a message names this member: the export, then the member inside it."""
        return f"{self.path}/{name}" if self._zip is None else f"{self.path}!{name}"

    def load(self, name: str) -> Any:
        """The member's JSON; ImportRejected naming the member, line and column if broken."""
        try:
            if self._zip is not None:
                data = self._zip.read(name)
            else:
                data = (self.path / name).read_bytes()
        except (OSError, zipfile.BadZipFile, KeyError) as error:
            raise ImportRejected(f"{self.where(name)}: cannot read ({error})") from None
        try:
            return json.loads(data)
        except json.JSONDecodeError as error:
            raise ImportRejected(f"{self.where(name)}: line {error.lineno} column "
                                 f"{error.colno}: malformed JSON ({error.msg})") from None
        except (UnicodeDecodeError, ValueError) as error:
            raise ImportRejected(f"{self.where(name)}: not JSON text ({error})") from None

    def close(self) -> None:
        """Release the zip file, if any."""
        if self._zip is not None:
            self._zip.close()
