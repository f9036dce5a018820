"""The mail reader: every corpus file, hand-checked headers, and small messages of our own."""

from __future__ import annotations

import base64
import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tiekeep.adapters import mail
from tiekeep.adapters.records import InteractionRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

MAIL = CORPUS / "mail"
MAIL_FILES = sorted(p for p in MAIL.rglob("*") if p.is_file())


def read(path: Path, *me: str) -> list[Record]:
    return list(mail.read(path, options={"my_emails": list(me)}))


def one(path: Path, *me: str) -> Record:
    (record,) = read(path, *me)
    return record


def message(tmp_path: Path, name: str, headers: str, body: str = "Hello.\n",
            encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((headers.strip() + "\n\n" + body).encode(encoding))
    return path


BASIC = """
From: Anna Petrova <anna@example.com>
To: Me <me@example.com>
Date: Tue, 5 Mar 2024 10:00:00 +0300
Message-ID: <a1@example.com>
Subject: {subject}
"""


# -- the whole corpus ------------------------------------------------------------------------

def test_the_corpus_has_every_mail_file() -> None:
    assert len(MAIL_FILES) == 30


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda p: str(p.relative_to(MAIL)))
def test_every_corpus_mail_file_is_read(path: Path) -> None:
    records = read(path)
    assert records
    for record in records:
        assert isinstance(record, InteractionRecord | SkippedRecord)
        assert str(path) in record.where
    for record in records:
        if isinstance(record, InteractionRecord):
            assert record.format == "email" and record.occurred_at.tzinfo is UTC
            assert record.participants and record.attendee_count == len(record.participants)
            assert record.thread_key


# -- hand-checked corpus files ---------------------------------------------------------------

def test_iso_2022_jp_subject_folded_over_two_encoded_words() -> None:
    record = one(MAIL / "mimekit/japanese-iso-2022-jp.eml")
    assert isinstance(record, InteractionRecord)
    assert record.summary == "日本語メールテスト (testing Japanese emails)"
    assert record.occurred_at == datetime(2015, 7, 21, 16, 2, 29, tzinfo=UTC)


def test_utf8_base64_subject_mixing_english_and_russian() -> None:
    record = one(MAIL / "flanker/bilingual-simple.eml")
    assert isinstance(record, InteractionRecord)
    assert record.summary == "Simple text. How are you? Как ты поживаешь?"


def test_partially_encoded_cjk_subject_and_re_prefix() -> None:
    record = one(MAIL / "mikel-mail/raw_email_with_partially_quoted_subject.eml")
    assert isinstance(record, InteractionRecord)
    assert record.summary == 'Re: Test: "漢字" mid "漢字" tail'
    assert record.topics == ['Test: "漢字" mid "漢字" tail']


def test_iso_8859_1_encoded_display_name() -> None:
    record = one(MAIL / "mikel-mail/header_fields_with_empty_values.eml")
    assert isinstance(record, InteractionRecord)
    assert record.participants[0].name == "Jørn Støylen"


def test_quoted_names_groups_and_six_recipients() -> None:
    record = one(MAIL / "mikel-mail/rfc2822-example03.eml", "mary@x.test")
    assert isinstance(record, InteractionRecord)
    assert [(p.name, p.email) for p in record.participants] == [
        ("Joe Q. Public", "john.q.public@example.com"), (None, "jdoe@example.org"),
        ("Who?", "one@y.test"), (None, "boss@nil.test"),
        ('Giant; "Big" Box', "sysservices@example.net")]
    assert record.attendee_count == 5 and record.initiated_by == "them"
    assert record.occurred_at == datetime(2003, 7, 1, 8, 52, 37, tzinfo=UTC)


def test_reply_threading_from_references_and_in_reply_to() -> None:
    record = one(MAIL / "mikel-mail/raw_email_reply.eml")
    assert isinstance(record, InteractionRecord)
    assert record.source_key == "<473FFE27.20003@xxx.org>"
    assert record.thread_key == "<473FF3B8.9020707@xxx.org>"
    assert record.in_reply_to_key == "<348F04F142D69C21-291E56D292BC@xxxx.net>"
    assert record.topics == ["Test reply email"]


def test_i_am_the_sender() -> None:
    record = one(MAIL / "mikel-mail/rfc2822-example07.eml", "jdoe@machine.example")
    assert isinstance(record, InteractionRecord)
    assert record.initiated_by == "me"
    assert [p.email for p in record.participants] == ["smith@home.example"]
    assert record.participants[0].name == "Mary Smith: Personal Account"
    assert record.in_reply_to_key == "<3456@example.net>"
    assert record.thread_key == "<1234@local.machine.example>"


def test_mailing_list_mbox_is_skipped_by_rule() -> None:
    records = read(MAIL / "mime4j/mbox.rlug")
    assert [(r.reason, r.by_rule) for r in records if isinstance(r, SkippedRecord)] == [
        ("bulk mail (Precedence: bulk)", True)] * 5
    assert records[4].where.endswith("mbox.rlug: message 5")


def test_list_id_and_list_robot_senders_are_skipped() -> None:
    record = one(MAIL / "mikel-mail/empty_in_reply_to.eml")
    assert isinstance(record, SkippedRecord) and record.reason == "mailing list (List-Id)"
    digest = one(MAIL / "cpython/msg_02.txt")
    assert isinstance(digest, SkippedRecord)
    assert digest.reason == "no-reply or list robot sender (ppp-request@zzz.org)"


def test_gmail_takeout_mbox_keys() -> None:
    records = read(MAIL / "mimekit/issue1189.mbox")
    assert [r.source_key for r in records if isinstance(r, InteractionRecord)] == [
        "<f092d8d2-8781-469e-a1a6-c938087dc1f4@example.com>",
        "<fb45a588-31d2-48f4-abec-9f0f2accfee7@example.com>",
        "<56fa92a4-2d4c-4a34-b7e2-11282004b7c5@example.com>",
        "<7fbaba61-56f5-4e06-9453-5fbf941593a0@example.com>"]


def test_messages_without_message_id_get_a_stable_header_hash() -> None:
    first = [r.source_key for r in read(MAIL / "mimekit/simple.mbox")
             if isinstance(r, InteractionRecord)]
    again = [r.source_key for r in read(MAIL / "mimekit/simple.mbox")
             if isinstance(r, InteractionRecord)]
    assert first == again and len(set(first)) == 3
    assert all(key.startswith("sha1:") for key in first)


def test_message_without_date_is_skipped_as_broken() -> None:
    record = one(MAIL / "cpython/msg_15.txt")
    assert isinstance(record, SkippedRecord)
    assert record.reason == "no Date" and not record.by_rule


def test_message_behind_a_line_of_spaces_is_read() -> None:
    record = one(MAIL / "flanker/iphone.eml")
    assert isinstance(record, InteractionRecord) and record.summary == "Subject"


def test_raw_8bit_charsets_in_the_body_do_not_matter() -> None:
    for name in ("mikel-mail/japanese_shift_jis.eml", "mikel-mail/ks_c_5601-1987.eml"):
        record = one(MAIL / name)
        assert isinstance(record, InteractionRecord) and record.summary == "test"


# -- messages of our own ---------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "expected"), [
    ("=?koi8-r?B?" + base64.b64encode("Привет, мир".encode("koi8-r")).decode() + "?=",
     "Привет, мир"),
    ("=?ks_c_5601-1987?B?" + base64.b64encode("안녕하세요".encode("cp949")).decode() + "?=",
     "안녕하세요"),
    ("=?x-sjis?B?" + base64.b64encode("会議".encode("shift_jis")).decode() + "?=", "会議"),
    ("=?utf-8?q?Doe=2C_John_?= =?utf-8?q?says_hi?=", "Doe, John says hi"),
    ("=?no-such-charset?q?caf=C3=A9?=", "café"),
    ("=?utf-8?b?broken base64?=", "=?utf-8?b?broken base64?="),
])
def test_encoded_word_subjects_in_any_charset(tmp_path: Path, subject: str,
                                              expected: str) -> None:
    record = one(message(tmp_path, "m.eml", BASIC.format(subject=subject)))
    assert isinstance(record, InteractionRecord) and record.summary == expected


def test_raw_8bit_subject_in_the_declared_charset(tmp_path: Path) -> None:
    headers = BASIC.format(subject="会議の件") + "Content-Type: text/plain; charset=Shift_JIS\n"
    record = one(message(tmp_path, "sjis.eml", headers, encoding="shift_jis"))
    assert isinstance(record, InteractionRecord) and record.summary == "会議の件"


def test_bad_utf8_in_a_header_never_crashes(tmp_path: Path) -> None:
    path = tmp_path / "bad.eml"
    path.write_bytes(BASIC.format(subject="caf\xe9 \xff\xfe").strip().encode("latin-1")
                     + b"\n\nbody\n")
    record = one(path)
    assert isinstance(record, InteractionRecord) and record.summary == "café ÿþ"


def test_display_name_with_encoded_comma_stays_one_person(tmp_path: Path) -> None:
    headers = BASIC.format(subject="x").replace(
        "Anna Petrova <anna@example.com>", "=?utf-8?q?Petrova=2C_Anna?= <anna@example.com>")
    record = one(message(tmp_path, "m.eml", headers), "me@example.com")
    assert isinstance(record, InteractionRecord)
    assert [(p.name, p.email) for p in record.participants] == [("Petrova, Anna",
                                                                 "anna@example.com")]


@pytest.mark.parametrize(("extra", "reason"), [
    ("List-Unsubscribe: <mailto:leave@example.com>", "mailing list (List-Unsubscribe)"),
    ("Precedence: junk", "bulk mail (Precedence: junk)"),
    ("Auto-Submitted: auto-replied", "automatic mail (Auto-Submitted: auto-replied)"),
])
def test_bulk_and_automatic_mail_is_skipped(tmp_path: Path, extra: str, reason: str) -> None:
    record = one(message(tmp_path, "m.eml", BASIC.format(subject="x") + extra))
    assert isinstance(record, SkippedRecord) and record.reason == reason and record.by_rule


@pytest.mark.parametrize("sender", ["noreply@github.com", "no-reply@accounts.google.com",
                                    "MAILER-DAEMON@mx.example.com", "do_not_reply@bank.example"])
def test_no_reply_senders_are_skipped(tmp_path: Path, sender: str) -> None:
    headers = BASIC.format(subject="x").replace("anna@example.com", sender)
    record = one(message(tmp_path, "m.eml", headers))
    assert isinstance(record, SkippedRecord) and "no-reply" in record.reason


def test_auto_submitted_no_is_a_person(tmp_path: Path) -> None:
    record = one(message(tmp_path, "m.eml", BASIC.format(subject="x") + "Auto-Submitted: no"))
    assert isinstance(record, InteractionRecord)


def test_mass_mail_from_me_counts_every_recipient(tmp_path: Path) -> None:
    headers = """
From: Me <ME@Example.com>
To: a@example.com, b@example.com
Cc: c@example.com
Bcc: d@example.com, me@example.com
Date: Tue, 5 Mar 2024 10:00:00 -0000
Subject: Fwd: RE: Offsite
"""
    record = one(message(tmp_path, "m.eml", headers), "me@example.com")
    assert isinstance(record, InteractionRecord)
    assert record.initiated_by == "me" and record.attendee_count == 4
    assert record.topics == ["Offsite"] and record.summary == "Fwd: RE: Offsite"
    assert record.occurred_at == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert record.source_key.startswith("sha1:") and record.thread_key == record.source_key


def test_mail_only_to_myself_is_skipped(tmp_path: Path) -> None:
    headers = BASIC.format(subject="note").replace("anna@example.com", "me@example.com")
    record = one(message(tmp_path, "m.eml", headers), "me@example.com")
    assert isinstance(record, SkippedRecord) and record.reason == "no other participants"


def test_unparseable_date_is_skipped_with_the_value(tmp_path: Path) -> None:
    headers = BASIC.format(subject="x").replace("Tue, 5 Mar 2024 10:00:00 +0300", "sometime")
    record = one(message(tmp_path, "m.eml", headers))
    assert isinstance(record, SkippedRecord) and record.reason == "no parseable Date ('sometime')"


def test_in_reply_to_falls_back_to_the_last_reference(tmp_path: Path) -> None:
    headers = BASIC.format(subject="Re: x") + "References: <root@x> <parent@x>\nIn-Reply-To:\n"
    record = one(message(tmp_path, "m.eml", headers))
    assert isinstance(record, InteractionRecord)
    assert record.thread_key == "<root@x>" and record.in_reply_to_key == "<parent@x>"


def test_mbox_streams_and_a_broken_message_does_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    good = BASIC.format(subject="hi").strip()
    path.write_text(
        f"From anna@example.com Tue Mar  5 10:00:00 2024\n{good}\n\nbody\n>From the past\n\n"
        "From x Tue Mar  5 10:00:00 2024\nthis is: not\n a header block: at all\n\nbody\n\n"
        f"From anna@example.com Tue Mar  5 10:00:00 2024\n{good.replace('a1@', 'a2@')}\n\nb\n")
    generator = mail.read(path, options={"my_emails": ["me@example.com"]})
    assert inspect.isgenerator(generator)
    records = list(generator)
    assert [type(r).__name__ for r in records] == [
        "InteractionRecord", "SkippedRecord", "InteractionRecord"]
    assert records[1].where.endswith("box.mbox: message 2")
    assert records[2].source_key == "<a2@example.com>"


def test_mbox_messages_split_where_pythons_mailbox_splits_them(tmp_path: Path) -> None:
    """Every line starting "From " begins a message, after a blank line or not; a header
    without a blank line ends at the next message, and one at the end of the file at its end."""
    import mailbox

    path = tmp_path / "edges.mbox"
    head = BASIC.format(subject="s").strip()
    path.write_bytes((
        "\n\nFrom a Tue Mar  5 10:00:00 2024\n" + head.replace("a1@", "m1@") + "\n\nbody\n"
        "From here on, a body line that was not escaped\n>From an escaped one\n"
        "From b Tue Mar  5 10:00:00 2024\n" + head.replace("a1@", "m2@") + "\n"
        "From c Tue Mar  5 10:00:00 2024\n\nno header at all\n"
        "From d Tue Mar  5 10:00:00 2024\r\n" + head.replace("a1@", "m3@").replace("\n", "\r\n")
        + "\r\n\r\nbody\r\n"
        "From e Tue Mar  5 10:00:00 2024\n" + head.replace("a1@", "m4@")).encode())
    box = mailbox.mbox(path, create=False)
    expected = [box.get_message(key).get("Message-ID") for key in box.iterkeys()]
    box.close()
    records = read(path, "me@example.com")
    assert len(records) == len(expected) == 6
    assert [getattr(r, "source_key", None) for r in records] == [
        "<m1@example.com>", None, "<m2@example.com>", None, "<m3@example.com>",
        "<m4@example.com>"]
    assert [r.where.rsplit(": ", 1)[1] for r in records] == [
        f"message {n}" for n in range(1, 7)]


def test_mbox_line_longer_than_a_read_is_one_line(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A long line is read in pieces; "From " at the start of a piece is not a new message."""
    monkeypatch.setattr(mail, "_MAX_LINE", 16)
    path = tmp_path / "long.mbox"
    head = BASIC.format(subject="s").strip()
    path.write_text(f"From a Tue Mar  5 10:00:00 2024\n{head}\n\n" + "x" * 16
                    + "From the middle of a line\n\n"
                    f"From b Tue Mar  5 10:00:00 2024\n{head.replace('a1@', 'a2@')}\n\nb\n")
    records = read(path, "me@example.com")
    assert [getattr(r, "source_key", None) for r in records] == [
        "<a1@example.com>", "<a2@example.com>"]


def test_a_folder_of_eml_files_with_a_stray_image(tmp_path: Path) -> None:
    message(tmp_path, "1.eml", BASIC.format(subject="one"))
    (tmp_path / "sub").mkdir()
    message(tmp_path / "sub", "2.eml", BASIC.format(subject="two").replace("a1@", "a2@"))
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / ".hidden").write_text("ignored")
    records = read(tmp_path, "me@example.com")
    assert [(type(r).__name__, Path(r.where).name) for r in records] == [
        ("InteractionRecord", "1.eml"), ("SkippedRecord", "photo.png"),
        ("InteractionRecord", "2.eml")]
    assert isinstance(records[1], SkippedRecord)
    assert records[1].reason == "this is a PNG image, not mail"


@pytest.mark.parametrize(("name", "content", "message_text"), [
    ("photo.eml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not mail"),
    ("outlook.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
     "this is an OLE2 file (Outlook .msg or Office document), not mail; save it as .eml"),
    ("contacts.mbox", b"Name,Email\nAnna,anna@example.com\n",
     "line 1: not a mail message or mbox (found 'Name,Email')"),
    ("junk.eml", bytes(range(256)) * 4, "this is binary data, not mail"),
    ("empty.eml", b"\n\n", "the file is empty"),
])
def test_wrong_kind_files_are_rejected_in_one_line(tmp_path: Path, name: str, content: bytes,
                                                   message_text: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRejected) as caught:
        read(path)
    assert caught.value.message == f"{path}: {message_text}"


def test_truncated_message_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    path = tmp_path / "cut.eml"
    path.write_text(BASIC.format(subject="cut").strip()[:-20])  # ends inside the header
    record = one(path)
    assert isinstance(record, InteractionRecord) and record.summary is None


def test_my_emails_may_come_as_one_comma_separated_string(tmp_path: Path) -> None:
    headers = BASIC.format(subject="x").replace("Anna Petrova <anna@example.com>",
                                                "Me <me@example.com>")
    path = message(tmp_path, "m.eml", headers + "Cc: anna@example.com")
    (record,) = mail.read(path, options={"my_emails": "Me@Example.com, other@example.com"})
    assert isinstance(record, InteractionRecord) and record.initiated_by == "me"
    assert [p.email for p in record.participants] == ["anna@example.com"]


def test_small_reads_split_an_mbox_as_whole_ones_do(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers read at once or line by line, bodies skipped in small or large chunks, and a
    "From " line across two chunks: the same messages either way."""
    path = tmp_path / "box.mbox"
    head = BASIC.format(subject="s").strip()
    path.write_text("".join(
        f"From x Tue Mar  5 10:00:00 2024\n{head.replace('a1@', f'a{n}@')}\n"
        + f"X-Pad: {'p' * 40 * n}\n\n" + "body line\n" * n + ">From quoted\n"
        for n in range(1, 9)))
    expected = read(path, "me@example.com")
    monkeypatch.setattr(mail, "_HEADER_PEEK", 64)
    monkeypatch.setattr(mail, "_BODY_CHUNK", 16)
    records = read(path, "me@example.com")
    assert records == expected
    assert [getattr(r, "source_key", None) for r in records] == [
        f"<a{n}@example.com>" for n in range(1, 9)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("odd_lines", [True, False])
def test_header_fields_split_as_pythons_email_parser_splits_them(newline: str,
                                                                  odd_lines: bool) -> None:
    from email import policy
    from email.parser import BytesHeaderParser

    odd = [" a continuation with no field", "From somebody", " dropped", ": no name"]
    lines = ["From: Anna <anna@example.com>", "Subject: one", "\t two", "To:  me@example.com",
             "not a field", "Cc: after the end"]
    block = newline.join([*odd, *lines] if odd_lines else lines).encode() + b"\n"
    expected: dict[str, list[str]] = {}
    for name, value in BytesHeaderParser(policy=policy.compat32).parsebytes(block).raw_items():
        expected.setdefault(name.lower(), []).append(value)
    assert mail._raw_headers(block) == expected
    assert "cc" not in expected and expected["subject"] == [f"one{newline}\t two"]
