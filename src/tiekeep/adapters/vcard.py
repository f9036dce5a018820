"""vCard 2.1, 3.0 and 4.0: cards read into ContactRecords with vobject's grammar and decoders.

Real files are not clean: vCard 2.1 writers put raw legacy bytes (Shift_JIS, Latin-1) beside
a CHARSET parameter, break quoted-printable values over unindented lines, and continue base64
photos without folding. So the file is read as bytes, split into cards (streaming, one card in
memory at a time), and each card is normalised first: lines unfolded, quoted-printable and
charsets decoded, and only the properties tiekeep uses kept, so that a stray PROFILE or AGENT
line cannot derail the parser.

The clean lines are then read one at a time with vobject's own pieces: ``parseLine`` for the
grammar (group, name, parameters, value), then the decoding its vCard behaviours give each
property (backslash escapes, base64, the structured N, ADR and ORG). ``vobject.readOne`` would
do the same, but it unfolds the text again and builds a ContentLine, a behaviour and a native
transform per line, which took most of the reader's time. A card the shortcut does not cover
(a decoded value that holds a line break, a value vobject cannot decode) still goes through
``readOne``, so either way a card reads exactly as vobject reads it.
"""

from __future__ import annotations

import codecs
import logging
import quopri
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from tiekeep.adapters import textio
from tiekeep.adapters.records import ContactRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

# VERSION is not kept: vobject reads every vCard with the one behaviour it has, whatever
# the version says.
KEEP = frozenset({
    "FN", "N", "EMAIL", "TEL", "ORG", "TITLE", "BDAY", "NOTE", "CATEGORIES",
    "URL", "PHOTO", "UID", "X-SOCIALPROFILE", "ADR", "X-ABLABEL",
})
MAX_CARD_BYTES = 20 * 2**20
PROGRESS_EVERY = 200
NO_YEAR = 1604  # vCard 4's and Apple's stand-in year for a birthday without one
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/=]+$")
_NO_YEAR_DATE = re.compile(r"--(\d{2})-?(\d{2})")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:$|T)")
_UNESCAPE = re.compile(r"\\([:;,])")
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

    # vobject logs every line it cannot read (its "vobject.base" logger has a level of its
    # own); the cards it sees are already cleaned, and anything it still drops must not end
    # up on the user's terminal.
    for name in ("vobject", "vobject.base"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
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
    if line.find(b'"', 0, colon) < 0:  # the common case: no quoted parameter before the value
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


def _normalise(card: _Card) -> tuple[list[str], list[int]]:
    """The card's kept properties as clean vCard lines, and the file lines of its BDAYs.

    Properties of one name stay in order, so the n-th BDAY read came from the n-th BDAY line
    (the only property whose messages name a line of its own).
    """
    out: list[str] = []
    birthdays: list[int] = []
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
        text_line = _clean_line(name, params, value)
        if text_line is not None:
            out.append(text_line)
            if name == "BDAY":
                birthdays.append(number)
    return out, birthdays


def _clean_line(name: str, params: list[bytes], value: bytes) -> str | None:
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
    head = _decode(params[0].strip(), None)
    if b64:
        payload = re.sub(rb"\s+", b"", value).decode("latin-1")
        return ";".join([head, *kept, "ENCODING=b"]) + ":" + payload
    if qp:
        value = quopri.decodestring(value)
    text = _decode(value, charset)
    if name == "PHOTO" and text[:5].lower() == "data:":
        header, _, payload = text.partition(",")
        mime = header[5:].split(";")[0]
        return ";".join([head, f"TYPE={mime}", "ENCODING=b"]) + ":" + payload.strip()
    if qp:
        # Decoded 2.1 text may hold real line breaks; vobject wants them escaped.
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    if kept:
        return ";".join([head, *kept]) + ":" + text
    return head + ":" + text


# --- reading the clean lines as vobject does --------------------------------------------------


class _Property(NamedTuple):
    """One property as vobject's vCard behaviours leave it (the fields of its ContentLine)."""

    value: Any  # str, bytes (base64), a list (ORG, CATEGORIES), a vobject Name or Address
    params: dict[str, list[str]]  # upper-case name -> values
    singletonparams: list[str]  # vCard 2.1 parameters written without a name ("WORK")
    group: str | None


Contents = dict[str, list[_Property]]  # property name (upper case) -> its properties, in order


class _Unusual(Exception):
    """A line the shortcut does not cover; the card is left to vobject.readOne."""


def _card_records(card: _Card, path: Path) -> Iterator[Record]:
    where = f"{path.name}, line {card.start}"
    lines, birthday_lines = _normalise(card)
    try:
        contents = _parse(lines)
    except Exception:  # out of the ordinary (or undecodable): vobject reads it, and says why
        try:
            contents = _parse_with_vobject(lines)
        except Exception as exc:  # vobject raises many kinds; any of them spoils only this card
            yield SkippedRecord(where, f"unreadable card: {_first_line(exc)}")
            return
    notes: list[SkippedRecord] = []
    record = _to_record(contents, where, birthday_lines, notes)
    yield from notes
    if record is not None:
        yield record


def _parse(lines: list[str]) -> Contents:
    """The properties of clean lines, as ``vobject.readOne(..., ignoreUnreadable=True)`` reads
    them; ``_Unusual`` for a line it would read differently from one line at a time."""
    from vobject.base import ParseError, parseLine

    contents: Contents = {}
    for line in lines:
        if "\r" in line or "\n" in line:
            raise _Unusual("readOne would split the line")
        try:
            name, pairs, value, group = parseLine(line)
        except ParseError:
            continue  # readOne skips a line it cannot parse
        name = name.upper()
        # ContentLine's parameter table: [name, *values], or a bare [value] in vCard 2.1.
        params: dict[str, list[str]] = {}
        singles: list[str] = []
        for pair in pairs:
            if len(pair) == 1:
                singles.append(pair[0])
            else:
                params.setdefault(pair[0].upper(), []).extend(pair[1:])
        if "QUOTED-PRINTABLE" in singles or "QUOTED-PRINTABLE" in params.get("ENCODING", ()):
            raise _Unusual("ContentLine would decode quoted-printable again")
        decoded = _property_value(name, value, params, singles)
        contents.setdefault(name, []).append(_Property(decoded, params, singles, group))
    return contents


# The properties whose behaviour is not vobject's VCardTextBehavior (see _property_value).
_OWN_BEHAVIOUR = frozenset({"N", "ADR", "ORG", "CATEGORIES", "UID"})


def _property_value(name: str, value: str, params: Mapping[str, list[str]],
                    singles: list[str]) -> Any:
    """The value as the behaviour vobject's vCard component gives this property decodes it."""
    if name not in _OWN_BEHAVIOUR:  # VCardTextBehavior: FN, PHOTO and all the others
        if "BASE64" in singles:
            raise _Unusual("VCardTextBehavior rewrites a bare BASE64 parameter")
        if "ENCODING" in params and params["ENCODING"][0]:
            return codecs.decode(value.encode("utf-8"), "base64")
        return _text_value(value)
    if name == "N" or name == "ADR":  # NameBehavior, AddressBehavior: fields, not unescaped
        from vobject.vcard import ADDRESS_ORDER, NAME_ORDER, Address, Name

        native, order = (Name, NAME_ORDER) if name == "N" else (Address, ADDRESS_ORDER)
        return native(**dict(zip(order, _fields(value), strict=False)))
    if name == "ORG":  # OrgBehavior
        return _fields(value)
    if name == "CATEGORIES":  # icalendar's MultiTextBehavior
        return _text_values(value)
    # UID: icalendar's TextBehavior, which decodes base64 only for ENCODING=BASE64.
    encoding = params["ENCODING"][0] if "ENCODING" in params else None
    if encoding and encoding.upper() == "BASE64":
        raise _Unusual("base64 UID")
    return _text_value(value)


def _text_value(value: str) -> str:
    """A single text value as vobject reads it: the first of ``_text_values``."""
    if "\\" in value:
        return _text_values(value)[0]
    return value.partition(",")[0]


def _text_values(value: str, separator: str = ",") -> list[str]:
    """vobject's ``stringToTextValues``: the value split at separators that are not escaped.

    With no backslash there is nothing escaped, and ``str.split`` gives the same list (vobject
    drops an empty last item) many times faster than vobject's character-by-character reading.
    """
    if "\\" in value:
        from vobject.icalendar import stringToTextValues

        return stringToTextValues(value, listSeparator=separator)  # type: ignore[no-any-return]
    values = value.split(separator)
    if len(values) > 1 and not values[-1]:
        values.pop()
    return values


def _fields(value: str) -> list[Any]:
    """vobject's ``splitFields``: the ';' components of N, ADR or ORG, each a string, or a
    list where it held commas."""
    if "\\" in value:
        from vobject.vcard import splitFields

        return splitFields(value)  # type: ignore[no-any-return]
    fields: list[Any] = []
    for part in _text_values(value, ";"):
        items = _text_values(part) if "," in part else [part]
        fields.append(items[0] if len(items) == 1 else items)
    return fields


def _parse_with_vobject(lines: list[str]) -> Contents:
    """The properties as vobject.readOne reads the card, for what ``_parse`` leaves to it."""
    import vobject

    text = "\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD"]) + "\r\n"
    component = vobject.readOne(text, ignoreUnreadable=True)
    return {name.upper(): [_Property(line.value, line.params, line.singletonparams, line.group)
                           for line in found]
            for name, found in component.contents.items()}


# --- from the properties to a record ---------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _text(prop: _Property) -> str:
    value = prop.value
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return str(value).strip()


def _first_text(props: list[_Property]) -> str | None:
    """The first non-blank text among the properties."""
    for prop in props:
        if text := _text(prop):
            return text
    return None


def _parts(value: Any) -> list[str]:
    """The components of a structured value; vobject nests a component that held commas."""
    if isinstance(value, list | tuple):
        return [",".join(v).strip() if isinstance(v, list | tuple) else str(v).strip()
                for v in value]
    return [str(value).strip()] if value is not None else []


def _to_record(contents: Contents, where: str, birthday_lines: list[int],
               notes: list[SkippedRecord]) -> ContactRecord | None:
    none: list[_Property] = []

    def birthday_line(index: int) -> str:
        if index < len(birthday_lines):
            return f"line {birthday_lines[index]}"
        return where.rsplit(", ", 1)[-1]

    given = family = None
    if found := contents.get("N"):
        value = found[0].value
        given = " ".join(_parts(getattr(value, "given", ""))).strip() or None
        family = " ".join(_parts(getattr(value, "family", ""))).strip() or None
    organization = department = None
    if found := contents.get("ORG"):
        parts = _parts(found[0].value)
        organization = parts[0] if parts and parts[0] else None
        department = parts[1] if len(parts) > 1 and parts[1] else None
    emails = [_text(prop).removeprefix("mailto:") for prop in contents.get("EMAIL", none)]
    emails = [e for e in emails if e]
    phones = [_text(prop).removeprefix("tel:") for prop in contents.get("TEL", none)]
    phones = [p for p in phones if p]
    name = _first_text(contents.get("FN", none)) or ""
    name = name or " ".join(x for x in (given, family) if x) or organization or ""
    name = name or (emails[0] if emails else "") or (phones[0] if phones else "")
    if not name:
        notes.append(SkippedRecord(where, "card has no name, email or phone"))
        return None
    uid = _first_text(contents.get("UID", none))
    record = ContactRecord(
        name=name, given_name=given, family_name=family, emails=emails, phones=phones,
        organization=organization, department=department, where=where,
        title=_first_text(contents.get("TITLE", none)),
        source_key=uid[:500] if uid else None,
        notes="\n\n".join(text for prop in contents.get("NOTE", none)
                           if (text := _text(prop))) or None,
        # Some writers escape the commas between categories; a tag never holds one.
        tags=[t.strip() for prop in contents.get("CATEGORIES", none)
              for part in _parts(prop.value) for t in part.split(",") if t.strip()],
        urls=_urls(contents),
        location=_location(contents),
    )
    for index, prop in enumerate(contents.get("BDAY", none)):
        text = _text(prop)
        parsed = _birthday(text, prop.params)
        if parsed is None:
            record.dropped.append(f"birthday '{text[:40]}' is not a date; left out "
                                  f"({birthday_line(index)})")
            continue
        record.birthday, record.birthday_has_year = parsed
        break
    for prop in contents.get("PHOTO", none):
        if isinstance(prop.value, bytes) and prop.value:
            record.photo = prop.value
            record.photo_type = _photo_type(prop.params, prop.value)
            break
    return record


def _urls(contents: Contents) -> list[tuple[str, str]]:
    labels = {prop.group.lower(): _text(prop).lower()
              for prop in contents.get("X-ABLABEL", []) if prop.group}
    found: list[tuple[str, str]] = []
    for prop in contents.get("URL", []):
        url = _UNESCAPE.sub(r"\1", _text(prop))  # Gmail writes http\://
        label = labels.get((prop.group or "").lower(), "")
        kind = "linkedin" if "linkedin" in label or "linkedin.com/" in url.lower() else "website"
        if url:
            found.append((kind, url))
    for prop in contents.get("X-SOCIALPROFILE", []):
        kinds = [k.lower() for k in prop.params.get("TYPE", [])]
        url = _text(prop)
        if url.startswith(("http://", "https://")):
            found.append(("linkedin" if "linkedin" in kinds or "linkedin.com/" in url.lower()
                          else (kinds[0] if kinds else "social"), url))
    return list(dict.fromkeys(found))


def _location(contents: Contents) -> str | None:
    addresses = contents.get("ADR")
    if not addresses:
        return None

    def rank(prop: _Property) -> int:
        types = {t.lower() for t in prop.params.get("TYPE", [])} | {
            s.lower() for s in prop.singletonparams}
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
        if match := _NO_YEAR_DATE.fullmatch(value):
            return date(NO_YEAR, int(match.group(1)), int(match.group(2))), False
        if match := _DATE.match(value):
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
