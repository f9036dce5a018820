"""Understanding one line of free text about an interaction, in English or Russian.

``tiekeep log "lunch with Anna Petrova yesterday about the Q3 roadmap"`` and
``tiekeep log "обед с Анной вчера про планы на Q3"`` both yield participants, a format, a
time and topics. The text is read in four passes over its tokens, each claiming the tokens it
understands:

1. **When**: the longest run around a date word ("yesterday", "вчера", "on Monday",
   "3 days ago", "2026-11-20", "вчера в 15:00") that dateparser can read. A date without a
   time means noon, as ``services.parsing.moment`` reads a bare date.
2. **Topics**: everything after the first "about", "regarding", "re:", "про", "о", "об",
   "насчёт" or "по поводу", split at commas and semicolons, with a leading article dropped.
3. **Format**: a format word or stem ("lunch", "coffee", "call", "обед*", "созвон*", …).
   "meeting" / "встреча" means a one-on-one with one participant and a discussion with more.
4. **Who**: the words after "with" / "w/" / "с" / "со" (else the capitalised words left over),
   split at commas, "and", "&" and "и". Russian names are usually declined ("с Анной",
   "Ивану"), so each Cyrillic word is also tried in its likely nominative forms.

A name is resolved through ``contacts.resolve`` (ids, emails, transliteration, fuzzy match).
Exact or prefix hits of any form win; a name that fits several contacts is *ambiguous*, and
one that fits none is *unresolved*: both are reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from tiekeep.core import search
from tiekeep.core.enums import Format
from tiekeep.errors import Ambiguous, InvalidInput, NotFound
from tiekeep.services import contacts, parsing
from tiekeep.services import freetext_words as words


@dataclass
class NameMatch:
    """One name from the text and what it resolved to."""

    text: str
    contact_id: int | None = None
    name: str | None = None
    candidates: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def resolved(self) -> bool:
        return self.contact_id is not None

    def problem(self) -> str:
        """One line saying why the name is not resolved."""
        if self.candidates:
            return str(Ambiguous(self.text, self.candidates))
        return f"no contact matches '{self.text}'"


@dataclass
class Parsed:
    """What the text says, before any name is looked up."""

    names: list[str]
    format: str | None
    occurred_at: datetime | None
    date_text: str | None
    topics: list[str]


@dataclass
class Understanding:
    """What the text says, with its names resolved against the owner's contacts."""

    participants: list[NameMatch]
    format: str | None
    occurred_at: datetime | None
    date_text: str | None
    topics: list[str]

    @property
    def problems(self) -> list[NameMatch]:
        return [p for p in self.participants if not p.resolved]

    def to_dict(self) -> dict[str, Any]:
        return {
            "participants": [{"text": p.text, "id": p.contact_id, "name": p.name,
                              "candidates": p.candidates, "fuzzy": p.fuzzy}
                             for p in self.participants],
            "format": self.format,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
            "date_text": self.date_text,
            "topics": self.topics,
        }


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().replace("ё", "е")


def parse(text: str, *, tz: str | None = None, now: datetime | None = None) -> Parsed:
    """Read names, format, time and topics out of one line (no database involved)."""
    parsing.bounded(text, what="the text", limit=parsing.MAX_TEXT)
    normalized = re.sub(r"(?i)\bw/\s*", "with ", text)
    normalized = re.sub(r"(?i)\bre:\s*", "re ", normalized)
    tokens = [_Token(m.group(), m.start(), m.end()) for m in words.TOKEN.finditer(normalized)]
    used: set[int] = set()
    marker = _topic_marker(tokens)
    occurred_at, date_text = _find_date(normalized, tokens, used, marker, tz=tz, now=now)
    topics = _find_topics(normalized, tokens, used, marker)
    fmt = _find_format(tokens, used)
    names = _find_names(tokens, used)
    return Parsed(names=names, format=fmt, occurred_at=occurred_at, date_text=date_text,
                  topics=topics)


def understand(session: Session, *, owner_id: int, text: str, tz: str | None = None,
               now: datetime | None = None) -> Understanding:
    """Parse the text and resolve its names against the owner's contacts."""
    parsed = parse(text, tz=tz, now=now)
    matches: list[NameMatch] = []
    for name in parsed.names:
        match = resolve_name(session, owner_id=owner_id, text=name)
        if match.contact_id is None or match.contact_id not in {m.contact_id for m in matches}:
            matches.append(match)
    fmt = parsed.format
    if fmt == words.MEETING:
        fmt = Format.ONE_ON_ONE.value if len(matches) <= 1 else Format.DISCUSSION.value
    return Understanding(participants=matches, format=str(fmt) if fmt else None,
                         occurred_at=parsed.occurred_at, date_text=parsed.date_text,
                         topics=parsed.topics)


def resolve_name(session: Session, *, owner_id: int, text: str) -> NameMatch:
    """Resolve one name: exact or prefix hits of any nominative form, else a fuzzy match."""
    hits: dict[int, str] = {}
    for variant in words.phrase_variants(text):
        try:
            found = [contacts.resolve(session, owner_id=owner_id, ref=variant)]
        except Ambiguous as exc:
            found = contacts.get_many(session, owner_id=owner_id,
                                      contact_ids=_ids_of(exc.candidates))
        except NotFound:
            continue
        for contact in found:
            if not _is_name_query(variant) or _exact_or_prefix(variant, contact):
                hits[contact.id] = _label(contact)
    if len(hits) == 1:
        contact_id = next(iter(hits))
        person = contacts.get(session, owner_id=owner_id, contact_id=contact_id)
        return NameMatch(text=text, contact_id=contact_id, name=person.display_name)
    if hits:
        return NameMatch(text=text, candidates=sorted(hits.values(), key=_label_name))
    try:
        contact = contacts.resolve(session, owner_id=owner_id, ref=text)
    except Ambiguous as exc:
        return NameMatch(text=text, candidates=exc.candidates)
    except NotFound:
        return NameMatch(text=text)
    return NameMatch(text=text, contact_id=contact.id, name=contact.display_name, fuzzy=True)


def apply(understood: Understanding, data: Any, *, explicit_format: bool,
          explicit_at: bool, text: str | None = None) -> None:
    """Fill an ``interactions.InteractionCreate`` in place; explicit options win over the text."""
    ids = list(data.participant_ids)
    for match in understood.participants:
        if match.contact_id is not None and match.contact_id not in ids:
            ids.append(match.contact_id)
    data.participant_ids = ids
    if understood.format and not explicit_format:
        data.format = understood.format
    if understood.occurred_at and not explicit_at:
        data.occurred_at = understood.occurred_at
    data.topics = list(dict.fromkeys([*data.topics, *understood.topics]))
    if text and not data.summary:
        data.summary = text.strip()


# --- the passes ------------------------------------------------------------------------


def _find_date(text: str, tokens: list[_Token], used: set[int], marker: int | None, *,
               tz: str | None, now: datetime | None) -> tuple[datetime | None, str | None]:
    """The first date phrase before the topics; after them only a relative day at the end
    ("… about the roadmap yesterday"), since "about the plan for Monday" names no date."""
    limit = len(tokens) if marker is None else marker
    found = _date_run(text, tokens, range(0, limit), tz=tz, now=now)
    if found is None and marker is not None:
        found = _date_run(text, tokens, range(marker + 1, len(tokens)), tz=tz, now=now,
                          relative_only=True)
    if found is None:
        return None, None
    lo, hi, moment = found
    used.update(range(lo, hi + 1))
    return moment, text[tokens[lo].start:tokens[hi].end]


def _date_run(text: str, tokens: list[_Token], window: range, *, tz: str | None,
              now: datetime | None, relative_only: bool = False
              ) -> tuple[int, int, datetime] | None:
    """(first, last, moment) of the widest readable run of date words around a core word."""
    if not window:
        return None
    first, last = window.start, window.stop - 1
    for index in window:
        low = tokens[index].low
        core = words.RELATIVE.match(low) if relative_only else words.DATE_CORE.match(low)
        if not core:
            continue
        start, end = index, index
        while start > first and words.DATE_HELPER.match(tokens[start - 1].low):
            start -= 1
        while end < last and (words.DATE_HELPER.match(tokens[end + 1].low)
                              or words.DATE_CORE.match(tokens[end + 1].low)):
            end += 1
        if relative_only and end != last:
            continue
        spans = sorted(((lo, hi) for lo in range(start, index + 1)
                        for hi in range(index, end + 1)), key=lambda span: span[0] - span[1])
        for lo, hi in spans:
            moment = _read_date(text[tokens[lo].start:tokens[hi].end], tz=tz, now=now)
            if moment is not None:
                return lo, hi, moment
    if relative_only:
        return None
    # A day and a month without a date word ("on 3 March", "20 ноября").
    for index in window:
        if not words.MONTH.match(tokens[index].low):
            continue
        for lo, hi in ((index - 1, index + 1), (index - 1, index), (index, index + 1)):
            if lo < first or hi > last or not any(tokens[i].text.isdigit()
                                                  for i in range(lo, hi + 1)):
                continue
            moment = _read_date(text[tokens[lo].start:tokens[hi].end], tz=tz, now=now)
            if moment is not None:
                return lo, hi, moment
    return None


def _read_date(phrase: str, *, tz: str | None, now: datetime | None) -> datetime | None:
    """The phrase as a UTC time, or None; a date without a time of day means noon."""
    numeric = words.DAY_MONTH.search(phrase)
    if numeric:
        # 20.11 and 20.11.2026 are day.month, as written in Russia and most of Europe.
        phrase = phrase.replace(numeric.group(0), _day_month(numeric, tz=tz, now=now))
    try:
        moment = parsing.moment(phrase, tz=tz, now=now)
    except InvalidInput:
        return None
    if not words.HAS_TIME.search(phrase.lower()):
        zone = parsing.zone(tz)
        local_day = moment.astimezone(zone).date()
        moment = datetime.combine(local_day, time(12, 0), tzinfo=zone).astimezone(UTC)
    return moment


def _day_month(match: re.Match[str], *, tz: str | None, now: datetime | None) -> str:
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    today = (now or datetime.now(UTC)).astimezone(parsing.zone(tz)).date()
    if year:
        number = int(year)
        full = number + 2000 if number < 100 else number
    else:
        full = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    return f"{full:04d}-{month:02d}-{day:02d}"


def _topic_marker(tokens: list[_Token]) -> int | None:
    """The index of the first word that starts the topics ("about", "про", "по поводу")."""
    for index, token in enumerate(tokens):
        if token.low in words.TOPIC_MARKERS:
            return index
        if token.low == "по" and index + 1 < len(tokens) and tokens[index + 1].low == "поводу":
            return index + 1
    return None


def _find_topics(text: str, tokens: list[_Token], used: set[int], marker: int | None
                 ) -> list[str]:
    if marker is None:
        return []
    used.add(marker)
    if tokens[marker].low == "поводу":
        used.add(marker - 1)
    # Rebuild the topic text from the original, leaving out a date found inside it.
    segments: list[list[int]] = []
    for index in range(marker + 1, len(tokens)):
        if index in used:
            continue
        used.add(index)
        if segments and segments[-1][-1] == index - 1:
            segments[-1].append(index)
        else:
            segments.append([index])
    text_after = " ".join(text[tokens[s[0]].start:tokens[s[-1]].end] for s in segments)
    pieces: list[str] = []
    for piece in re.split(r"[,;]", text_after):
        cleaned = piece.strip(" .!?\"'")
        lowered = cleaned.lower()
        for article in words.ARTICLES:
            if lowered.startswith(article):
                cleaned = cleaned[len(article):]
                break
        if cleaned:
            pieces.append(cleaned)
    return list(dict.fromkeys(pieces))


def _find_format(tokens: list[_Token], used: set[int]) -> str | None:
    lows = [t.low for t in tokens]
    for phrase, value in words.FORMAT_PHRASES:
        size = len(phrase)
        for index in range(len(tokens) - size + 1):
            span = range(index, index + size)
            if tuple(lows[index:index + size]) == phrase and not used.intersection(span):
                used.update(span)
                return str(value)
    for index, low in enumerate(lows):
        if index in used:
            continue
        for pattern, value in words.FORMAT_WORDS:
            if pattern.match(low):
                used.add(index)
                return str(value)
    return None


def _find_names(tokens: list[_Token], used: set[int]) -> list[str]:
    """Phrases naming people: after "with"/"с", else the capitalised words left over."""
    marker = next((i for i, t in enumerate(tokens) if i not in used and t.low in words.WITH), None)
    if marker is not None:
        used.add(marker)
        candidates = range(marker + 1, len(tokens))
        capitalised_only = False
    else:
        candidates = range(len(tokens))
        capitalised_only = True
    phrases: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            phrases.append(" ".join(current))
            current.clear()

    for index in candidates:
        token = tokens[index]
        if index in used:
            close()
            continue
        low = token.low
        if low in words.SEPARATORS:
            close()
            continue
        if low in words.NAME_STOPPERS and marker is not None and index > marker + 1:
            close()
            break
        if low in words.STOP or low in words.WITH:
            close()
            continue
        looks_like_ref = token.text[0].isupper() or "@" in token.text or token.text[0] == "#"
        if capitalised_only and not looks_like_ref:
            close()
            continue
        used.add(index)
        current.append(token.text.rstrip("."))
    close()
    return list(dict.fromkeys(phrases))


def _is_name_query(text: str) -> bool:
    stripped = text.strip().lstrip("#")
    return not stripped.isdigit() and "@" not in text


def _exact_or_prefix(query: str, contact: Any) -> bool:
    """Whether the query is one of the contact's names, starts one, or is one of its words."""
    wanted = search.transliterate(" ".join(query.split()))
    for name in (search.transliterate(n) for n in [contact.display_name, *contact.aliases]):
        if name == wanted or name.startswith(wanted + " "):
            return True
        if " " in wanted and name.startswith(wanted):  # "Anna P" for "Anna Petrova"
            return True
        if " " not in wanted and wanted in name.split():  # a family name alone
            return True
    return False


def _ids_of(labels: list[str]) -> list[int]:
    """Contact ids from Ambiguous's candidate labels ("#12 Anna Petrova (…)")."""
    return [int(m.group(1)) for m in (re.match(r"#(\d+) ", label) for label in labels) if m]


def _label(contact: Any) -> str:
    role = contact.current_role
    where = f" ({role.organization})" if role is not None and role.organization else ""
    return f"#{contact.id} {contact.display_name}{where}"


def _label_name(label: str) -> str:
    return label.split(" ", 1)[-1]
