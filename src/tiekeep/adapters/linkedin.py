"""LinkedIn's data export: Connections.csv and messages.csv, alone, in a folder, or zipped.

Connections become contacts keyed by their profile URL (so a newer export finds them again
and a changed company or title becomes a role change), met "LinkedIn" on the day you
connected. Each message becomes a ``chat`` interaction in its conversation's thread; the
first message after the other side spoke answers their last one, which gives reply times.
The export does not say which participant is you: it is the one named like you (your display
name or user name), else the one present in every conversation.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

from tiekeep.adapters import textio
from tiekeep.adapters.keys import url_key
from tiekeep.adapters.records import (
    ContactRecord,
    InteractionRecord,
    PersonRef,
    Record,
    SkippedRecord,
)
from tiekeep.errors import ImportRejected

CONNECTIONS = ("first name", "last name")
MESSAGES = ("conversation id", "from", "date")
# What a connection's row holds, each column by the names LinkedIn has given it.
CONNECTION_COLUMNS = (("first name",), ("last name",), ("url", "profile url"),
                      ("email address", "email"), ("company",), ("position",),
                      ("connected on",))
HEADER_SEARCH = 30  # lines of "Notes:" preamble tolerated before the header
EXCERPT = 280
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Connections first, then messages, from a file, an export folder or its zip."""
    sources = list(_sources(path))
    if not sources:
        raise ImportRejected(f"{path}: no Connections.csv or messages.csv in it")
    connected: set[str] = set()  # names of my connections: whoever else talks is me
    for label, opener in sources:
        with opener() as stream:
            kind = _kind(label, stream)
        with opener() as stream:
            if kind == "connections":
                for record in _connections(label, stream):
                    if isinstance(record, ContactRecord):
                        connected.add(record.name.casefold())
                    yield record
            else:
                yield from _messages(label, opener, options, connected)


Opener = Any  # a callable returning a context manager over a binary stream


def _sources(path: Path) -> Iterator[tuple[str, Opener]]:
    """(label, opener) of each CSV to read, Connections before messages."""
    if not path.exists():
        raise ImportRejected(f"{path}: no such file or folder")
    if path.is_dir():
        files = {p.name.lower(): p for p in path.iterdir() if p.is_file()}
        for name in ("connections.csv", "messages.csv"):
            if name in files:
                yield str(files[name]), _file_opener(files[name])
        return
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = {Path(n).name.lower(): n for n in archive.namelist()}
        for name in ("connections.csv", "messages.csv"):
            if name in members:
                yield f"{path}:{members[name]}", _zip_opener(path, members[name])
        return
    yield str(path), _file_opener(path)


def _file_opener(path: Path) -> Opener:
    @contextmanager
    def opener() -> Iterator[IO[bytes]]:
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise ImportRejected(f"{path}: cannot be read ({exc.strerror})") from None
        with stream:
            yield stream
    return opener


def _zip_opener(path: Path, member: str) -> Opener:
    @contextmanager
    def opener() -> Iterator[IO[bytes]]:
        try:
            with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
                yield io.BufferedReader(cast(Any, raw))  # zip members lack peek()
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportRejected(f"{path}: the zip cannot be read ({exc})") from None
    return opener


def _rows(label: str, stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    return iter(textio.CsvRows(textio.Lines(Path(label), stream), label))


def _find_header(label: str, rows: Iterator[tuple[int, list[str]]]) -> tuple[str, list[str]]:
    """Skip the "Notes:" preamble; the header row names the columns of one of the two files."""
    for number, fields in rows:
        names = [f.strip().lower() for f in fields]
        if all(c in names for c in CONNECTIONS):
            return "connections", names
        if all(c in names for c in MESSAGES):
            return "messages", names
        if number >= HEADER_SEARCH:
            break
    raise ImportRejected(f"{label}: not a LinkedIn Connections.csv or messages.csv (no "
                         "header with First Name and Last Name, or CONVERSATION ID, FROM and "
                         "DATE)")


def _kind(label: str, stream: IO[bytes]) -> str:
    return _find_header(label, _rows(label, stream))[0]


class _Header:
    """A file's columns, and the values of a row by column name."""

    def __init__(self, names: list[str]) -> None:
        self.columns = textio.Columns(names)

    def get(self, fields: list[str], *keys: str) -> str:
        """The value of the first of these columns the header and the row have, stripped."""
        for index in self.columns[keys]:
            if index < len(fields):
                return fields[index].strip()
        return ""

    def values(self, fields: list[str], columns: tuple[tuple[str, ...], ...]) -> list[str]:
        """``get`` for each of these columns (each named by its alternatives)."""
        return [self.get(fields, *keys) for keys in columns]


@lru_cache(maxsize=4096)  # strptime is slow, and connections share their days
def parse_date(text: str) -> date | None:
    """A "Connected On" date in any of the forms LinkedIn has used."""
    value = text.strip()
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(value, form).date()
        except ValueError:
            continue
    return None


def _connections(label: str, stream: IO[bytes]) -> Iterator[Record]:
    name_of = Path(label.split(":")[-1]).name
    rows = _rows(label, stream)
    header = _Header(_find_header(label, rows)[1])
    for number, fields in rows:
        where = f"{name_of}, line {number}"
        if not any(f.strip() for f in fields):
            continue
        first, last, url, email, company, position, connected = header.values(
            fields, CONNECTION_COLUMNS)
        if not (first or last):
            yield SkippedRecord(where, "a connection without a name")
            continue
        record = ContactRecord(
            name=f"{first} {last}" if first and last else first or last,
            given_name=first or None, family_name=last or None, where=where,
            emails=[email] if email else [], organization=company or None,
            title=position or None, urls=[("linkedin", url)] if url else [],
            source_key=url_key(url) if url else None, how_met="LinkedIn",
        )
        if connected:
            record.met_on = parse_date(connected)
            if record.met_on is None:
                record.dropped.append(f"Connected On '{connected[:30]}' is not a date; left out")
        yield record


@dataclass
class _Message:
    conversation: str
    key: str
    at: datetime
    sender: str


def _messages(label: str, opener: Opener, options: Mapping[str, Any],
              connected: set[str]) -> Iterator[Record]:
    """Two passes: the first learns who is who and orders each conversation, flat in memory
    but for a few small tuples per message; the second yields the records."""
    name_of = Path(label.split(":")[-1]).name
    convs: dict[str, list[_Message]] = {}
    presence: Counter[str] = Counter()
    seen: dict[str, set[str]] = {}
    urls: dict[str, str] = {}
    without_url: set[str] = set()
    with opener() as stream:
        rows = _rows(label, stream)
        header = _Header(_find_header(label, rows)[1])
        for number, fields in rows:
            message = _message(header, fields, number)
            if message is None:
                continue
            people = {message.sender, *_recipients(header, fields)} - {""}
            known = seen.setdefault(message.conversation, set())
            presence.update(people - known)
            known.update(people)
            convs.setdefault(message.conversation, []).append(message)
            sender_url = header.get(fields, "sender profile url")
            if sender_url:
                urls.setdefault(message.sender, sender_url)
            else:
                without_url.add(message.sender)
    me = _me(label, presence, without_url, options, connected)
    parents: dict[str, str] = {}
    for messages in convs.values():
        messages.sort(key=lambda m: (m.at, m.key))
        for before, after in zip(messages, messages[1:], strict=False):
            if after.sender != before.sender:
                parents[after.key] = before.key
    with opener() as stream:
        rows = _rows(label, stream)
        _find_header(label, rows)
        for number, fields in rows:
            where = f"{name_of}, line {number}"
            message = _message(header, fields, number)
            if message is None:
                if any(f.strip() for f in fields):
                    yield SkippedRecord(where, "a message without a conversation, sender or "
                                               "readable DATE")
                continue
            others = [n for n in {message.sender, *_recipients(header, fields)} - {"", me}]
            if not others:
                yield SkippedRecord(where, "a message to yourself", by_rule=True)
                continue
            subject = header.get(fields, "subject")
            content = " ".join(header.get(fields, "content").split())
            yield InteractionRecord(
                source_key=message.key, occurred_at=message.at, format="chat",
                participants=[PersonRef(name=n, url=urls.get(n)) for n in sorted(others)],
                initiated_by="me" if message.sender == me else "them",
                summary=subject or (content[:EXCERPT] if content else None),
                attendee_count=len(others), thread_key=f"linkedin:{message.conversation}",
                in_reply_to_key=parents.get(message.key), where=where,
            )


def _message(header: _Header, fields: list[str], number: int) -> _Message | None:
    conversation = header.get(fields, "conversation id")
    sender = " ".join(header.get(fields, "from").split())
    raw_date = header.get(fields, "date")
    at = _timestamp(raw_date)
    if not conversation or not sender or at is None:
        return None
    content = header.get(fields, "content")
    digest = hashlib.sha1(f"{raw_date}\x00{sender}\x00{content}".encode(),
                          usedforsecurity=False).hexdigest()[:16]
    return _Message(conversation, f"{conversation}:{digest}", at, sender)


def _recipients(header: _Header, fields: list[str]) -> list[str]:
    to = header.get(fields, "to")
    urls = [u for u in header.get(fields, "recipient profile urls").split(",") if u.strip()]
    # Several recipients are listed with commas; a lone name may hold a comma itself.
    parts = to.split(",") if len(urls) > 1 else [to]
    return [" ".join(p.split()) for p in parts if p.strip()]


def _timestamp(text: str) -> datetime | None:
    value = text.strip().removesuffix("UTC").strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _me(label: str, presence: Counter[str], without_url: set[str],
        options: Mapping[str, Any], connected: set[str]) -> str:
    """Which participant is the owner of the export."""
    mine = {" ".join(str(n).split()).casefold() for n in options.get("my_names") or ()}
    for person in presence:
        if person.casefold() in mine:
            return person
    strangers = [p for p in presence if p.casefold() not in connected]
    if connected and len(strangers) == 1:
        return strangers[0]
    ranked = presence.most_common()
    if not ranked:
        return ""
    top = [p for p, count in ranked if count == ranked[0][1]]
    if len(top) == 1 and (ranked[0][1] > 1 or len(presence) <= 2):
        return top[0]
    unlinked = [p for p in top if p in without_url]
    if len(unlinked) == 1:
        return unlinked[0]
    raise ImportRejected(f"{label}: cannot tell which participant is you; import the whole "
                         "export (with Connections.csv), or give your user the display name "
                         "you have on LinkedIn")
