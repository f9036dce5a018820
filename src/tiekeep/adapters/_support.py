"""Helpers the interaction readers share: their options, and text that survives bad bytes."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tiekeep.errors import ImportRejected

# Outlook and old mailers name charsets that Python knows under other names, or not at all.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "gb2312": "gb18030",  # a superset, which real "gb2312" mail often needs
    "x-gbk": "gbk",
    "unicode-1-1-utf-7": "utf-7",
}

# Magic numbers of files people pass by mistake; named so the error can say what it got.
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an OLE2 file (Outlook .msg or Office document)"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"SQLite format 3", "an SQLite database"),
)


@dataclass(frozen=True)
class ReaderOptions:
    """The options every interaction reader understands, validated once."""

    my_emails: frozenset[str]
    now: datetime
    my_slack_ids: frozenset[str]


def reader_options(options: Mapping[str, Any]) -> ReaderOptions:
    """Normalise ``options``: my addresses lower-cased, ``now`` aware and in UTC."""
    given = options.get("my_emails") or ()
    if isinstance(given, str):  # "a@x, b@y", as TIEKEEP_MY_EMAILS spells it
        given = given.split(",")
    emails = frozenset(str(e).strip().lower() for e in given if str(e).strip())
    now = options.get("now") or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    ids = options.get("my_slack_ids") or ()
    slack_ids = frozenset(str(s).strip() for s in (ids.split(",") if isinstance(ids, str) else ids)
                          if str(s).strip())
    return ReaderOptions(emails, now.astimezone(UTC), slack_ids)


def charset_name(charset: str | None) -> str | None:
    """A codec name Python knows for ``charset``, or None when there is none."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charsets: Iterable[str | None] = ()) -> str:
    """Text from ``data``: the first declared charset that fits, then UTF-8, then cp1252."""
    for charset in (*charsets, "utf-8"):
        codec = charset_name(charset)
        if codec is None:
            continue
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 is what most non-UTF-8 Western files are; undefined bytes become U+FFFD.
    return data.decode("cp1252", errors="replace")


def sniff_binary(path: Path, head: bytes) -> str | None:
    """What kind of non-text file ``head`` starts, or None when it may be text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data"
    return None


def reject(path: Path, where: str | int | None, message: str) -> ImportRejected:
    """An ImportRejected whose one line names the file and the line or record."""
    if where is None:
        return ImportRejected(f"{path}: {message}")
    if isinstance(where, int):
        return ImportRejected(f"{path}: line {where}: {message}")
    return ImportRejected(f"{path}: {where}: {message}")
