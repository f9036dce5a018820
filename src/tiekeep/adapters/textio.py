"""Reading import files line by line, streaming: byte order marks, UTF-16, line ends, NULs.

Exports from real clients mix encodings (a UTF-8 file with one Latin-1 line, CRLF or bare CR
line ends, a UTF-16 file with a byte order mark). The readers here yield numbered physical
lines so that every message can name its line, and refuse what is not text at all.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tiekeep.errors import ImportRejected

MAX_LINE = 16 * 2**20
_BOMS_16 = (b"\xff\xfe", b"\xfe\xff")


class Lines:
    """The numbered lines of one file, as bytes without their line ends."""

    def __init__(self, path: Path, stream: IO[bytes]) -> None:
        self.path = path
        self._stream = stream
        self.number = 0

    def position(self) -> int:
        """How many bytes of the file have been read so far."""
        try:
            return self._stream.tell()
        except (OSError, ValueError):
            return 0

    def _source(self) -> Iterator[bytes]:
        head = self._stream.read(4)
        if head.startswith(_BOMS_16):
            self._stream.seek(0)
            text = io.TextIOWrapper(self._stream, encoding="utf-16", newline="")
            try:
                while line := text.readline(MAX_LINE):
                    yield line.encode("utf-8")
            except UnicodeDecodeError:
                raise ImportRejected(f"{self.path}, line {self.number + 1}: not valid UTF-16 "
                                     "although the file starts with a UTF-16 mark") from None
            finally:
                text.detach()
            return
        self._stream.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)
        while line := self._stream.readline(MAX_LINE):
            yield line

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        for raw in self._source():
            if len(raw) >= MAX_LINE and not raw.endswith(b"\n"):
                raise ImportRejected(f"{self.path}, line {self.number + 1}: a line longer than "
                                     f"{MAX_LINE // 2**20} MB; this is not a text file")
            body = raw.rstrip(b"\r\n")
            # Old Mac files end lines with a bare CR.
            for part in body.split(b"\r") if b"\r" in body else (body,):
                self.number += 1
                if b"\x00" in part:
                    raise ImportRejected(
                        f"{self.path}, line {self.number}: NUL bytes; this is not a text file "
                        "(or it is UTF-16 without a byte order mark)")
                yield self.number, part


@contextmanager
def open_lines(path: Path) -> Iterator[Lines]:
    """The file's numbered lines; ImportRejected if it cannot be opened."""
    if not path.exists():
        raise ImportRejected(f"{path}: no such file")
    if not path.is_file():
        raise ImportRejected(f"{path}: not a file")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ImportRejected(f"{path}: cannot be read ({exc.strerror})") from None
    with stream:
        yield Lines(path, stream)


def decode(line: bytes) -> str:
    """A line as text: UTF-8, else Windows-1252 (legacy exports), else Latin-1."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def preview(line: bytes | str, width: int = 40) -> str:
    """The start of a line for an error message."""
    text = decode(line) if isinstance(line, bytes) else line
    text = text.strip().replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
