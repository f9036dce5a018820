"""Reading import files line by line, streaming: byte order marks, UTF-16, line ends, NULs.

Exports from real clients mix encodings (a UTF-8 file with one Latin-1 line, CRLF or bare CR
line ends, a UTF-16 file with a byte order mark). The readers here yield numbered physical
lines so that every message can name its line, and refuse what is not text at all.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
        stream = self._stream
        head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
        if head.startswith(_BOMS_16):
            text = io.TextIOWrapper(stream, encoding="utf-16", newline="")
            try:
                while line := text.readline(MAX_LINE):
                    yield line.encode("utf-8")
            except UnicodeDecodeError:
                raise ImportRejected(f"{self.path}, line {self.number + 1}: not valid UTF-16 "
                                     "although the file starts with a UTF-16 mark") from None
            finally:
                # Left for the stream's owner to close; if it already has (a reader given
                # up on early), there is nothing to detach from.
                with suppress(ValueError):
                    text.detach()
            return
        if head.startswith(b"\xef\xbb\xbf"):
            stream.read(3)
        while raw := stream.readline(MAX_LINE):
            yield raw

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


class CsvRows:
    """The records of a CSV file with the line each starts on; truncation is an error.

    The delimiter (comma, semicolon or tab) is the one the first line uses most. Lines are
    decoded one by one (see ``decode``), so one legacy line does not spoil the file.
    """

    MAX_RECORD_LINES = 5000

    def __init__(self, lines: Lines, label: str) -> None:
        self.lines = lines
        self.label = label
        self._raw: list[bytes] = []
        self.delimiter = ","

    def _text(self) -> Iterator[str]:
        for number, raw in self.lines:
            if number == 1:
                self.delimiter = _delimiter(decode(raw))
            self._raw.append(raw)
            if len(self._raw) > self.MAX_RECORD_LINES:
                raise ImportRejected(f"{self.label}: line {number - len(self._raw) + 1}: a "
                                     "quoted field never ends (a stray quote?)")
            yield decode(raw) + "\n"

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        import csv

        csv.field_size_limit(MAX_LINE)
        text = self._text()
        first = next(text, None)
        if first is None:
            return
        reader = csv.reader(_chain(first, text), delimiter=self.delimiter)
        previous = 0
        held: tuple[int, list[str]] | None = None
        last: list[bytes] = []
        try:
            for fields in reader:
                if held is not None:
                    yield held
                start = previous + 1
                previous = reader.line_num
                held = (start, fields)
                last = self._raw
                self._raw = []
        except csv.Error as exc:
            raise ImportRejected(f"{self.label}: line {reader.line_num}: {exc}") from None
        if held is not None:
            # The csv module ends a quoted field silently at the end of the file; read the
            # last record again, strictly, to tell a truncated file from a complete one.
            try:
                list(csv.reader([decode(b"\n".join(last))], delimiter=self.delimiter,
                                strict=True))
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise ImportRejected(
                        f"{self.label}: line {held[0]}: a quoted field is not closed before "
                        "the end (the file looks truncated)") from None
            yield held


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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


class Columns(dict[tuple[str, ...], tuple[int, ...]]):
    """The positions of the columns with these names (in the order given), found once per
    file rather than once per cell."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.index: dict[str, int] = {}
        for position, name in enumerate(names):
            self.index.setdefault(name, position)
        self._matching: dict[re.Pattern[str], tuple[int, ...]] = {}

    def __missing__(self, keys: tuple[str, ...]) -> tuple[int, ...]:
        found = self[keys] = tuple(self.index[k] for k in keys if k in self.index)
        return found

    def matching(self, pattern: re.Pattern[str]) -> tuple[int, ...]:
        """The positions of every column whose name matches."""
        found = self._matching.get(pattern)
        if found is None:
            found = self._matching[pattern] = tuple(
                i for k, i in self.index.items() if pattern.match(k))
        return found
