"""The phone region: where a number written without '+' is read, per user.

Expected numbers worked out from the numbering plans: in Germany "030 1234567" is Berlin
(trunk prefix 0, area 30) = +49 30 1234567; in Russia "8 (916) 123-45-67" is a mobile
(trunk prefix 8) = +7 916 1234567.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from tiekeep.core.db import Database
from tiekeep.core.models import User
from tiekeep.errors import InvalidInput
from tiekeep.services import accounts, contacts, importing, parsing, users

UNKNOWN_XX = "unknown phone region 'XX' (expected a country code such as DE or US)"


@pytest.mark.parametrize("env,expected", [
    ({"LANG": "de_DE.UTF-8"}, "DE"),
    ({"LANG": "ru_RU.UTF-8"}, "RU"),
    ({"LANG": "sr_RS@latin"}, "RS"),
    ({"LANG": "pt_BR"}, "BR"),
    ({"LANG": "C.UTF-8"}, "US"),
    ({"LANG": "C"}, "US"),
    ({"LANG": "POSIX"}, "US"),
    ({"LANG": "en_ZZ.UTF-8"}, "US"),  # no such territory
    ({}, "US"),
    # POSIX order: LC_ALL, then LC_TELEPHONE, then LANG; the first one set decides.
    ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "US"),
    ({"LC_ALL": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "FR"),
    ({"LC_TELEPHONE": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "FR"),
])
def test_default_region_is_the_locales_territory(monkeypatch: pytest.MonkeyPatch,
                                                 env: dict[str, str], expected: str) -> None:
    for name in ("LC_ALL", "LC_TELEPHONE", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parsing.local_phone_region() == expected


def test_a_region_is_a_known_country_code() -> None:
    assert parsing.phone_region("de") == "DE"
    assert parsing.phone_region(" RU ") == "RU"
    for bad in ("XX", "UK", "001", ""):
        with pytest.raises(InvalidInput, match="unknown phone region"):
            parsing.phone_region(bad)
    with pytest.raises(InvalidInput) as caught:
        parsing.phone_region("XX")
    assert caught.value.message == UNKNOWN_XX


def test_a_new_user_gets_the_locales_region(db: Database,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_TELEPHONE", "de_DE.UTF-8")
    with db.transaction() as s:
        derived = users.create(s, username="hans").id
        given = users.create(s, username="olga", phone_region="ru").id
    with pytest.raises(InvalidInput, match="unknown phone region 'XX'"), db.transaction() as s:
        users.create(s, username="nobody", phone_region="XX")
    with db.reading() as s:
        stored = {name: region for name, region
                  in s.execute(select(User.username, User.phone_region))}
        assert stored == {"hans": "DE", "olga": "RU"}
        assert users.phone_region(s, owner_id=derived) == "DE"
        assert users.phone_region(s, owner_id=given) == "RU"


def test_an_unset_region_follows_the_locale(db: Database, owner_id: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction() as s:
        assert accounts.update_preferences(s, user_id=owner_id, phone_region="").phone_region \
            is None
    with db.reading() as s:
        assert users.phone_region(s, owner_id=owner_id) == "US"
    monkeypatch.setenv("LC_TELEPHONE", "ru_RU.UTF-8")
    with db.reading() as s:
        assert users.phone_region(s, owner_id=owner_id) == "RU"


def test_contacts_read_local_numbers_in_their_owners_region(db: Database) -> None:
    with db.transaction() as s:
        hans = users.create(s, username="hans", phone_region="DE").id
        olga = users.create(s, username="olga", phone_region="RU").id
        joe = users.create(s, username="joe", phone_region="US").id
        berlin = factories.contact(s, hans, "Anna", phones=["030 1234567", "+1 650 253 0000"])
        moscow = factories.contact(s, olga, "Ivan", phones=["8 (916) 123-45-67"])
        # The Berlin number read as a US one: no trunk prefix to drop, and ten digits
        # (0301234567) is a possible US length, so it becomes +1 030 123 4567.
        misread = factories.contact(s, joe, "Anna", phones=["030 1234567", "+1 650 253 0000"])
        views = [contacts.to_dict(c) for c in (berlin, moscow, misread)]
    assert views[0]["phones"] == ["+49301234567", "+16502530000"]
    assert views[1]["phones"] == ["+79161234567"]
    assert views[2]["phones"] == ["+10301234567", "+16502530000"]
    # Eleven digits (89161234567) is no possible US number.
    with pytest.raises(InvalidInput, match=r"malformed phone number '8 \(916\) 123-45-67'"), \
            db.transaction() as s:
        factories.contact(s, joe, "Ivan", phones=["8 (916) 123-45-67"])


def test_added_phones_are_read_in_the_owners_region(db: Database) -> None:
    with db.transaction() as s:
        hans = users.create(s, username="hans", phone_region="DE").id
        anna = factories.contact(s, hans, "Anna").id
    with db.transaction() as s:
        contacts.update(s, owner_id=hans, contact_id=anna, changes=contacts.ContactUpdate(
            add_phones=["030 1234567", "+49 30 1234567", "+7 916 123-45-67"]))
    with db.reading() as s:
        phones = contacts.to_dict(contacts.get(s, owner_id=hans, contact_id=anna))["phones"]
    assert phones == ["+49301234567", "+79161234567"]


def test_imported_numbers_are_read_in_the_owners_region(db: Database, tmp_path: Path) -> None:
    card = tmp_path / "berlin.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Berg\r\nTEL;TYPE=CELL:030 1234567\r\n"
                    "TEL;TYPE=WORK:+1 650 253 0000\r\nEND:VCARD\r\n", encoding="utf-8")
    with db.transaction() as s:
        hans = users.create(s, username="hans", phone_region="DE").id
        olga = users.create(s, username="olga", phone_region="RU").id
    for owner in (hans, olga):
        with db.transaction() as s:
            importing.run(s, owner_id=owner, kind="vcard", path=card)
    with db.reading() as s:
        found = {owner: contacts.to_dict(contacts.list(s, owner_id=owner)[0])["phones"]
                 for owner in (hans, olga)}
    # The same card: a Berlin number for Hans (the trunk 0 dropped after +49); for Olga the
    # ten digits stay a national number behind +7 (Russia's trunk prefix is 8, not 0).
    assert found[hans] == ["+49301234567", "+16502530000"]
    assert found[olga] == ["+70301234567", "+16502530000"]
