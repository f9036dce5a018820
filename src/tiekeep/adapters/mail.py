"""Read mail: an mbox file, a single .eml/.msg message, or a folder of them (Maildir too).

Each message becomes an ``email`` InteractionRecord. Only the header block of a message is
read, split into fields the way ``email``'s compat32 header parser splits them, so memory
stays flat however large the mailbox or its attachments. Mailing-list,
bulk, automatic and no-reply mail is skipped by rule, as is mail without a usable Date.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from tiekeep.adapters._headers import (
    addresses,
    clean_subject,
    decode_words,
    message_ids,
    unfold,
)
from tiekeep.adapters._support import ReaderOptions, reader_options, reject, sniff_binary
from tiekeep.adapters.records import InteractionRecord, PersonRef, Record, SkippedRecord
from tiekeep.core.enums import Format, Initiator

_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_MBOX_SEPARATOR = re.compile(rb"^From \S")
# Robots and list machinery: no-reply senders, bounces, and Mailman's -request/owner- addresses.
_NO_REPLY = re.compile(r"^(?:.*no[-_.]?reply.*|do[-_.]?not[-_.]?reply.*|mailer-daemon|postmaster"
                       r"|bounces?(?:[+-].*)?|.*-(?:request|bounces?|owner)|owner-.*)@",
                       re.IGNORECASE)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list")
_CHARSET = re.compile(r"charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)
_MAX_HEADER_BYTES = 1 << 20  # a header block larger than this is not mail
_MAX_LINE = 16 << 20  # an mbox line longer than this is read in pieces
_BODY_CHUNK = 1 << 20  # a message body is skipped in reads of this size
_HEADER_PEEK = 1 << 14  # a header shorter than this is read at once, not line by line
# The line end before an empty line or a "From " line: where an mbox message's header ends.
_HEADER_STOP = re.compile(rb"\n(?:\r?\n|From )")
# What email's feedparser takes for a header line (its headerRE): a field name and a colon,
# a continuation, or an envelope "From " line. Anything else ends the header.
_FIELD_LINE = re.compile(r"From |[!-9;-~]*:|[\t ]")
# The line end before the first line that is not one of those: the end of the header.
_HEADER_END = re.compile(r"\n(?!From |[!-9;-~]*:|[\t ])")
# A named field and its continuation lines, when every line ends in "\n" or "\r\n".
_FIELD = re.compile(r"([!-9;-~]+):[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")  # the feedparser's line ends; \v or \f are not


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Yield an InteractionRecord per message (or a SkippedRecord saying why not)."""
    opts = reader_options(options)
    if path.is_dir():
        yield from _read_folder(path, opts)
        return
    kind = _kind(path)
    if kind == "mbox":
        yield from _read_mbox(path, opts)
    else:
        yield _read_message_file(path, opts)


def _kind(path: Path) -> str:
    """'mbox' or 'message', or ImportRejected when the file is neither."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError as error:
        raise reject(path, None, f"cannot read the file ({error.strerror})") from None
    what = sniff_binary(path, head)
    if what is not None:
        hint = "; save it as .eml" if "Outlook" in what else ""
        raise reject(path, None, f"this is {what}, not mail{hint}")
    # Some clients save a message behind blank or space-only lines; they carry nothing.
    lines = head.removeprefix(b"\xef\xbb\xbf").lstrip().splitlines()
    if not lines:
        raise reject(path, None, "the file is empty")
    if _MBOX_SEPARATOR.match(lines[0]):
        return "mbox"
    if _HEADER_LINE.match(lines[0]):
        return "message"
    shown = lines[0][:60].decode("utf-8", "replace")
    raise reject(path, 1, f"not a mail message or mbox (found '{shown}')")


def _read_folder(path: Path, opts: ReaderOptions) -> Iterator[Record]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
    if not files:
        raise reject(path, None, "no files in this folder")
    for file in files:
        try:
            kind = _kind(file)
        except Exception as error:  # one stray file does not spoil a folder of mail
            yield SkippedRecord(str(file), str(error).removeprefix(f"{file}: "))
            continue
        if kind == "mbox":
            yield from _read_mbox(file, opts)
        else:
            yield _read_message_file(file, opts)


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in file.relative_to(root).parts)


def _read_mbox(path: Path, opts: ReaderOptions) -> Iterator[Record]:
    number = 0
    try:
        with path.open("rb") as file:
            for number, header_block in enumerate(_mbox_headers(file), start=1):
                yield _record(header_block, f"{path}: message {number}", opts)
    except OSError as error:
        raise reject(path, f"message {number + 1}", f"cannot read ({error})") from None


def _mbox_headers(file: IO[bytes]) -> Iterator[bytes]:
    """The header block of each message of an mbox, read in one pass over the file.

    A message starts at every line that begins with "From " (where Python's mailbox splits
    them too) and its header block ends at the first empty line or at the next "From " line.
    Python's mailbox would first index every message of the file (memory that grows with
    it) and then read each again; here only the header being read is held, and a line is
    read in pieces of at most ``_MAX_LINE`` bytes, however large the file or its lines.
    Bodies, most of the bytes, are not read line by line but searched for the next
    separator in chunks of ``_BODY_CHUNK`` bytes.
    """
    header: list[bytes] | None = None  # the lines of the header being read; None in a body
    size = 0
    starts = True  # whether the next piece begins a line (a longer line comes in pieces)
    separator = False  # whether the line being read is a "From " line
    while True:
        if header is None:
            if not _skip_body(file, at_line_start=starts):
                break
            starts = True
        piece = file.readline(_MAX_LINE)
        if not piece:
            break
        begins, starts = starts, piece.endswith(b"\n")
        if begins:
            separator = piece.startswith(b"From ")
            if separator:
                if header is not None:
                    yield b"".join(header)
                header, size = [], 0
        if separator and starts:  # the "From " line has ended: try the header in one read
            block = _whole_header(file)
            if block is not None:
                yield block
                header = None
        if separator or header is None:
            continue
        if begins and piece in (b"\n", b"\r\n"):
            yield b"".join(header)
            header = None
            continue
        header.append(piece)
        size += len(piece)
        if size > _MAX_HEADER_BYTES:
            yield b"".join(header)
            header = None
    if header is not None:
        yield b"".join(header)


def _whole_header(file: IO[bytes]) -> bytes | None:
    """The header block that begins here, read at once when it ends within ``_HEADER_PEEK``
    bytes (at an empty line, a "From " line or the end of the file); else None, unmoved.

    The file is left where ``_mbox_headers`` would be after that header: past the empty
    line, or at the "From " line that begins the next message.
    """
    position = file.tell()
    peek = min(_HEADER_PEEK, _MAX_HEADER_BYTES)  # a header that fits is never cut short
    chunk = file.read(peek)
    if chunk.startswith((b"\n", b"\r\n", b"From ")):
        stop: int | None = 0
    else:
        found = _HEADER_STOP.search(chunk)
        stop = found.start() + 1 if found else None
    if stop is None:
        if len(chunk) < peek:  # the file ends within the header
            return chunk
        file.seek(position)
        return None
    if chunk.startswith(b"From ", stop):
        file.seek(position + stop)
    else:
        file.seek(position + chunk.index(b"\n", stop) + 1)
    return chunk[:stop]


def _skip_body(file: IO[bytes], *, at_line_start: bool) -> bool:
    """Move ``file`` to the next line that begins with "From "; False at the end of the file.

    Only lines of a body are passed over, which ``_mbox_headers`` would read and drop. Reads
    start small, as most bodies are, and grow to ``_BODY_CHUNK`` for long ones.
    """
    position = file.tell()
    if at_line_start and file.read(5) == b"From ":
        file.seek(position)
        return True
    size = min(1 << 14, _BODY_CHUNK)
    while True:
        file.seek(position)
        chunk = file.read(size)
        found = chunk.find(b"\nFrom ")
        if found >= 0:
            file.seek(position + found + 1)
            return True
        if len(chunk) < size:
            return False
        position += len(chunk) - 5  # a separator may straddle two chunks
        size = min(size * 4, _BODY_CHUNK)


def _read_message_file(path: Path, opts: ReaderOptions) -> Record:
    with path.open("rb") as file:
        if file.read(3) != b"\xef\xbb\xbf":
            file.seek(0)
        start = file.tell()
        for line in iter(file.readline, b""):
            if line.strip():
                break
            start = file.tell()  # blank or space-only lines before the header carry nothing
        file.seek(start)
        return _record(_header_block(file), str(path), opts)


def _header_block(file: IO[bytes]) -> bytes:
    """The bytes up to the first empty line: the header, without reading the body."""
    lines: list[bytes] = []
    size = 0
    for line in iter(file.readline, b""):
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
        size += len(line)
        if size > _MAX_HEADER_BYTES:
            break
    return b"".join(lines)


def _raw_headers(block: bytes) -> dict[str, list[str]]:
    """The raw values of each header, by lower-cased name, as email's compat32 parser reads them.

    That parser (``BytesHeaderParser``) builds a whole Message, more than half the cost of
    reading a message here; this reads the same fields from the same lines. Bytes above
    ASCII stay surrogate escapes; a line that is neither a field nor a continuation ends
    the header; "From " lines, a continuation with no field before it and a field with no
    name are dropped; a value keeps its folding, without its first spaces and last line end.
    """
    text = block.decode("ascii", "surrogateescape")
    raw: dict[str, list[str]] = {}
    if not _FIELD_LINE.match(text):
        return raw
    if (("\r" not in text or text.count("\r") == text.count("\r\n"))
            and "\nFrom " not in text and "\n:" not in text
            and not text.startswith(("From ", ":", " ", "\t"))):
        # Every line up to the end of the header is a named field or continues one, so the
        # fields follow one another, each found where the last one ended: one pass of C.
        end = _HEADER_END.search(text)
        for name, value in _FIELD.findall(text, 0, end.start() + 1 if end else len(text)):
            raw.setdefault(name.lower(), []).append(value)
        return raw
    # "From " lines, nameless fields, or lone "\r" line ends: read line by line.
    breaks: list[str] | None = None  # the end of each line; None when every one is "\n"
    if "\r" in text:
        parts = _LINE_BREAK.split(text)
        lines, breaks = parts[0::2], parts[1::2]
    else:
        lines = text.split("\n")
    if not lines[-1]:  # the text ends with a line end, or is empty
        lines.pop()
    name = ""  # the field being read; "" when the last line began none
    value = ""
    for number, line in enumerate(lines):
        if not _FIELD_LINE.match(line):
            break
        if line[0] in " \t":
            if name:
                value += (breaks[number - 1] if breaks else "\n") + line
            continue
        if name:
            raw.setdefault(name.lower(), []).append(value)
            name = ""
        if line.startswith("From "):
            continue
        colon = line.find(":")
        if colon > 0:
            name, value = line[:colon], line[colon + 1:].lstrip(" \t")
    if name:
        raw.setdefault(name.lower(), []).append(value)
    return raw


def _record(header_block: bytes, where: str, opts: ReaderOptions) -> Record:
    """The record for one message's header block; a SkippedRecord, never an exception."""
    try:
        return _interaction(_raw_headers(header_block), where, opts)
    except Exception as error:  # any header can be malformed; the rest of the mailbox is fine
        return SkippedRecord(where, f"unreadable headers ({type(error).__name__}: {error})")


def _interaction(raw: dict[str, list[str]], where: str, opts: ReaderOptions) -> Record:
    def first(name: str) -> str:
        return raw.get(name, [""])[0]

    charsets = _charsets(first("content-type"))
    senders = addresses(raw.get("from", []), charsets)
    sender = senders[0] if senders else None
    skip = _bulk_reason(raw, sender)
    if skip is not None:
        return SkippedRecord(where, skip, by_rule=True)
    occurred = _date(first("date"))
    if occurred is None:
        shown = unfold(first("date"))[:40]
        return SkippedRecord(where, f"no parseable Date ('{shown}')" if shown else "no Date")
    recipients = addresses(raw.get("to", []) + raw.get("cc", []) + raw.get("bcc", []), charsets)
    mine = opts.my_emails
    others: list[PersonRef] = []
    seen: set[str] = set()
    for person in [*senders[:1], *recipients]:
        if person.email in mine or person.email in seen:
            continue
        seen.add(person.email)
        others.append(PersonRef(name=person.name, email=person.email))
    if not others:
        return SkippedRecord(where, "no other participants", by_rule=True)
    subject = decode_words(first("subject"), charsets).strip()
    topic = clean_subject(subject)
    ids = message_ids(first("message-id"))
    key = ids[0] if ids else _header_hash(raw)
    references = message_ids(" ".join(raw.get("references", [])))
    parents = message_ids(first("in-reply-to")) or references[-1:]
    return InteractionRecord(
        source_key=key,
        occurred_at=occurred,
        format=Format.EMAIL.value,
        participants=others,
        initiated_by=(Initiator.ME if sender and sender.email in mine else Initiator.THEM).value,
        topics=[topic] if topic else [],
        summary=subject or None,
        attendee_count=len(others),
        thread_key=(references[:1] or parents[:1] or [key])[0],
        in_reply_to_key=parents[0] if parents else None,
        where=where,
    )


@lru_cache(maxsize=256)  # a mailbox has few distinct Content-Types
def _charsets(content_type: str) -> tuple[str, ...]:
    """The charset a Content-Type names, as a tuple of none or one."""
    match = _CHARSET.search(content_type)
    return (match.group(1),) if match else ()


def _bulk_reason(raw: dict[str, list[str]], sender: Any) -> str | None:
    """Why this is list, bulk or automatic mail, or None for mail between people."""
    for name in _LIST_HEADERS:
        if name in raw:
            return f"mailing list ({name.title()})"
    precedence = unfold(raw.get("precedence", [""])[0]).lower()
    if precedence in ("bulk", "list", "junk"):
        return f"bulk mail (Precedence: {precedence})"
    submitted = unfold(raw.get("auto-submitted", [""])[0]).lower()
    if submitted and submitted != "no":
        return f"automatic mail (Auto-Submitted: {submitted})"
    if sender is not None and _NO_REPLY.match(sender.email):
        return f"no-reply or list robot sender ({sender.email})"
    return None


def _date(raw: str) -> datetime | None:
    value = unfold(raw)
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": the zone is unknown; UTC is the honest reading
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _header_hash(raw: dict[str, list[str]]) -> str:
    # Without a Message-ID, what identifies a message is who sent what to whom, and when.
    basis = "\n".join(unfold(raw.get(n, [""])[0]) for n in ("from", "to", "date", "subject"))
    return "sha1:" + hashlib.sha1(basis.encode("utf-8", "surrogateescape"),
                                  usedforsecurity=False).hexdigest()
