"""vCard 2.1, 3.0 and 4.0: cards read into ContactRecords through vobject, and written back.

vobject parses one card at a time, but it expects clean text, and real files are not: vCard
2.1 writers put raw legacy bytes (Shift_JIS, Latin-1) beside a CHARSET parameter, break
quoted-printable values over unindented lines, and continue base64 photos without folding.
So the file is read as bytes, split into cards (streaming, one card in memory at a time), and
each card is normalised first: lines unfolded, quoted-printable and charsets decoded, and
only the properties tiekeep uses kept, so that a stray PROFILE or AGENT line cannot derail
the parser. The normalised card goes to vobject.
"""

from __future__ import annotations

import logging
import quopri
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tiekeep.adapters import textio
from tiekeep.adapters.records import ContactRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

KEEP = frozenset({
    "VERSION", "FN", "N", "EMAIL", "TEL", "ORG", "TITLE", "BDAY", "NOTE", "CATEGORIES",
    "URL", "PHOTO", "UID", "X-SOCIALPROFILE", "ADR", "X-ABLABEL",
})
MAX_CARD_BYTES = 20 * 2**20
PROGRESS_EVERY = 200
NO_YEAR = 1604  # vCard 4's and Apple's stand-in year for a birthday without one
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/=]+$")
_MIME = {"JPEG": "image/jpeg", "JPG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
         "BMP": "image/bmp", "WEBP": "image/webp"}


@dataclass
class _Card:
    start: int
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    size: int = 0


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Yield one ContactRecord per card (and SkippedRecords for what is left out)."""
    import vobject  # noqa: F401  (imported here: heavy, and only needed for this command)

    # vobject logs every line it cannot read; the cards it sees are already cleaned, and
    # anything it still drops must not end up on the user's terminal.
    logging.getLogger("vobject").setLevel(logging.CRITICAL)
    progress = options.get("progress")
    count = 0
    with textio.open_lines(path) as lines:
        for item in _cards(lines, path):
            if isinstance(item, SkippedRecord):
                yield item
                continue
            yield from _card_records(item, path)
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(lines.position())
        if count == 0:
            raise ImportRejected(f"{path}: no vCard in the file (no BEGIN:VCARD line)")


def _cards(lines: textio.Lines, path: Path) -> Iterator[_Card | SkippedRecord]:
    """Split the file into cards; a nested AGENT card stays inside its parent."""
    card: _Card | None = None
    depth = 0
    junk_start: int | None = None
    seen_any = False
    for number, raw in lines:
        stripped = raw.strip()
        structural = raw[:1] not in (b" ", b"\t")
        upper = stripped.upper() if structural and len(stripped) < 16 else b""
        if card is None:
            if not stripped:
                continue
            if upper == b"BEGIN:VCARD":
                if junk_start is not None:
                    yield SkippedRecord(f"{path.name}, line {junk_start}",
                                        "text outside any card")
                    junk_start = None
                card, depth, seen_any = _Card(number), 1, True
            elif not seen_any:
                raise ImportRejected(
                    f"{path}, line {number}: not a vCard file (expected BEGIN:VCARD, found "
                    f"'{textio.preview(stripped)}')")
            elif junk_start is None:
                junk_start = number
            continue
        if upper == b"END:VCARD":
            depth -= 1
            if depth == 0:
                yield card
                card = None
                continue
        elif upper == b"BEGIN:VCARD":
            if card.lines and _property_name(card.lines[-1][1]) == "AGENT":
                depth += 1
            else:
                yield SkippedRecord(f"{path.name}, line {card.start}",
                                    "card has no END:VCARD (the next card begins)")
                card, depth = _Card(number), 1
                continue
        card.lines.append((number, raw))
        card.size += len(raw)
        if card.size > MAX_CARD_BYTES:
            raise ImportRejected(f"{path}, line {card.start}: a card larger than "
                                 f"{MAX_CARD_BYTES // 2**20} MB; the file looks damaged")
    if card is not None:
        raise ImportRejected(f"{path}, line {card.start}: the card is not closed by "
                             "END:VCARD (the file looks truncated)")


def _property_name(line: bytes) -> str:
    head = re.split(rb"[;:]", line, maxsplit=1)[0]
    return head.rsplit(b".", 1)[-1].strip().upper().decode("latin-1")


# --- normalising one card ----------------------------------------------------------------


def _is_qp(line: bytes) -> bool:
    head = _split_value(line)[0].upper()
    return b"QUOTED-PRINTABLE" in head


def _is_base64(line: bytes) -> bool:
    params = [p.strip().upper() for p in _split_params(_split_value(line)[0])[1:]]
    return any(p in (b"BASE64", b"B", b"ENCODING=B", b"ENCODING=BASE64") for p in params)


def _unfold(card: _Card) -> list[tuple[int, bytes]]:
    """Logical lines: folding, quoted-printable soft breaks and bare base64 runs joined."""
    logical: list[tuple[int, bytes]] = []
    for number, raw in card.lines:
        if not raw.strip():
            continue
        if logical:
            start, previous = logical[-1]
            if previous.endswith(b"=") and _is_qp(previous):
                # A soft line break: the next line continues the value as it stands.
                logical[-1] = (start, previous[:-1] + raw)
                continue
            if raw[:1] in (b" ", b"\t"):
                logical[-1] = (start, previous + raw[1:])
                continue
            if b":" not in raw and _BASE64_LINE.match(raw.strip()) and _is_base64(previous):
                logical[-1] = (start, previous + raw.strip())
                continue
        logical.append((number, raw))
    return logical


def _split_value(line: bytes) -> tuple[bytes, bytes]:
    """(name and parameters, value): the first colon outside double quotes separates them."""
    colon = line.find(b":")
    if colon < 0:
        return line, b""
    if b'"' not in line[:colon]:  # the common case: no quoted parameter before the value
        return line[:colon], line[colon + 1:]
    quoted = False
    for index, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3A and not quoted:
            return line[:index], line[index + 1:]
    return line, b""


def _split_params(head: bytes) -> list[bytes]:
    if b'"' not in head:
        return head.split(b";")
    parts, current, quoted = [], bytearray(), False
    for byte in head:
        if byte == 0x22:
            quoted = not quoted
        if byte == 0x3B and not quoted:
            parts.append(bytes(current))
            current = bytearray()
        else:
            current.append(byte)
    parts.append(bytes(current))
    return parts


def _decode(value: bytes, charset: str | None) -> str:
    """Text from bytes: the declared charset, else UTF-8, else Windows-1252."""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return value.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return value.decode("latin-1")


def _normalise(card: _Card) -> tuple[str, dict[str, list[int]]]:
    """The card as clean vCard text for vobject, and the file lines of each property.

    vobject keeps the properties of one name in order, so the n-th BDAY it returns came from
    the n-th line listed here (its own line numbers are not reliable).
    """
    out = ["BEGIN:VCARD"]
    origin: dict[str, list[int]] = {}
    depth = 0
    for number, line in _unfold(card):
        head, value = _split_value(line)
        params = _split_params(head)
        name = params[0].rsplit(b".", 1)[-1].strip().upper().decode("latin-1")
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth = max(depth - 1, 0)
        if depth or name not in KEEP or b":" not in line:
            continue
        text_line = _clean_line(params, value)
        if text_line is not None:
            out.append(text_line)
            origin.setdefault(name.lower(), []).append(number)
    out.append("END:VCARD")
    return "\r\n".join(out) + "\r\n", origin


def _clean_line(params: list[bytes], value: bytes) -> str | None:
    """One property rebuilt with its value decoded to text (or kept as base64)."""
    charset: str | None = None
    qp = b64 = False
    kept: list[str] = []
    for raw in params[1:]:
        param = raw.strip()
        key, _, val = param.partition(b"=")
        key_u = key.upper()
        if key_u == b"CHARSET":
            charset = val.strip(b'"').decode("latin-1")
        elif key_u == b"ENCODING" or (not val and key_u in (b"QUOTED-PRINTABLE", b"BASE64",
                                                           b"B", b"8BIT", b"7BIT")):
            kind = (val or key).upper()
            qp = qp or kind == b"QUOTED-PRINTABLE"
            b64 = b64 or kind in (b"B", b"BASE64")
        elif param:
            kept.append(_decode(param, None))
    name = _decode(params[0].strip(), None)
    if b64:
        payload = re.sub(rb"\s+", b"", value).decode("latin-1")
        return ";".join([name, *kept, "ENCODING=b"]) + ":" + payload
    if qp:
        value = quopri.decodestring(value)
    text = _decode(value, charset)
    if name.rsplit(".", 1)[-1].upper() == "PHOTO" and text.lower().startswith("data:"):
        header, _, payload = text.partition(",")
        mime = header[5:].split(";")[0]
        return ";".join([name, f"TYPE={mime}", "ENCODING=b"]) + ":" + payload.strip()
    if qp:
        # Decoded 2.1 text may hold real line breaks; vobject wants them escaped.
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return ";".join([name, *kept]) + ":" + text


# --- from a parsed card to a record --------------------------------------------------------


def _card_records(card: _Card, path: Path) -> Iterator[Record]:
    import vobject

    where = f"{path.name}, line {card.start}"
    text, origin = _normalise(card)
    try:
        component = vobject.readOne(text, ignoreUnreadable=True)
    except Exception as exc:  # vobject raises many kinds; any of them spoils only this card
        yield SkippedRecord(where, f"unreadable card: {_first_line(exc)}")
        return
    notes: list[SkippedRecord] = []
    record = _to_record(component, where, path, origin, notes)
    yield from notes
    if record is not None:
        yield record


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _values(component: Any, name: str) -> list[Any]:
    return list(component.contents.get(name, []))


def _text(line: Any) -> str:
    value = line.value
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return str(value).strip()


def _parts(value: Any) -> list[str]:
    """The components of a structured value; vobject nests a component that held commas."""
    if isinstance(value, list | tuple):
        return [",".join(v).strip() if isinstance(v, list | tuple) else str(v).strip()
                for v in value]
    return [str(value).strip()] if value is not None else []


def _to_record(component: Any, where: str, path: Path, origin: dict[str, list[int]],
               notes: list[SkippedRecord]) -> ContactRecord | None:
    def line_of(name: str, index: int) -> str:
        lines = origin.get(name, [])
        return f"line {lines[index]}" if index < len(lines) else where.rsplit(", ", 1)[-1]

    given = family = None
    for line in _values(component, "n"):
        value = line.value
        given = " ".join(_parts(getattr(value, "given", ""))).strip() or None
        family = " ".join(_parts(getattr(value, "family", ""))).strip() or None
        break
    organization = department = None
    for line in _values(component, "org"):
        parts = [p for p in _parts(line.value)]
        organization = parts[0] if parts and parts[0] else None
        department = parts[1] if len(parts) > 1 and parts[1] else None
        break
    emails = [_text(line).removeprefix("mailto:") for line in _values(component, "email")]
    emails = [e for e in emails if e]
    phones = [_text(line).removeprefix("tel:") for line in _values(component, "tel")]
    phones = [p for p in phones if p]
    name = next((_text(line) for line in _values(component, "fn") if _text(line)), "")
    name = name or " ".join(x for x in (given, family) if x) or organization or ""
    name = name or (emails[0] if emails else "") or (phones[0] if phones else "")
    if not name:
        notes.append(SkippedRecord(where, "card has no name, email or phone"))
        return None
    record = ContactRecord(
        name=name, given_name=given, family_name=family, emails=emails, phones=phones,
        organization=organization, department=department, where=where,
        title=next((_text(line) for line in _values(component, "title") if _text(line)), None),
        source_key=next((_text(line)[:500] for line in _values(component, "uid")
                         if _text(line)), None),
        notes="\n\n".join(_text(line) for line in _values(component, "note")
                          if _text(line)) or None,
        # Some writers escape the commas between categories; a tag never holds one.
        tags=[t.strip() for line in _values(component, "categories")
              for part in _parts(line.value) for t in part.split(",") if t.strip()],
        urls=_urls(component),
        location=_location(component),
    )
    for index, line in enumerate(_values(component, "bday")):
        parsed = _birthday(_text(line), line.params)
        if parsed is None:
            record.dropped.append(f"birthday '{_text(line)[:40]}' is not a date; left out "
                                  f"({line_of('bday', index)})")
            continue
        record.birthday, record.birthday_has_year = parsed
        break
    for line in _values(component, "photo"):
        if isinstance(line.value, bytes) and line.value:
            record.photo = line.value
            record.photo_type = _photo_type(line.params, line.value)
            break
    return record


def _urls(component: Any) -> list[tuple[str, str]]:
    labels = {line.group.lower(): _text(line).lower()
              for line in _values(component, "x-ablabel") if line.group}
    found: list[tuple[str, str]] = []
    for line in _values(component, "url"):
        url = re.sub(r"\\([:;,])", r"\1", _text(line))  # Gmail writes http\://
        label = labels.get((line.group or "").lower(), "")
        kind = "linkedin" if "linkedin" in label or "linkedin.com/" in url.lower() else "website"
        if url:
            found.append((kind, url))
    for line in _values(component, "x-socialprofile"):
        kinds = [k.lower() for k in line.params.get("TYPE", [])]
        url = _text(line)
        if url.startswith(("http://", "https://")):
            found.append(("linkedin" if "linkedin" in kinds or "linkedin.com/" in url.lower()
                          else (kinds[0] if kinds else "social"), url))
    return list(dict.fromkeys(found))


def _location(component: Any) -> str | None:
    addresses = _values(component, "adr")
    if not addresses:
        return None

    def rank(line: Any) -> int:
        types = {t.lower() for t in line.params.get("TYPE", [])} | {
            s.lower() for s in line.singletonparams}
        return 0 if "pref" in types else 1 if "work" in types else 2

    value = min(addresses, key=rank).value
    city = " ".join(_parts(getattr(value, "city", ""))).strip()
    region = " ".join(_parts(getattr(value, "region", ""))).strip()
    country = " ".join(_parts(getattr(value, "country", ""))).strip()
    parts = [p for p in (city or region, country) if p]
    return ", ".join(parts)[:300] or None


def _birthday(text: str, params: Mapping[str, list[str]]) -> tuple[date, bool] | None:
    """A BDAY value: a date (any vCard form, time ignored) or --MMDD without a year."""
    value = text.strip()
    try:
        if match := re.fullmatch(r"--(\d{2})-?(\d{2})", value):
            return date(NO_YEAR, int(match.group(1)), int(match.group(2))), False
        if match := re.match(r"(\d{4})-?(\d{2})-?(\d{2})(?:$|T)", value):
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            omitted = any(k.upper() == "X-APPLE-OMIT-YEAR" for k in params)
            return day, not (omitted or day.year == NO_YEAR)
    except ValueError:
        return None
    return None


def _photo_type(params: Mapping[str, list[str]], data: bytes) -> str | None:
    for declared in params.get("TYPE", []):
        upper = declared.upper()
        if upper in _MIME:
            return _MIME[upper]
        if "/" in declared:
            return declared.lower()[:64]
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return None
