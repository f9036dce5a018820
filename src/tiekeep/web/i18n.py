"""Translations: gettext catalogs (web/i18n/<locale>/LC_MESSAGES/messages.po) via Babel.

The .po files are compiled in memory at start-up, so no .mo file needs to be built or
committed. English is the source language. The user's setting chooses the language, else the
browser's Accept-Language, else the installation's ``me.locale``.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

CATALOGS = Path(__file__).parent / "i18n"
DOMAIN = "messages"
SUPPORTED = ("en", "ru")
DEFAULT = "en"


def load_translations() -> dict[str, gettext.NullTranslations]:
    """Every supported locale's translations, compiled from its .po file."""
    from babel.messages import mofile, pofile

    result: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
    for locale in SUPPORTED:
        po = CATALOGS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.is_file():
            continue
        with po.open("rb") as handle:
            catalog = pofile.read_po(handle, locale=locale)
        buffer = io.BytesIO()
        mofile.write_mo(buffer, catalog)
        buffer.seek(0)
        result[locale] = gettext.GNUTranslations(buffer)
    return result


def parse_accept_language(header: str) -> list[str]:
    """Language codes from an Accept-Language header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        code, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, code.strip().lower()))
    return [code for quality, _, code in sorted(weighted) if quality < 0]


def negotiate(user_locale: str | None, accept_language: str | None, default: str) -> str:
    """The language to answer in."""
    if user_locale in SUPPORTED:
        return str(user_locale)
    for code in parse_accept_language(accept_language or ""):
        primary = code.split("-", 1)[0]
        if primary in SUPPORTED:
            return primary
    return default if default in SUPPORTED else DEFAULT
