"""The words free text is read with: names of formats and dates in English and Russian,
the little words around names and topics, and Russian case endings.

Kept apart from ``services.freetext``, which applies them, so that either can be read on
its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import product

from tiekeep.core.enums import Format

MAX_VARIANTS = 24

# A generic "meeting": a one-on-one with one participant, a discussion with more.
MEETING = "meeting"

TOKEN = re.compile(
    r"\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?"          # a time of day
    r"|1:1\b"                                     # a one-on-one
    r"|\d{4}-\d{2}-\d{2}"                         # an ISO date
    r"|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?"        # 20.11, 20/11/2026
    r"|#?\w(?:[\w'’@+-]|\.(?=\w))*"               # a word, an email, #12
    r"|[,;&+]"
)

WITH = {"with", "w/", "с", "со"}
SEPARATORS = {",", ";", "&", "+", "and", "и"}
# Words that end a list of names: a place or an aside, not a person.
NAME_STOPPERS = {"at", "in", "for", "from", "on", "в", "на", "у", "из", "для", "после"}
TOPIC_MARKERS = {"about", "regarding", "re", "re:", "concerning", "про", "о", "об", "обо",
                  "насчёт", "насчет"}
ARTICLES = ("the ", "a ", "an ", "our ", "my ")
STOP = {
    "i", "we", "me", "my", "our", "had", "have", "has", "a", "an", "the", "quick", "short",
    "long", "brief", "great", "good", "nice", "spoke", "talked", "talk", "caught", "up",
    "catch", "catch-up", "together", "just", "also", "again", "to", "by", "of", "it",
    "я", "мы", "был", "была", "были", "было", "провёл", "провел", "провела", "поговорил",
    "поговорила", "поговорили", "говорил", "говорила", "быстрый", "короткий", "хороший",
    "вместе", "снова", "ещё", "еще", "тоже", "по", "ним", "ней", "ними",
}

# Date words: a run of tokens around one of these is tried as a date or time.
DATE_CORE = re.compile(
    r"^(yesterday|today|tonight|tomorrow|ago|назад|вчера|сегодня|позавчера|завтра"
    r"|mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(rs(day)?)?|fri(day)?|sat(urday)?|sun(day)?"
    r"|понедельник\w*|вторник\w*|сред[ауе]|четверг\w*|пятниц[аеу]|суббот[аеу]|воскресень[ея]"
    r"|\d{1,2}:\d{2}.*|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}([./]\d{2,4})?|утром|вечером"
    r"|morning|afternoon|evening|noon|полдень)$")
DATE_HELPER = re.compile(
    r"^(on|at|in|last|this|past|the|of|a|an|week|weeks|day|days|month|months|hour|hours"
    r"|\d{1,4}|\d{1,2}(st|nd|rd|th)|am|pm|a\.m|p\.m|в|во|на|прошлой|прошлый|прошлую|этой|этот"
    r"|эту|неделе|неделю|недели|недель|день|дня|дней|час|часа|часов|месяц|месяца|месяцев"
    r"|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|jun(e)?|jul(y)?|aug(ust)?"
    r"|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?|январ[яь]|феврал[яь]|март[а]?"
    r"|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|август[а]?|сентябр[яь]|октябр[яь]|ноябр[яь]"
    r"|декабр[яь])$")
RELATIVE = re.compile(r"^(yesterday|today|tonight|ago|назад|вчера|сегодня|позавчера)$")
DAY_MONTH = re.compile(r"\b(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\b")
MONTH = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|январ|феврал|март"
                    r"|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)")
HAS_TIME = re.compile(r"\d:\d\d|\d\s*[ap]\.?m|\bam\b|\bpm\b|morning|afternoon|evening|noon"
                       r"|утром|вечером|днём|днем|полдень|\bв\s+\d|\bat\s+\d|\d\s+(час|hour)"
                       r"|ago\b|назад")

# Format words: multi-word phrases are matched before single words.
FORMAT_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("virtual", "coffee"), Format.VIRTUAL_COFFEE), (("video", "call"), Format.VIDEO_CALL),
    (("phone", "call"), Format.CALL), (("team", "meeting"), Format.TEAM_MEETING),
    (("project", "sync"), Format.PROJECT_SYNC), (("status", "update"), Format.STATUS_UPDATE),
    (("one", "on", "one"), Format.ONE_ON_ONE), (("один", "на", "один"), Format.ONE_ON_ONE),
    (("online", "event"), Format.ONLINE_EVENT), (("по", "телефону"), Format.CALL),
    (("по", "почте"), Format.EMAIL), (("обратная", "связь"), Format.FEEDBACK),
)
FORMAT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
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
ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ией", ("ия",)), ("ьей", ("ья",)), ("ием", ("ий",)), ("ской", ("ская",)),
    ("цкой", ("цкая",)), ("ским", ("ский",)), ("цким", ("цкий",)), ("ии", ("ия", "ий")),
    ("ию", ("ия",)), ("ью", ("ья", "ь")), ("ой", ("а", "ая", "ый")), ("ей", ("я", "а", "ь")),
    ("ём", ("ь",)), ("ем", ("й", "ь", "")), ("ом", ("",)), ("ым", ("", "ый")), ("им", ("ий", "")),
    ("ою", ("а",)), ("е", ("а", "я", "")), ("у", ("а", "")),
    ("ю", ("я", "й", "ь")), ("ы", ("а",)), ("и", ("а", "я", "ь")), ("а", ("", "й")),
    ("я", ("й", "ь")),
)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def nominative_forms(word: str) -> list[str]:
    """The word itself, then the nominatives it may be a declined form of ("Анной" → "Анна")."""
    forms = [word]
    if not CYRILLIC.search(word) or len(word) < 3:
        return forms
    lowered = word.lower()
    for ending, replacements in ENDINGS:
        if lowered.endswith(ending) and len(lowered) - len(ending) >= 2:
            stem = word[: len(word) - len(ending)]
            for replacement in replacements:
                form = stem + replacement
                if form not in forms:
                    forms.append(form)
    return forms


def phrase_variants(phrase: str) -> Iterator[str]:
    words = phrase.split()
    seen: set[str] = set()
    for combo in product(*(nominative_forms(w) for w in words)):
        candidate = " ".join(combo)
        if candidate not in seen:
            seen.add(candidate)
            yield candidate
        if len(seen) >= MAX_VARIANTS:
            return
