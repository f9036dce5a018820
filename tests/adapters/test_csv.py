"""Contacts CSV: Google, Outlook and Thunderbird, the corpus, our own formula-safe export."""

# ruff: noqa: E501  (sample files keep real exports' long header lines)

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import CORPUS
from tiekeep.adapters import csv_contacts, csv_export
from tiekeep.adapters.records import ContactRecord, Record, SkippedRecord
from tiekeep.core.db import Database
from tiekeep.errors import ImportRejected
from tiekeep.services import contacts, importing

CSV = CORPUS / "csv"
CONTACT_FILES = sorted([*(CSV / "roundcube").glob("*.csv"), *(CSV / "thunderbird").glob("*.csv")])


def read(path: Path) -> list[Record]:
    return list(csv_contacts.read(path, options={}))


def people(path: Path) -> list[ContactRecord]:
    return [r for r in read(path) if isinstance(r, ContactRecord)]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("path", CONTACT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_contacts_csv_imports(path: Path, db: Database, owner_id: int) -> None:
    records = read(path)
    assert records and all(isinstance(r, ContactRecord) for r in records)
    with db.transaction() as s:
        summary = importing.run(s, owner_id=owner_id, kind="csv", path=path)
    assert summary.created == len(records)
    with db.transaction() as s:
        again = importing.run(s, owner_id=owner_id, kind="csv", path=path)
    assert (again.created, again.updated, again.merged, again.unchanged) == (
        0, 0, 0, len(records))


@pytest.mark.parametrize("name", ["Connections.csv", "Messages.csv"])
def test_linkedin_files_are_sent_to_the_linkedin_importer(name: str) -> None:
    with pytest.raises(ImportRejected, match="tiekeep import linkedin"):
        read(CSV / "linkedin" / name)


def test_google_legacy_export() -> None:
    (person,) = people(CSV / "roundcube" / "gmail.csv")
    assert person.name == "Prefix Firstname Middle Lastname Suffix"
    assert (person.given_name, person.family_name) == ("Firstname", "Lastname")
    assert person.emails == ["home@aaa.pl", "work@email.pl", "unknown@email.com",
                             "other@email.com"]
    assert (person.organization, person.title) == ("company", "jobtitle")
    assert person.birthday == date(1975, 12, 12)
    assert person.notes == 'note"note'
    assert person.tags == ["Test"]  # "* My Contacts" says nothing
    assert person.location == "home_city, home_country"
    assert person.urls == [("website", "test.com"), ("website", "home.page.com")]


def test_thunderbird_exports() -> None:
    (person,) = people(CSV / "roundcube" / "tb_plain.csv")
    assert person.name == "Displayname"
    assert person.emails == ["test@domain.tld", "next@domain.tld"]
    assert (person.organization, person.department, person.title) == (
        "Organization", "department", "title")
    assert person.birthday == date(1970, 11, 15)
    (john,) = people(CSV / "thunderbird" / "basic_addressbook.csv")
    assert (john.name, john.emails) == ("John Doe", ["johndoe@host.invalid"])
    names = [p.name for p in people(CSV / "roundcube" / "email.csv")]
    assert names == ["test1@domain.tld", "test2@domain.tld", "test3@domain.tld",
                     "test4@domain.tld"]


GOOGLE_NEW = """\ufeffFirst Name,Middle Name,Last Name,Organization Name,Organization Title,Organization Department,Birthday,Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Website 1 - Label,Website 1 - Value
Anna,,Petrova,Acme,Head of Sales,Sales,--03-15,"Met at
the conference",* myContacts ::: Mentors,* Work,anna@acme.io ::: anna@gmail.com,Mobile,+49 151 2345678,Profile,https://www.linkedin.com/in/anna
,,,,,,,,,,,,,,
"""


def test_google_current_export_with_multiline_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "google_contacts.csv", GOOGLE_NEW)
    (anna,) = people(path)
    assert anna.name == "Anna Petrova"
    assert anna.emails == ["anna@acme.io", "anna@gmail.com"]
    assert anna.phones == ["+49 151 2345678"]
    assert (anna.organization, anna.title, anna.department) == ("Acme", "Head of Sales", "Sales")
    assert (anna.birthday, anna.birthday_has_year) == (date(1604, 3, 15), False)
    assert anna.notes == "Met at\nthe conference"
    assert anna.tags == ["Mentors"]
    assert anna.urls == [("linkedin", "https://www.linkedin.com/in/anna")]
    assert anna.where == "google_contacts.csv, line 2"


OUTLOOK = """First Name,Middle Name,Last Name,Title,Suffix,Company,Department,Job Title,Business Phone,Mobile Phone,Birthday,Notes,E-mail Address,E-mail 2 Address,Categories,Web Page,Business City,Business Country/Region
Jürgen,,Groß,Dr.,,Initech GmbH,R&D,CTO,+49 30 1234567,,5/21/1980,,juergen@initech.de,,Key;Partners,,Berlin,Germany
;;;;
,,,,,,,,,,,,,,,,,
"""


def test_outlook_export_in_windows_1252(tmp_path: Path) -> None:
    path = write(tmp_path, "outlook_ansi.csv", OUTLOOK, encoding="cp1252")
    records = read(path)
    (juergen,) = [r for r in records if isinstance(r, ContactRecord)]
    assert juergen.name == "Jürgen Groß"  # "Dr." is Outlook's Title, not the job
    assert (juergen.organization, juergen.department, juergen.title) == (
        "Initech GmbH", "R&D", "CTO")
    assert juergen.phones == ["+49 30 1234567"]
    assert juergen.birthday == date(1980, 5, 21)
    assert juergen.tags == ["Key", "Partners"]
    assert juergen.location == "Berlin, Germany"
    skipped = [r for r in records if isinstance(r, SkippedRecord)]
    assert [(s.where, s.reason) for s in skipped] == [
        ("outlook_ansi.csv, line 3", "no name, email or phone")]


def test_semicolon_delimited_export(tmp_path: Path) -> None:
    path = write(tmp_path, "semicolons.csv", "First Name;Last Name;Primary Email\n"
                                             "Anna;Petrova;anna@example.com\n")
    assert [(p.name, p.emails) for p in people(path)] == [("Anna Petrova",
                                                           ["anna@example.com"])]


def test_truncated_quote_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "truncated_quote.csv",
                 'First Name,Last Name,Primary Email,Notes\nAnna,Petrova,a@x.org,"ok"\n'
                 'Ivan,Petrov,i@x.org,"cut in the mid')
    with pytest.raises(ImportRejected, match=r"line 3: a quoted field is not closed"):
        read(path)


def test_unknown_header_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "inventory.csv", "sku,qty\n1,2\n")
    with pytest.raises(ImportRejected, match=r"line 1: not a Google, Outlook or Thunderbird"):
        read(path)


def test_bad_date_is_noted(tmp_path: Path) -> None:
    path = write(tmp_path, "bad_birthday.csv", "First Name,Last Name,Primary Email,Birth Year,"
                                               "Birth Month,Birth Day,Display Name\n"
                                               "Anna,P,a@x.org,1980,13,40,\n")
    (anna,) = people(path)
    assert anna.birthday is None
    assert anna.dropped == ["birthday '1980-13-40' is not a date; left out"]


# --- the export ------------------------------------------------------------------------------


@pytest.mark.parametrize("value,cell", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1 555", "'+1 555"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Anna", "Anna"), (None, ""), (42, "42"),
])
def test_formula_cells_are_neutralised(value: object, cell: str) -> None:
    assert csv_export.safe(value) == cell


def test_export_is_safe_and_reads_back(db: Database, owner_id: int, tmp_path: Path) -> None:
    with db.transaction() as s:
        factories.contact(s, owner_id, "=cmd|' /C calc'!A0", emails=["evil@example.com"],
                          phones=["+49 30 1234567"], organization="@Acme", title="-Lead",
                          tags=["a", "b"], birthday=date(1604, 2, 29), birthday_has_year=False)
        factories.contact(s, owner_id, "Anna Petrova", emails=["anna@example.com"],
                          personal_notes="line one\nline two")
    path = tmp_path / "contacts_export.csv"
    with db.reading() as s:
        assert importing.export(s, owner_id=owner_id, kind="csv", path=path,
                                options={}) == {"contacts": 2}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(csv_export.COLUMNS)
    evil = rows[1]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert evil[1] == "'=cmd|' /C calc'!A0"
    assert evil[5] == "'+49301234567"
    assert (evil[6], evil[8]) == ("'@Acme", "'-Lead")
    assert evil[13] == "'--02-29"
    evil_again, anna = people(path)
    assert evil_again.name == "=cmd|' /C calc'!A0"
    assert evil_again.phones == ["+49301234567"]
    assert (evil_again.organization, evil_again.title) == ("@Acme", "-Lead")
    assert (evil_again.birthday, evil_again.birthday_has_year) == (date(1604, 2, 29), False)
    assert anna.notes == "line one\nline two"


def test_exported_csv_imports_into_another_account(db: Database, owner_id: int,
                                                    tmp_path: Path) -> None:
    from tiekeep.services import users

    with db.transaction() as s:
        factories.contact(s, owner_id, "Anna Petrova", emails=["anna@example.com"],
                          organization="Acme", department="Sales", title="Lead", tags=["vip"])
        other = users.create(s, username="bob").id
    path = tmp_path / "for_bob.csv"
    with db.reading() as s:
        importing.export(s, owner_id=owner_id, kind="csv", path=path, options={})
    with db.transaction() as s:
        assert importing.run(s, owner_id=other, kind="csv", path=path).created == 1
    with db.reading() as s:
        view = contacts.to_dict(contacts.resolve(s, owner_id=other, ref="anna@example.com"))
    assert (view["organization"], view["department"], view["title"], view["tags"]) == (
        "Acme", "Sales", "Lead", ["vip"])
