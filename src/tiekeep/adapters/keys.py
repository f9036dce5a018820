"""Keys that say two records name the same person: a normalised name, a profile URL.

Pure functions, shared by the readers (a LinkedIn profile is a connection's source key) and
identity resolution, and cheap to import: a reader must not pull in the database layer.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_LINKEDIN = re.compile(r"^(?:[a-z]{2,3}\.)?linkedin\.com/(in|pub)/([^/?#]+)")


def transliterate(value: str) -> str:
    """Latin letters for any script, lower-cased (as core.search.transliterate does)."""
    from unidecode import unidecode

    return unidecode(value).lower()


def name_key(name: str) -> str:
    """A name as compared: transliterated, lower-case, punctuation dropped, words sorted."""
    return " ".join(sorted(_WORD.findall(transliterate(name))))


def url_key(url: str) -> str:
    """A URL as compared: no scheme, no www, no query or trailing slash; LinkedIn by profile."""
    text = _SCHEME.sub("", url.strip().lower()).removeprefix("www.")
    if match := _LINKEDIN.match(text):
        return f"linkedin.com/{match.group(1)}/{match.group(2)}"
    return text.split("#", 1)[0].rstrip("/")
