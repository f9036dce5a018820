"""Read mail: an mbox file, a single .eml/.msg message, or a folder of them (Maildir too).

Each message becomes an ``email`` InteractionRecord. Only the header block of a message is
read, through ``mailbox`` (which indexes an mbox by offsets) and ``email``'s header parser,
so memory stays flat however large the mailbox or its attachments. Mailing-list,
bulk, automatic and no-reply mail is skipped by rule, as is mail without a usable Date.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol

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
    them too) and its header block ends at the first empty line, as ``_header_block`` reads
    it. Python's mailbox would first index every message of the file (memory that grows with
    it) and then read each again; here only the header being read is held, and a line is
    read in pieces of at most ``_MAX_LINE`` bytes, however large the file or its lines.
    """
    header: list[bytes] | None = None  # the lines of the header being read; None in a body
    size = 0
    starts = True  # whether the next piece begins a line (a longer line comes in pieces)
    separator = False  # whether the line being read is a "From " line
    for piece in iter(partial(file.readline, _MAX_LINE), b""):
        begins, starts = starts, piece.endswith(b"\n")
        if begins:
            separator = piece.startswith(b"From ")
            if separator:
                if header is not None:
                    yield b"".join(header)
                header, size = [], 0
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


class _Lines(Protocol):
    def readline(self) -> bytes: ...


def _header_block(file: _Lines) -> bytes:
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


# compat32 keeps header values raw: policy.default would parse every header through its
# registry (three times slower here) only for us to decode the raw values again, with the
# charset aliases it lacks.
_PARSER = BytesHeaderParser(policy=policy.compat32)


def _record(header_block: bytes, where: str, opts: ReaderOptions) -> Record:
    """The record for one message's header block; a SkippedRecord, never an exception."""
    try:
        message = _PARSER.parsebytes(header_block)
        return _interaction(message, where, opts)
    except Exception as error:  # any header can be malformed; the rest of the mailbox is fine
        return SkippedRecord(where, f"unreadable headers ({type(error).__name__}: {error})")


def _interaction(message: Message, where: str, opts: ReaderOptions) -> Record:
    raw: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        raw.setdefault(name.lower(), []).append(str(value))

    def first(name: str) -> str:
        return raw.get(name, [""])[0]

    charsets = tuple(_CHARSET.findall(first("content-type"))[:1])
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
