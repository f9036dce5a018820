"""Reading an .ics file's content lines: its text encoding, physical lines, unfolding, and
icalendar's splitting of a line, remembered for the lines that repeat."""

from __future__ import annotations

import codecs
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import IO

from icalendar.parser.content_line import Contentline
from icalendar.parser.parameter import Parameters

_BOM = b"\xef\xbb\xbf"

Line = tuple[int, int, str]  # (line number, byte offset of that line, unfolded text)


def file_codec(file: IO[bytes]) -> tuple[str, str]:
    """UTF-8 when the whole file decodes as UTF-8, else cp1252 (undefined bytes replaced)."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", "replace"
    finally:
        file.seek(0)
    return "utf-8", "strict"


def physical_lines(file: IO[bytes], offset: int,
                   codec: tuple[str, str]) -> Iterator[tuple[int, str]]:
    """(byte offset, text) of each physical line from ``offset``; CR, LF and CRLF end one."""
    file.seek(offset)
    name, errors = codec
    for raw in file:
        start = offset
        offset += len(raw)
        if start == 0 and raw.startswith(_BOM):
            raw = raw[3:]
            start = 3
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        if b"\r" not in raw:
            yield start, raw.decode(name, errors)
            continue
        for piece in raw.split(b"\r"):
            yield start, piece.decode(name, errors)
            start += len(piece) + 1


def unfolded(physical: Iterator[tuple[int, str]], number: int) -> Iterator[Line]:
    """Content lines, each with the number and offset of the physical line it starts on."""
    current: list[str] = []
    first = (0, 0)
    for offset, text in physical:
        if text[:1] in (" ", "\t") and current:
            current.append(text[1:])
        elif text:
            if current:
                yield first[0], first[1], "".join(current)
            current = [text]
            first = (number, offset)
        number += 1
    if current:
        yield first[0], first[1], "".join(current)


def split_line(text: str) -> tuple[str, Parameters, str]:
    """``Contentline.parts``, remembered: attendees, organizers and BEGIN lines repeat a lot.

    Splitting a line is most of icalendar's parsing time. Each caller gets its own copy of the
    parameters, which the parsed value keeps.
    """
    name, params, value = _parts(text)
    return name, _copy(params), value


@lru_cache(maxsize=4096)
def _parts(text: str) -> tuple[str, Parameters, str]:
    return Contentline(text).parts()  # type: ignore[no-any-return]


def _copy(params: Parameters) -> Parameters:
    """A copy of parsed parameters, whose keys are upper case already.

    ``Parameters.copy`` upper-cases every key again, which costs more than splitting the line.
    """
    copy = Parameters()
    for key, value in params.items():
        OrderedDict.__setitem__(copy, key, value)
    return copy


def line_structure(text: str) -> tuple[str, str] | None:
    """("BEGIN" or "END", component name) when icalendar reads the line as one, else None."""
    head = text[:1]
    if head not in "BbEe" and not head.isspace():
        return None
    name = text.split(":", 1)[0].split(";", 1)[0]
    if "".join(name.split()).upper() not in ("BEGIN", "END"):
        return None
    try:
        name, _, value = split_line(text)
    except ValueError:
        return None
    return name.upper(), value.upper()
