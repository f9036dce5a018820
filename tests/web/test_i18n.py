"""English and Russian: complete catalogs, compiled at start-up, chosen by the user's setting,
else by the browser's Accept-Language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tiekeep.core.enums import Format, Horizon, Initiator, LinkKind, Status, Tier, ValueKind
from tiekeep.web import i18n
from tiekeep.web.vocabulary import TERMS

WEB = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _extracted() -> set[str]:
    found = extract_from_dir(str(WEB), [("**.py", "python"),
                                        ("**/templates/**.html", "jinja2")], keywords=KEYWORDS)
    return {m[0] if isinstance(m, tuple) else m for _, _, m, _, _ in found}


def test_every_message_has_a_russian_translation() -> None:
    with (WEB / "i18n" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - translated)
    assert not missing, f"translate these in ru/messages.po: {missing}"


def test_every_enum_value_shown_as_a_label_is_in_the_vocabulary() -> None:
    for name, enum in (("tier", Tier), ("horizon", Horizon), ("initiator", Initiator),
                       ("value_kind", ValueKind), ("link_kind", LinkKind),
                       ("status", Status), ("format", Format)):
        assert {m.value for m in enum} == set(TERMS[name]), name


def test_catalogs_compile_in_memory() -> None:
    translations = i18n.load_translations()
    assert translations["ru"].gettext("Contacts") == "Контакты"
    assert translations["en"].gettext("Contacts") == "Contacts"


def test_accept_language_negotiation() -> None:
    assert i18n.negotiate(None, "ru-RU,ru;q=0.9,en;q=0.8", "en") == "ru"
    assert i18n.negotiate(None, "de-DE, en;q=0.5, ru;q=0.7", "en") == "ru"
    assert i18n.negotiate(None, "de, fr", "en") == "en"
    assert i18n.negotiate("en", "ru", "en") == "en"
    assert i18n.negotiate("", "ru", "en") == "ru"
    assert i18n.negotiate(None, "garbage;;q=x,,", "ru") == "ru"


def test_login_page_follows_the_browser(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "ru,en;q=0.5"})
    assert 'lang="ru"' in page.text and "Войти" in page.text
    assert page.headers["content-language"] == "ru"


def test_the_users_setting_wins_over_the_browser(browser: TestClient) -> None:
    english = browser.get("/contacts", headers={"Accept-Language": "ru"})
    assert "Contacts" in english.text  # alice chose English when she was created
    browser.post("/settings", data={"locale": "ru", "time_zone": "UTC", "display_name": "A",
                                    "csrf_token": browser.cookies["tiekeep_csrf"]})
    russian = browser.get("/contacts", headers={"Accept-Language": "en"})
    assert "Контакты" in russian.text and 'lang="ru"' in russian.text
    browser.post("/settings", data={"locale": "", "time_zone": "UTC", "display_name": "A",
                                    "csrf_token": browser.cookies["tiekeep_csrf"]})
    assert "Контакты" in browser.get("/contacts", headers={"Accept-Language": "ru"}).text
    assert "Contacts" in browser.get("/contacts", headers={"Accept-Language": "en"}).text
