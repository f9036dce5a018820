"""The LinkedIn reader: the corpus export, its preamble, folders and zips, and who is me."""

# ruff: noqa: E501  (sample files keep real exports' long lines)

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tiekeep.adapters import linkedin
from tiekeep.adapters.records import ContactRecord, InteractionRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

LINKEDIN = CORPUS / "csv" / "linkedin"


def read(path: Path, **options: object) -> list[Record]:
    return list(linkedin.read(path, options=options))


def messages(path: Path, **options: object) -> list[InteractionRecord]:
    return [r for r in read(path, **options) if isinstance(r, InteractionRecord)]


def test_connections_with_notes_preamble() -> None:
    records = read(LINKEDIN / "Connections.csv")
    assert all(isinstance(r, ContactRecord) for r in records)
    people = [r for r in records if isinstance(r, ContactRecord)]
    assert len(people) == 10
    alice = people[0]
    assert alice.name == "Alice Johnson"
    assert (alice.given_name, alice.family_name) == ("Alice", "Johnson")
    assert alice.emails == ["alice.johnson@techcorp.com"]
    assert (alice.organization, alice.title) == ("TechCorp", "CTO")
    assert (alice.how_met, alice.met_on) == ("LinkedIn", date(2023, 1, 15))
    assert alice.urls == [("linkedin", "https://linkedin.com/in/alicejohnson")]
    assert alice.source_key == "linkedin.com/in/alicejohnson"
    assert alice.where == "Connections.csv, line 6"  # after four preamble lines and the header
    carol = people[2]
    assert carol.emails == [] and carol.met_on == date(2023, 5, 10)


def test_messages_initiator_threads_and_replies() -> None:
    found = messages(LINKEDIN / "Messages.csv")
    assert len(found) == 11
    first, answer, third, fourth = found[:4]
    assert [p.name for p in first.participants] == ["Alice Johnson"]
    assert first.participants[0].url == "https://linkedin.com/in/alicejohnson"
    assert (first.initiated_by, answer.initiated_by) == ("them", "me")
    assert first.occurred_at == datetime(2024, 5, 15, 10, 30, tzinfo=UTC)
    assert first.thread_key == answer.thread_key == "linkedin:conv001"
    assert first.in_reply_to_key is None
    assert answer.in_reply_to_key == first.source_key
    assert third.in_reply_to_key == answer.source_key
    assert fourth.in_reply_to_key == third.source_key
    assert first.format == "chat"
    # Eve's conversation starts with my message, which answers nothing.
    eve_first, eve_reply = found[-2:]
    assert (eve_first.initiated_by, eve_first.in_reply_to_key) == ("me", None)
    assert eve_reply.in_reply_to_key == eve_first.source_key
    # My message names Eve in TO without a URL; the URL she sent with is used.
    assert eve_first.participants[0].url == "https://linkedin.com/in/evewilson"


def test_source_keys_are_stable() -> None:
    assert [m.source_key for m in messages(LINKEDIN / "Messages.csv")] == [
        m.source_key for m in messages(LINKEDIN / "Messages.csv")]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


NEWEST_FIRST = """CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER
c1,,Me Myself,https://www.linkedin.com/in/me,Anna Petrova,https://www.linkedin.com/in/anna,2024-03-02 09:00:00 UTC,,Sure!,INBOX
c1,,Me Myself,https://www.linkedin.com/in/me,Anna Petrova,https://www.linkedin.com/in/anna,2024-03-02 08:59:00 UTC,,Also...,INBOX
c1,,Anna Petrova,https://www.linkedin.com/in/anna,Me Myself,https://www.linkedin.com/in/me,2024-03-01 10:00:00 UTC,Coffee?,Coffee next week?,INBOX
"""


def test_newest_first_export_and_my_name_from_options(tmp_path: Path) -> None:
    path = _write(tmp_path / "messages.csv", NEWEST_FIRST)
    with pytest.raises(ImportRejected, match="cannot tell which participant is you"):
        read(path)
    late, early_mine, theirs = messages(path, my_names=["me myself"])
    assert theirs.initiated_by == "them" and theirs.summary == "Coffee?"
    # My first message answers hers; my second one, right after, answers nothing.
    assert early_mine.in_reply_to_key == theirs.source_key
    assert late.in_reply_to_key is None
    assert late.occurred_at == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def test_me_is_who_is_not_a_connection(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder / "Connections.csv", "First Name,Last Name,URL,Email Address,Company,"
           "Position,Connected On\nAnna,Petrova,https://www.linkedin.com/in/anna,,,,"
           "01 Jan 2024\n")
    _write(folder / "messages.csv", NEWEST_FIRST)
    found = [r for r in read(folder) if isinstance(r, InteractionRecord)]
    assert [m.initiated_by for m in found] == ["me", "me", "them"]


def test_folder_and_zip_read_connections_first(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("Connections.csv", "Messages.csv"):
        (folder / name).write_bytes((LINKEDIN / name).read_bytes())
    from_folder = read(folder)
    assert [type(r).__name__ for r in from_folder[:1]] == ["ContactRecord"]
    assert sum(isinstance(r, ContactRecord) for r in from_folder) == 10
    assert sum(isinstance(r, InteractionRecord) for r in from_folder) == 11
    archive = tmp_path / "Basic_LinkedInDataExport.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(LINKEDIN / "Messages.csv", "Messages.csv")
        out.write(LINKEDIN / "Connections.csv", "Connections.csv")
    from_zip = read(archive)
    assert [r.where for r in from_zip] == [r.where for r in from_folder]


def test_bad_rows_are_skipped_and_bad_dates_noted(tmp_path: Path) -> None:
    path = _write(tmp_path / "Connections.csv",
                  "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                  ",,https://www.linkedin.com/in/nobody,,,,01 Jan 2024\n"
                  "Anna,Petrova,https://www.linkedin.com/in/anna,,Acme,Lead,someday\n")
    skipped, anna = read(path)
    assert isinstance(skipped, SkippedRecord) and skipped.where == "Connections.csv, line 2"
    assert isinstance(anna, ContactRecord)
    assert anna.met_on is None
    assert anna.dropped == ["Connected On 'someday' is not a date; left out"]


@pytest.mark.parametrize("text,message", [
    ("BEGIN:VCARD\nFN:Anna\nEND:VCARD\n", "not a LinkedIn"),
    ("", "not a LinkedIn"),
])
def test_wrong_kind_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "not_linkedin.csv", text)
    with pytest.raises(ImportRejected, match=message):
        read(path)


def test_folder_without_export_files_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="no Connections.csv or messages.csv"):
        read(tmp_path)


def test_connected_on_forms() -> None:
    assert linkedin.parse_date("15 Jan 2023") == date(2023, 1, 15)
    assert linkedin.parse_date("Jan 15, 2023") == date(2023, 1, 15)
    assert linkedin.parse_date("2023-01-15") == date(2023, 1, 15)
    assert linkedin.parse_date("yesterday") is None
