"""Mail header text: RFC 2047 words in any charset, raw 8-bit bytes, addresses and message ids.

Python's header decoding turns a charset it does not know (ks_c_5601-1987, x-sjis) into
escape characters, and it cannot guess the charset of raw 8-bit headers; this module decodes
with the aliases in ``_support`` and falls back to the message's own charset, then UTF-8,
then cp1252, so that no header is ever lost to an exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from email.utils import getaddresses
from functools import lru_cache
from typing import NamedTuple

from tiekeep.adapters._support import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]*$")
_SURROGATE = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_NOT_SIMPLE = re.compile(r'["()\\:;]|=\?')
_SIMPLE_ADDRESS = re.compile(r"^\s*(?:([^<>]*?)\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))\s*$")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|rif|antw|odp|ответ|отв|пересл)\s*(?:\[\d+\]|\(\d+\))?"
    r"\s*[:：]\s*)+", re.IGNORECASE)


class Address(NamedTuple):
    """One mailbox of an address header, decoded."""

    name: str | None
    email: str


def unfold(raw: str) -> str:
    """A header value on one line."""
    if "\n" not in raw:  # most values were never folded
        return raw.strip()
    return _FOLD.sub("", raw).strip()


def fix_raw_bytes(text: str, charsets: tuple[str | None, ...] = ()) -> str:
    """Re-decode raw 8-bit header bytes, which the parser kept as surrogate escapes."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), charsets)


def decode_words(raw: str, charsets: tuple[str | None, ...] = ()) -> str:
    """Header text with its RFC 2047 encoded words decoded, in whatever charset they claim."""
    text = fix_raw_bytes(unfold(raw), charsets)
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), (pending_charset, *charsets)))
            pending.clear()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(text):
        between = text[position:match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        # Whitespace between two encoded words is folding, not text (RFC 2047 §6.2); adjacent
        # words in one charset are joined first, since mailers split characters across them.
        if not (pending and _BETWEEN_WORDS.match(between)):
            flush()
            out.append(between)
        elif charset.lower() != (pending_charset or "").lower():
            flush()
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pending_charset = charset
        position = match.end()
    flush()
    out.append(text[position:])
    return "".join(out)


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)


def addresses(raws: list[str], charsets: tuple[str | None, ...] = ()) -> list[Address]:
    """The mailboxes in these address headers; group names and non-addresses are dropped."""
    found: list[Address] = []
    # Addresses are split while names are still encoded, so that a decoded comma in
    # "=?utf-8?q?Doe,_John?=" cannot split one person in two.
    values = [fix_raw_bytes(unfold(raw), charsets) for raw in raws]
    for name, email in _simple_addresses(values) or getaddresses(values):
        address = _mailbox(name, email, charsets)
        if address is not None:
            found.append(address)
    return found


# The same people write to the same people: the few thousand latest list items and mailboxes
# are kept (a bounded cache, so memory stays flat over a mailbox of any size).
@lru_cache(maxsize=4096)
def _mailbox(name: str, email: str, charsets: tuple[str | None, ...]) -> Address | None:
    """One parsed (name, email) pair as an Address; None when the email is no address."""
    email = email.strip().strip("<>").strip()
    if "@" not in email or " " in email:
        return None
    display = decode_words(name, charsets).strip().strip('"').strip() or None
    if display and display.lower() == email.lower():
        display = None
    return Address(display, email.lower())


def _simple_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """Plain "Name <a@b>, c@d" lists parsed fast; None for anything getaddresses must handle."""
    found: list[tuple[str, str]] = []
    for value in values:
        if _NOT_SIMPLE.search(value):
            return None
        for item in value.split(","):
            pair = _simple_item(item)
            if pair is None:
                return None
            if pair[1]:
                found.append(pair)
    return found


@lru_cache(maxsize=4096)
def _simple_item(item: str) -> tuple[str, str] | None:
    """(name, email) of one plain list item; ("", "") for an empty one, None if not plain."""
    if not item.strip():
        return "", ""
    match = _SIMPLE_ADDRESS.match(item)
    if match is None:
        return None
    return match.group(1) or "", match.group(2) or match.group(3)


def message_ids(raw: str | None) -> list[str]:
    """The message ids in a Message-ID, In-Reply-To or References value, as ``<id>``."""
    if not raw:
        return []
    return [f"<{m}>" for m in _MESSAGE_ID.findall(unfold(raw))]


def clean_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes (in several languages) and extra spaces."""
    return " ".join(_REPLY_PREFIX.sub("", subject).split())
