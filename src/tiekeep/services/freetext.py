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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from itertools import product
from typing import Any

from sqlalchemy.orm import Session

from tiekeep.core import search
from tiekeep.core.enums import Format
from tiekeep.errors import Ambiguous, InvalidInput, NotFound
from tiekeep.services import contacts, parsing

MAX_TEXT = 2000
MAX_VARIANTS = 24
# A generic "meeting": a one-on-one with one participant, a discussion with more.
MEETING = "meeting"

_TOKEN = re.compile(
    r"\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?"          # a time of day
    r"|1:1\b"                                     # a one-on-one
    r"|\d{4}-\d{2}-\d{2}"                         # an ISO date
    r"|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?"        # 20.11, 20/11/2026
    r"|#?\w(?:[\w'’@+-]|\.(?=\w))*"               # a word, an email, #12
    r"|[,;&+]"
)

_WITH = {"with", "w/", "с", "со"}
_SEPARATORS = {",", ";", "&", "+", "and", "и"}
# Words that end a list of names: a place or an aside, not a person.
_NAME_STOPPERS = {"at", "in", "for", "from", "on", "в", "на", "у", "из", "для", "после"}
_TOPIC_MARKERS = {"about", "regarding", "re", "re:", "concerning", "про", "о", "об", "обо",
                  "насчёт", "насчет"}
_ARTICLES = ("the ", "a ", "an ", "our ", "my ")
_STOP = {
    "i", "we", "me", "my", "our", "had", "have", "has", "a", "an", "the", "quick", "short",
    "long", "brief", "great", "good", "nice", "spoke", "talked", "talk", "caught", "up",
    "catch", "catch-up", "together", "just", "also", "again", "to", "by", "of", "it",
    "я", "мы", "был", "была", "были", "было", "провёл", "провел", "провела", "поговорил",
    "поговорила", "поговорили", "говорил", "говорила", "быстрый", "короткий", "хороший",
    "вместе", "снова", "ещё", "еще", "тоже", "по", "ним", "ней", "ними",
}

# Date words: a run of tokens around one of these is tried as a date or time.
_DATE_CORE = re.compile(
    r"^(yesterday|today|tonight|tomorrow|ago|назад|вчера|сегодня|позавчера|завтра"
    r"|mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(rs(day)?)?|fri(day)?|sat(urday)?|sun(day)?"
    r"|понедельник\w*|вторник\w*|сред[ауе]|четверг\w*|пятниц[аеу]|суббот[аеу]|воскресень[ея]"
    r"|\d{1,2}:\d{2}.*|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}([./]\d{2,4})?|утром|вечером"
    r"|morning|afternoon|evening|noon|полдень)$")
_DATE_HELPER = re.compile(
    r"^(on|at|in|last|this|past|the|of|a|an|week|weeks|day|days|month|months|hour|hours"
    r"|\d{1,4}|\d{1,2}(st|nd|rd|th)|am|pm|a\.m|p\.m|в|во|на|прошлой|прошлый|прошлую|этой|этот"
    r"|эту|неделе|неделю|недели|недель|день|дня|дней|час|часа|часов|месяц|месяца|месяцев"
    r"|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|jun(e)?|jul(y)?|aug(ust)?"
    r"|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?|январ[яь]|феврал[яь]|март[а]?"
    r"|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|август[а]?|сентябр[яь]|октябр[яь]|ноябр[яь]"
    r"|декабр[яь])$")
_RELATIVE = re.compile(r"^(yesterday|today|tonight|ago|назад|вчера|сегодня|позавчера)$")
_DAY_MONTH = re.compile(r"\b(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\b")
_MONTH = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|январ|феврал|март"
                    r"|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)")
_HAS_TIME = re.compile(r"\d:\d\d|\d\s*[ap]\.?m|\bam\b|\bpm\b|morning|afternoon|evening|noon"
                       r"|утром|вечером|днём|днем|полдень|\bв\s+\d|\bat\s+\d|\d\s+(час|hour)"
                       r"|ago\b|назад")

# Format words: multi-word phrases are matched before single words.
_FORMAT_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("virtual", "coffee"), Format.VIRTUAL_COFFEE), (("video", "call"), Format.VIDEO_CALL),
    (("phone", "call"), Format.CALL), (("team", "meeting"), Format.TEAM_MEETING),
    (("project", "sync"), Format.PROJECT_SYNC), (("status", "update"), Format.STATUS_UPDATE),
    (("one", "on", "one"), Format.ONE_ON_ONE), (("один", "на", "один"), Format.ONE_ON_ONE),
    (("online", "event"), Format.ONLINE_EVENT), (("по", "телефону"), Format.CALL),
    (("по", "почте"), Format.EMAIL), (("обратная", "связь"), Format.FEEDBACK),
)
_FORMAT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), value) for pattern, value in (
        (r"^(lunch(ed|es)?|dinner|breakfast|brunch)$", Format.LUNCH),
        (r"^(обед|ужин|завтрак|бранч)\w*$", Format.LUNCH),
        (r"^(coffees?|кофе|кофейк\w*)$", Format.COFFEE),
        (r"^(video-?call(ed|s)?|zoom(ed)?|видеозвон\w*|видеосозвон\w*|зум\w*)$",
         Format.VIDEO_CALL),
        (r"^(call(ed|s)?|phoned|rang|(со|по)?звон\w*|созвонил\w*)$", Format.CALL),
        (r"^(e-?mail(ed|s)?|mail(ed)?|письм\w*|почт[аеуы]|почтой|мейл\w*|имейл\w*)$",
         Format.EMAIL),
        (r"^(chat(ted|s)?|slack(ed)?|texted|messaged|dm|telegram|whatsapp|чат\w*|переписк\w*"
         r"|телеграм\w*|слак\w*|мессендж\w*)$", Format.CHAT),
        (r"^(1:1|1-1|1on1|one-on-one|1-on-1)$", Format.ONE_ON_ONE),
        (r"^(standup|stand-up|стендап\w*|летучк\w*)$", Format.STATUS_UPDATE),
        (r"^(sync(ed)?|синк\w*)$", Format.PROJECT_SYNC),
        (r"^(планёрк\w*|планерк\w*|совещани\w*)$", Format.TEAM_MEETING),
        (r"^(feedback|фидбек\w*|фидбэк\w*)$", Format.FEEDBACK),
        (r"^(discussion|discussed|обсуждени\w*|обсудил\w*)$", Format.DISCUSSION),
        (r"^(offsite|офсайт\w*|выездн\w*)$", Format.OFFSITE),
        (r"^(conference|корпоратив\w*|конференци\w*)$", Format.CORPORATE_EVENT),
        (r"^(webinar|вебинар\w*)$", Format.ONLINE_EVENT),
        (r"^(letter|postcard|открытк\w*)$", Format.LETTER),
        (r"^(posted|commented|пост|посте|постом)$", Format.SOCIAL_POST),
        (r"^(meeting|met|meet|встреч\w*|встретил\w*|виделись|увиделись)$", MEETING),
    )
)

# Russian case endings back to the nominative: (ending, replacements), longest first.
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ией", ("ия",)), ("ьей", ("ья",)), ("ием", ("ий",)), ("ской", ("ская",)),
    ("цкой", ("цкая",)), ("ским", ("ский",)), ("цким", ("цкий",)), ("ии", ("ия", "ий")),
    ("ию", ("ия",)), ("ью", ("ья", "ь")), ("ой", ("а", "ая", "ый")), ("ей", ("я", "а", "ь")),
    ("ём", ("ь",)), ("ем", ("й", "ь", "")), ("ом", ("",)), ("ым", ("", "ый")), ("им", ("ий", "")),
    ("ою", ("а",)), ("е", ("а", "я", "")), ("у", ("а", "")),
    ("ю", ("я", "й", "ь")), ("ы", ("а",)), ("и", ("а", "я", "ь")), ("а", ("", "й")),
    ("я", ("й", "ь")),
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


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
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the text is longer than {MAX_TEXT} characters")
    normalized = re.sub(r"(?i)\bw/\s*", "with ", text)
    normalized = re.sub(r"(?i)\bre:\s*", "re ", normalized)
    tokens = [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(normalized)]
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
    if fmt == MEETING:
        fmt = Format.ONE_ON_ONE.value if len(matches) <= 1 else Format.DISCUSSION.value
    return Understanding(participants=matches, format=str(fmt) if fmt else None,
                         occurred_at=parsed.occurred_at, date_text=parsed.date_text,
                         topics=parsed.topics)


def resolve_name(session: Session, *, owner_id: int, text: str) -> NameMatch:
    """Resolve one name: exact or prefix hits of any nominative form, else a fuzzy match."""
    hits: dict[int, str] = {}
    for variant in _phrase_variants(text):
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
        core = _RELATIVE.match(low) if relative_only else _DATE_CORE.match(low)
        if not core:
            continue
        start, end = index, index
        while start > first and _DATE_HELPER.match(tokens[start - 1].low):
            start -= 1
        while end < last and (_DATE_HELPER.match(tokens[end + 1].low)
                              or _DATE_CORE.match(tokens[end + 1].low)):
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
        if not _MONTH.match(tokens[index].low):
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
    numeric = _DAY_MONTH.search(phrase)
    if numeric:
        # 20.11 and 20.11.2026 are day.month, as written in Russia and most of Europe.
        phrase = phrase.replace(numeric.group(0), _day_month(numeric, tz=tz, now=now))
    try:
        moment = parsing.moment(phrase, tz=tz, now=now)
    except InvalidInput:
        return None
    if not _HAS_TIME.search(phrase.lower()):
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
        if token.low in _TOPIC_MARKERS:
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
        for article in _ARTICLES:
            if lowered.startswith(article):
                cleaned = cleaned[len(article):]
                break
        if cleaned:
            pieces.append(cleaned)
    return list(dict.fromkeys(pieces))


def _find_format(tokens: list[_Token], used: set[int]) -> str | None:
    lows = [t.low for t in tokens]
    for words, value in _FORMAT_PHRASES:
        size = len(words)
        for index in range(len(tokens) - size + 1):
            span = range(index, index + size)
            if tuple(lows[index:index + size]) == words and not used.intersection(span):
                used.update(span)
                return str(value)
    for index, low in enumerate(lows):
        if index in used:
            continue
        for pattern, value in _FORMAT_WORDS:
            if pattern.match(low):
                used.add(index)
                return str(value)
    return None


def _find_names(tokens: list[_Token], used: set[int]) -> list[str]:
    """Phrases naming people: after "with"/"с", else the capitalised words left over."""
    marker = next((i for i, t in enumerate(tokens) if i not in used and t.low in _WITH), None)
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
        if low in _SEPARATORS:
            close()
            continue
        if low in _NAME_STOPPERS and marker is not None and index > marker + 1:
            close()
            break
        if low in _STOP or low in _WITH:
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


# --- Russian names -----------------------------------------------------------------------


def nominative_forms(word: str) -> list[str]:
    """The word itself, then the nominatives it may be a declined form of ("Анной" → "Анна")."""
    forms = [word]
    if not _CYRILLIC.search(word) or len(word) < 3:
        return forms
    lowered = word.lower()
    for ending, replacements in _ENDINGS:
        if lowered.endswith(ending) and len(lowered) - len(ending) >= 2:
            stem = word[: len(word) - len(ending)]
            for replacement in replacements:
                form = stem + replacement
                if form not in forms:
                    forms.append(form)
    return forms


def _phrase_variants(phrase: str) -> Iterator[str]:
    words = phrase.split()
    seen: set[str] = set()
    for combo in product(*(nominative_forms(w) for w in words)):
        candidate = " ".join(combo)
        if candidate not in seen:
            seen.add(candidate)
            yield candidate
        if len(seen) >= MAX_VARIANTS:
            return


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
