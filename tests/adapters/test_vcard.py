"""The vCard reader and writer: every corpus card, hand-checked values, and cards of our own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import CORPUS
from tiekeep.adapters import vcard, vcard_export
from tiekeep.adapters.records import ContactRecord, Record, SkippedRecord
from tiekeep.core.db import Database
from tiekeep.errors import ImportRejected, InvalidInput
from tiekeep.services import contacts, importing, roles

VCARD = CORPUS / "vcard"
VCARD_FILES = sorted(VCARD.rglob("*.vcf"))


def read(path: Path) -> list[Record]:
    return list(vcard.read(path, options={}))


def cards(path: Path) -> list[ContactRecord]:
    return [r for r in read(path) if isinstance(r, ContactRecord)]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


# --- the corpus ---------------------------------------------------------------------------


def test_the_corpus_is_there() -> None:
    assert len(VCARD_FILES) == 36


@pytest.mark.parametrize("path", VCARD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_imports(path: Path, db: Database, owner_id: int) -> None:
    """Each file imports (none in the corpus is broken beyond its cards), twice the same."""
    records = read(path)
    assert records, "a file with cards yields records"
    for record in records:
        assert record.where.startswith(path.name + ", line ")
    with db.transaction() as s:
        first = importing.run(s, owner_id=owner_id, kind="vcard", path=path)
    named = sum(isinstance(r, ContactRecord) for r in records)
    assert first.created + first.merged + first.updated == named
    with db.transaction() as s:
        second = importing.run(s, owner_id=owner_id, kind="vcard", path=path)
    assert (second.created, second.updated, second.merged) == (0, 0, 0)


def test_version_21_quoted_printable_and_photo() -> None:
    (card,) = cards(VCARD / "aosp-vcard" / "v21_complicated.vcf")
    assert card.name == "Joe Due"
    assert (card.given_name, card.family_name) == ("Forrest", "Gump")
    assert card.organization == "Gump Shrimp Co."
    assert card.department == "Sales Dept.;Manager"
    assert card.title == "Shrimp Man"
    assert card.emails == ["forrestgump@walladalla.com", "cell@example.com"]
    assert card.birthday == date(1980, 1, 1)
    # The quoted-printable NOTE breaks its line after "come=" onto " to the aid".
    assert card.notes is not None
    assert "Now's the time for all folk to come to the aid of their country." in card.notes
    assert card.photo is not None and card.photo[:2] == b"\xff\xd8"
    assert card.photo_type == "image/jpeg"


def test_shift_jis_with_quoted_printable() -> None:
    (card,) = cards(VCARD / "aosp-vcard" / "v21_japanese_2.vcf")
    assert card.name == "安藤 ロイド 1"
    assert (card.family_name, card.given_name) == ("安藤", "ロイド1")
    assert card.notes == "メモ"


def test_several_cards_in_one_file() -> None:
    names = [c.name for c in cards(VCARD / "aosp-vcard" / "v21_multiple_entry.vcf")]
    assert names == ["安藤ロイド3", "安藤ロイド4", "安藤ロイド5"]
    assert [c.name for c in cards(VCARD / "ez-vcard" / "gmail-list.vcf")] == [
        "Arnold Smith", "Chris Beatle", "Doug White"]
    assert len(cards(VCARD / "ical4j-vcard" / "vcard-vCards-SAP.vcf")) == 30


def test_version_40_birthday_without_year() -> None:
    (card,) = cards(VCARD / "ez-vcard" / "rfc6350-example.vcf")
    assert card.name == "Simon Perreault"
    assert card.birthday == date(1604, 2, 3)
    assert card.birthday_has_year is False
    assert card.location == "Quebec, Canada"


def test_categories_urls_and_escaped_commas() -> None:
    (card,) = cards(VCARD / "icaljs" / "vcard3.vcf")
    assert card.name == "Mr. John Q. Public, Esq."
    assert card.organization == "ABC, Inc."
    assert card.department == "North American Division"
    assert card.title == "Director, Research and Development"
    assert card.tags == ["TRAVEL AGENT", "INTERNET", "IETF", "INDUSTRY",
                         "INFORMATION TECHNOLOGY"]
    assert card.birthday == date(1996, 4, 15)
    (gmail,) = cards(VCARD / "ez-vcard" / "John_Doe_GMAIL.vcf")
    assert gmail.urls == [("website", "http://www.ibm.com")]  # written as http\://


def test_lotus_notes_profile_line_does_not_derail_the_card() -> None:
    (card,) = cards(VCARD / "ez-vcard" / "John_Doe_LOTUS_NOTES.vcf")
    assert card.source_key == "0e7602cc-443e-4b82-b4b1-90f62f99a199"
    assert card.organization == "IBM" and card.department == "SUN"
    assert card.birthday == date(1980, 5, 21)


def test_a_card_without_name_email_or_phone_is_skipped() -> None:
    (record,) = read(VCARD / "kcontacts" / "vcard7.vcf")
    assert isinstance(record, SkippedRecord)
    assert record.where == "vcard7.vcf, line 1"


def test_latin1_bytes_without_charset_fall_back() -> None:
    (card,) = cards(VCARD / "ical4j-vcard" / "vcard-antoni-outlook2003-valueurl.vcf")
    assert card.name == "Antoni Jozef Mylka jun."
    assert card.location == "Kaiserslautern, Deutschland"


# --- cards of our own ----------------------------------------------------------------------


def test_folded_lines_and_no_year_birthday(tmp_path: Path) -> None:
    path = write(tmp_path, "folded.vcf", """BEGIN:VCARD
VERSION:3.0
FN:Anna
  Petrova
N:Petrova;Anna;;;
EMAIL:anna@exam
 ple.com
BDAY:--0315
ORG:Acme;Sales
TITLE:Head of Sales
CATEGORIES:mentor,alumni
URL:https://www.linkedin.com/in/anna-petrova/
END:VCARD
""")
    (card,) = cards(path)
    assert card.name == "Anna Petrova"
    assert card.emails == ["anna@example.com"]
    assert (card.birthday, card.birthday_has_year) == (date(1604, 3, 15), False)
    assert (card.organization, card.department, card.title) == ("Acme", "Sales", "Head of Sales")
    assert card.tags == ["mentor", "alumni"]
    assert card.urls == [("linkedin", "https://www.linkedin.com/in/anna-petrova/")]


def test_charset_parameter_decodes_legacy_bytes(tmp_path: Path) -> None:
    path = tmp_path / "koi8r.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=KOI8-R:"
                     + "Иван Петров".encode("koi8_r")
                     + b"\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=9F=D1=80=D0=B8=\r\n"
                       b"=D0=B2=D0=B5=D1=82\r\nEND:VCARD\r\n")
    (card,) = cards(path)
    assert card.name == "Иван Петров"
    assert card.notes == "Привет"


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "utf16.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Jürgen Groß\nEND:VCARD\n",
                 encoding="utf-16")
    assert [c.name for c in cards(path)] == ["Jürgen Groß"]


def test_bad_birthday_is_noted_and_the_card_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "bad_birthday.vcf",
                 "BEGIN:VCARD\nVERSION:3.0\nFN:Anna\nBDAY:sometime in May\nEND:VCARD\n")
    (card,) = cards(path)
    assert card.birthday is None
    assert card.dropped == ["birthday 'sometime in May' is not a date; left out (line 4)"]


def test_truncated_file_is_rejected_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "truncated.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:One\nEND:VCARD\n"
                                            "BEGIN:VCARD\nVERSION:3.0\nFN:Two\n")
    with pytest.raises(ImportRejected, match=r"truncated.vcf, line 5: .*truncated"):
        read(path)


def test_wrong_kind_of_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "contacts_csv_as_vcard.vcf", "First Name,Last Name\nAnna,Petrova\n")
    with pytest.raises(ImportRejected, match=r"line 1: not a vCard file.*First Name"):
        read(path)


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "binary.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nFN:A\x00B\r\nEND:VCARD\r\n")
    with pytest.raises(ImportRejected, match=r"binary.vcf, line 2: NUL bytes"):
        read(path)


def test_utf16_without_byte_order_mark_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "utf16_no_bom.vcf", "BEGIN:VCARD\nFN:Anna\nEND:VCARD\n",
                 encoding="utf-16-le")
    with pytest.raises(ImportRejected, match=r"utf16_no_bom.vcf, line 1: NUL bytes.*UTF-16"):
        read(path)


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.vcf", "\n\n")
    with pytest.raises(ImportRejected, match="no vCard in the file"):
        read(path)


def test_missing_end_then_next_card_skips_the_open_one(tmp_path: Path) -> None:
    path = write(tmp_path, "missing_end.vcf", "BEGIN:VCARD\nFN:Open\nBEGIN:VCARD\nFN:Closed\n"
                                              "END:VCARD\n")
    records = read(path)
    assert isinstance(records[0], SkippedRecord) and records[0].where.endswith("line 1")
    assert [r.name for r in records if isinstance(r, ContactRecord)] == ["Closed"]


# --- reading clean lines as vobject.readOne does --------------------------------------------

# Clean lines as _normalise hands them on: escapes, groups, quoted and listed parameters,
# structured values with commas, base64, lower-case names, and lines vobject cannot parse.
TRICKY_LINES = [
    r"FN:Anna\, O'Brien",
    r"N:O\,Brien\;x;Anna\, Maria,Marie;;Dr.;Jr.",
    r"ADR;TYPE=work,pref:;;1 Main St\, Apt 2;Spring,field;IL;;USA",
    "adr;HOME;PREF:;;;Paris;;;France",
    r"ORG:Acme\, Inc.;R\;D;Sub,unit",
    "ORG:;Dept only",
    r"NOTE:first\nsecond\Nthird\\ back\, comma\; semi",
    "NOTE:a,b;c",
    "NOTE:trailing backslash\\",
    r"CATEGORIES:a,b\,c,  ,d,",
    r"UID:x\,y;z",
    "item1.URL;type=pref:http\\://example.com",
    "item1.X-ABLabel:_$!<HomePage>!$_",
    'EMAIL;TYPE="work,pref";PID=1.1:q@example.org',
    "EMAIL;TYPE=INTERNET;TYPE=WORK;X-EMPTY=:w@example.org",
    'TEL;VALUE=uri;TYPE="voice,cell":tel:+1-555',
    'ADR;LABEL="1 Main; St: here";TYPE=work:;;1 Main;Town;;;Land',
    "PHOTO;TYPE=PNG;ENCODING=b:iVBORw0KGgo=",
    "N;ENCODING=b:Zm9v",
    "TITLE;ENCODING=b:dGl0bGU=",
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-06",
    "EMAIL;=bad:x@example.org",
    'TEL;TYPE="unterminated:123',
    "item1. PHOTO:data:image/png;base64,iVBORw0KGgo=",
]


def test_clean_lines_read_as_vobject_reads_the_card() -> None:
    ours = vcard._parse(TRICKY_LINES)
    assert ours == vcard._parse_with_vobject(TRICKY_LINES)
    assert ours["ORG"][0].value == ["Acme, Inc.", "R;D", ["Sub", "unit"]]
    assert ours["NOTE"][0].value == "first\nsecond\nthird\\ back, comma; semi"
    assert ours["PHOTO"][0].value.startswith(b"\x89PNG")


def test_a_card_the_shortcut_does_not_cover_is_read_by_vobject(tmp_path: Path) -> None:
    """A decoded value with a line break, and a base64 photo vobject cannot decode."""
    path = tmp_path / "unusual.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nNOTE;CHARSET=UTF-7:one+AAo-two\r\n"
                     b"END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\n"
                     b"PHOTO;ENCODING=b:abc\r\nEND:VCARD\r\n")
    lines = ["FN:Anna", "NOTE:one\ntwo"]
    with pytest.raises(vcard._Unusual):
        vcard._parse(lines)
    anna, bob = read(path)
    assert isinstance(anna, ContactRecord)
    assert anna.notes == vcard._parse_with_vobject(lines)["NOTE"][0].value == "one"
    assert isinstance(bob, SkippedRecord)
    assert bob.reason.startswith("unreadable card: decoding with 'base64' codec failed")


# --- writing -------------------------------------------------------------------------------


def _rich_contact(db: Database, owner_id: int) -> int:
    with db.transaction() as s:
        anna = factories.contact(
            s, owner_id, "Anna Petrova", given_name="Anna", family_name="Petrova",
            emails=["anna@example.com", "a.petrova@acme.io"], phones=["+49 30 1234567"],
            organization="Acme, Inc.", department="Sales; EMEA", title="Head of Sales",
            tags=["mentor", "alumni"], birthday=date(1604, 3, 15), birthday_has_year=False,
            location="Berlin, Germany", personal_notes="Likes chess.\nTwo kids; loves jazz.",
            urls=[("linkedin", "https://www.linkedin.com/in/anna-petrova")])
        anna.photo, anna.photo_type = b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"
        factories.contact(s, owner_id, "Иван Петров", birthday=date(1980, 5, 21),
                          emails=["ivan@example.ru"])
        return anna.id


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_export_round_trips_through_vobject_and_our_importer(
        version: str, db: Database, owner_id: int, tmp_path: Path) -> None:
    import vobject

    _rich_contact(db, owner_id)
    path = tmp_path / f"export_{version}.vcf"
    with db.reading() as s:
        result = importing.export(s, owner_id=owner_id, kind="vcard", path=path,
                                  options={"version": version})
    assert result == {"contacts": 2, "version": version}
    parsed = list(vobject.readComponents(path.read_text(encoding="utf-8")))
    assert [c.fn.value for c in parsed] == ["Anna Petrova", "Иван Петров"]
    assert all(c.version.value == version for c in parsed)
    assert all(len(line) <= 75 for line in path.read_bytes().split(b"\r\n"))
    anna, ivan = cards(path)
    assert anna.name == "Anna Petrova" and (anna.given_name, anna.family_name) == (
        "Anna", "Petrova")
    assert anna.emails == ["anna@example.com", "a.petrova@acme.io"]
    assert anna.phones == ["+49301234567"]
    assert (anna.organization, anna.department, anna.title) == (
        "Acme, Inc.", "Sales; EMEA", "Head of Sales")
    assert (anna.birthday, anna.birthday_has_year) == (date(1604, 3, 15), False)
    assert anna.location == "Berlin, Germany"
    assert anna.notes == "Likes chess.\nTwo kids; loves jazz."
    assert sorted(anna.tags) == ["alumni", "mentor"]
    assert anna.urls == [("linkedin", "https://www.linkedin.com/in/anna-petrova")]
    assert anna.photo == b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    assert anna.photo_type == "image/png"
    assert (ivan.birthday, ivan.birthday_has_year) == (date(1980, 5, 21), True)


def test_export_then_import_into_an_empty_database(db: Database, owner_id: int,
                                                   tmp_path: Path) -> None:
    from tiekeep.core.schema import open_database
    from tiekeep.services import users

    _rich_contact(db, owner_id)
    path = tmp_path / "everyone.vcf"
    with db.reading() as s:
        importing.export(s, owner_id=owner_id, kind="vcard", path=path, options={})
    other = open_database(str(tmp_path / "other.db"))
    try:
        with other.transaction() as s:
            owner = users.create(s, username="bob").id
            summary = importing.run(s, owner_id=owner, kind="vcard", path=path)
        assert summary.created == 2
        with other.reading() as s:
            found = contacts.resolve(s, owner_id=owner, ref="anna@example.com")
            view = contacts.to_dict(found)
        assert view["organization"] == "Acme, Inc." and view["birthday"] == "--03-15"
        assert view["phones"] == ["+49301234567"]
    finally:
        other.dispose()


def test_export_refuses_an_unknown_version(db: Database, owner_id: int, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="3.0 or 4.0"), db.reading() as s:
        importing.export(s, owner_id=owner_id, kind="vcard", path=tmp_path / "x.vcf",
                         options={"version": "2.1"})


def test_exported_role_is_the_current_one(db: Database, owner_id: int, tmp_path: Path) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna Petrova", organization="Acme", title="Lead")
        roles.change(s, owner_id=owner_id, contact_id=anna.id,
                     new=roles.RoleChange(organization="Initech", title="CTO"),
                     today=date(2025, 1, 1))
    path = tmp_path / "current_role.vcf"
    with db.reading() as s:
        importing.export(s, owner_id=owner_id, kind="vcard", path=path, options={})
    (card,) = cards(path)
    assert (card.organization, card.title) == ("Initech", "CTO")


def test_escape_and_fold() -> None:
    assert vcard_export.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = vcard_export.fold("NOTE:" + "ж" * 60)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "NOTE:" + "ж" * 60 + "\r\n"
