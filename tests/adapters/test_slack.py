"""The Slack and Teams export reader: the corpus exports, hand-checked days, and our own exports."""

from __future__ import annotations

import inspect
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS
from tiekeep.adapters import slack
from tiekeep.adapters.records import ContactRecord, InteractionRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

SLACK = CORPUS / "slack"
VIEWER = SLACK / "slack-export-viewer-testarchive"
TEAMS = SLACK / "teams-zulip-fixture"
SLACK_FILES = sorted(p for p in SLACK.rglob("*") if p.is_file())


def read(path: Path, **options: Any) -> list[Record]:
    return list(slack.read(path, options=options))


def of(kind: type, records: list[Record]) -> list[Any]:
    return [r for r in records if isinstance(r, kind)]


def export_root(path: Path) -> Path:
    """The export a corpus file belongs to: the folder holding its user list."""
    for parent in path.parents:
        if (parent / "users.json").exists() or (parent / "users" / "usersList.json").exists():
            return parent
    raise AssertionError(f"{path} is in no export")


# -- the corpus ------------------------------------------------------------------------------

def test_the_corpus_has_every_slack_file() -> None:
    assert len(SLACK_FILES) == 25


@pytest.mark.parametrize("path", SLACK_FILES, ids=lambda p: str(p.relative_to(SLACK)))
def test_every_corpus_file_is_read_with_its_export(path: Path) -> None:
    root = export_root(path)
    records = read(root, my_slack_ids=["U0BMQB6JE"],
                   my_emails=["hamlet@lemonstand.onmicrosoft.com"])
    assert of(ContactRecord, records)
    assert all(isinstance(r, ContactRecord | InteractionRecord | SkippedRecord) for r in records)
    if path.parent.name in ("enrique", "traveling-sailor"):
        # Each day file was read: its channel's chatter or interactions are accounted for.
        label = f"#{path.parent.name}"
        assert any(label in (r.summary or "") for r in of(InteractionRecord, records)) or any(
            r.where.endswith(label) for r in of(SkippedRecord, records))


def test_viewer_archive_contacts_without_knowing_me() -> None:
    records = read(VIEWER)
    contacts = of(ContactRecord, records)
    assert [(c.name, c.source_key, c.title) for c in contacts] == [
        ("Harry Potter", "slack:U0BMYT2FL", None),
        ("Hermione Granger", "slack:U0BMS113R", "Eat Monkeys"),
        ("Hamza Faran", "slack:U0BMQB6JE", None),
        ("heroeshannibal", "slack:U0BMM2FEH", None)]
    assert contacts[0].given_name == "Harry" and contacts[0].family_name == "Potter"
    (skip,) = of(SkippedRecord, records)
    assert "cannot tell which user is you" in skip.reason and skip.by_rule
    assert of(InteractionRecord, records) == []


def test_viewer_archive_days_as_hamza() -> None:
    # Hamza's @-mentions in #enrique and #traveling-sailor, and Harry's one mention of him,
    # in Hamza's zone (Los Angeles: PST, then PDT from March 13).
    records = read(VIEWER, my_slack_ids=["U0BMQB6JE"])
    assert [c.name for c in of(ContactRecord, records)] == [
        "Harry Potter", "Hermione Granger", "heroeshannibal"]
    found = of(InteractionRecord, records)
    assert [(r.source_key.split(":", 2)[2], r.initiated_by, r.summary) for r in found] == [
        ("U0BMYT2FL:2016-01-14", "me", "1 message in #enrique"),
        ("U0BMYT2FL:2016-01-16", "me", "1 message in #enrique"),
        ("U0BMYT2FL:2016-02-07", "me", "6 messages in #enrique"),
        ("U0BMYT2FL:2016-03-17", "me", "1 message in #enrique"),
        ("U0BMS113R:2016-03-17", "me", "1 message in #enrique"),
        ("U0BMYT2FL:2016-03-25", "them", "1 message in #traveling-sailor"),
        ("U0BMS113R:2016-03-25", "me", "1 message in #traveling-sailor"),
        ("U0BMS113R:2016-03-27", "me", "2 messages in #traveling-sailor"),
    ]
    assert all(r.source_key.startswith("slack:T0BMHLSRH:") for r in found)
    assert found[0].occurred_at == datetime(2016, 1, 15, 5, 55, 52, 6, tzinfo=UTC)
    assert found[0].participants[0].name == "Harry Potter"
    assert found[0].participants[0].source_key == "slack:U0BMYT2FL"
    assert found[0].format == "chat" and found[0].topics == ["#enrique"]
    assert [(s.where.rsplit(" ", 1)[1], s.reason.split(" ", 1)[0]) for s in
            of(SkippedRecord, records)] == [("#enrique", "20"), ("#traveling-sailor", "19")]


def test_teams_export_contacts_and_my_unanswered_post() -> None:
    records = read(TEAMS, my_emails=["pieterkwok@lemonstand.onmicrosoft.com"])
    assert [(c.name, c.emails) for c in of(ContactRecord, records)] == [
        ("Cordelia Lear's Daughter", ["cordelia@lemonstand.onmicrosoft.com"]),
        ("King Hamlet", ["hamlet@lemonstand.onmicrosoft.com"]),
        ("Othello the Moor of Venice", ["othello@lemonstand.onmicrosoft.com"])]
    # pieter's only post started a thread nobody answered; system events are not messages.
    assert of(InteractionRecord, records) == [] and of(SkippedRecord, records) == []


def test_teams_export_as_someone_else_sees_chatter() -> None:
    records = read(TEAMS / "TeamsDataExport", my_emails=["hamlet@lemonstand.onmicrosoft.com"])
    (skip,) = of(SkippedRecord, records)
    assert skip.where.endswith("#hello!") and skip.reason.startswith("1 channel message")


# -- exports of our own ----------------------------------------------------------------------

USERS = [
    {"id": "U1", "team_id": "T9", "name": "me", "real_name": "Me Myself", "tz": "Europe/Berlin",
     "profile": {"email": "Me@Example.com", "first_name": "Me"}},
    {"id": "U2", "team_id": "T9", "name": "anna", "real_name": "Anna Petrova",
     "profile": {"email": "anna@example.com", "title": "CTO", "first_name": "Anna",
                 "last_name": "Petrova"}},
    {"id": "U3", "team_id": "T9", "name": "boris", "profile": {"real_name": "Boris"}},
    {"id": "B1", "team_id": "T9", "name": "deploybot", "is_bot": True, "profile": {}},
    {"id": "USLACKBOT", "team_id": "T9", "name": "slackbot", "profile": {}},
]


def ts(hour: int, minute: int = 0, day: int = 5) -> str:
    return f"{datetime(2024, 3, day, hour, minute, tzinfo=UTC).timestamp():.6f}"


def msg(user: str, at: str, text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": at, **extra}


DAYS: dict[str, list[dict[str, Any]]] = {
    "D0DM0001A/2024-03-05.json": [msg("U2", ts(8)), msg("U1", ts(8, 5)), msg("U2", ts(23, 30))],
    "D0DM0002B/2024-03-05.json": [msg("U1", ts(9))],
    "mpdm-me--anna--boris-1/2024-03-05.json": [msg("U3", ts(7))],
    "general/2024-03-05.json": [
        msg("U3", ts(10), "question", thread_ts=ts(10), reply_count=2),
        msg("U2", ts(10, 5), "answer", thread_ts=ts(10)),
        msg("U1", ts(10, 10), "thanks", thread_ts=ts(10)),
        msg("U2", ts(11), "lunch anyone?"),
        msg("U3", ts(11, 5), "<@U3> has joined the channel", subtype="channel_join"),
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "deployed",
         "ts": ts(11, 10)},
        msg("B1", ts(11, 15), "deployed again"),
        msg("U1", ts(12), "<@U2|anna> see the doc"),
    ],
    "general/2024-03-07.json": [msg("U3", ts(9, day=7), "<@U1> ping")],
}


def make_export(root: Path, days: dict[str, Any] | None = None, *, dms: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "users.json").write_text(json.dumps(USERS))
    (root / "channels.json").write_text(json.dumps(
        [{"id": "C1", "name": "general", "members": ["U1", "U2", "U3"]}]))
    if dms:
        (root / "dms.json").write_text(json.dumps(
            [{"id": "D0DM0001A", "members": ["U1", "U2"]},
             {"id": "D0DM0002B", "members": ["U3", "U1"]}]))
        (root / "mpims.json").write_text(json.dumps(
            [{"id": "G1", "name": "mpdm-me--anna--boris-1", "members": ["U1", "U2", "U3"]}]))
    for name, content in (DAYS if days is None else days).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content if isinstance(content, str) else json.dumps(content))
    return root


def expected_days() -> list[tuple[str, str, int, str]]:
    # Berlin is UTC+1 in March: Anna's 23:30 UTC message is on the 6th there.
    return [
        ("slack:T9:U3:2024-03-05", "them", 4, "group messages, direct messages, #general"),
        ("slack:T9:U2:2024-03-05", "them", 5, "direct messages, #general"),
        ("slack:T9:U2:2024-03-06", "them", 1, "direct messages"),
        ("slack:T9:U3:2024-03-07", "them", 1, "#general"),
    ]


def summary_of(records: list[Record]) -> list[tuple[str, str, int, str]]:
    found = of(InteractionRecord, records)
    return [(r.source_key, r.initiated_by, int((r.summary or "").split()[0]),
             (r.summary or "").split(" in ", 1)[1]) for r in found]


def test_one_chat_per_person_per_day_from_dms_groups_threads_and_mentions(tmp_path: Path) -> None:
    records = read(make_export(tmp_path / "acme"), my_emails=["me@example.com"])
    assert summary_of(records) == expected_days()
    boris = of(InteractionRecord, records)[0]
    # Boris wrote first (07:00 in the group DM); he is also in my DM and my thread.
    assert boris.occurred_at == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    assert boris.attendee_count == 1 and boris.topics == ["#general"]
    anna = of(InteractionRecord, records)[1]
    assert [(p.name, p.email, p.source_key) for p in anna.participants] == [
        ("Anna Petrova", "anna@example.com", "slack:U2")]
    contacts = of(ContactRecord, records)
    assert [(c.name, c.emails, c.title) for c in contacts] == [
        ("Anna Petrova", ["anna@example.com"], "CTO"), ("Boris", [], None)]
    (chatter,) = of(SkippedRecord, records)
    assert chatter.reason == "1 channel message neither in a thread of mine nor addressed " \
                             "to or by me"


def test_me_is_inferred_from_the_direct_messages(tmp_path: Path) -> None:
    records = read(make_export(tmp_path / "acme"))
    assert summary_of(records) == expected_days()


def test_me_by_slack_id(tmp_path: Path) -> None:
    records = read(make_export(tmp_path / "acme", dms=False), my_slack_ids=["U1"])
    # Without dms.json the D… folders are still known as DMs by their ids, though their
    # members are not, so only the other side's messages count there.
    assert [k for k, *_ in summary_of(records)] == [
        "slack:T9:U3:2024-03-05", "slack:T9:U2:2024-03-05", "slack:T9:U2:2024-03-06",
        "slack:T9:U3:2024-03-07"]


def test_a_zipped_export_inside_a_folder(tmp_path: Path) -> None:
    root = make_export(tmp_path / "acme")
    archive = tmp_path / "acme.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(root.rglob("*.json")):
            zipped.write(file, "acme export/" + file.relative_to(root).as_posix())
    generator = slack.read(archive, options={"my_emails": ["me@example.com"]})
    assert inspect.isgenerator(generator)
    records = list(generator)
    assert summary_of(records) == expected_days()
    assert "acme.zip!acme export/" in of(InteractionRecord, records)[0].where


def test_a_broken_day_file_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    days = dict(DAYS)
    days["general/2024-03-06.json"] = '[{"type": "message",\n "ts": }]'
    records = read(make_export(tmp_path / "acme", days), my_emails=["me@example.com"])
    assert summary_of(records) == expected_days()
    broken = [s for s in of(SkippedRecord, records) if s.where.endswith("2024-03-06.json")]
    assert [(s.reason, s.by_rule) for s in broken] == [
        ("line 2 column 8: malformed JSON (Expecting value)", False)]


def test_a_broken_users_file_rejects_the_export(tmp_path: Path) -> None:
    root = make_export(tmp_path / "acme")
    (root / "users.json").write_text('[\n  {"id": "U1",\n  "name": oops}\n]')
    with pytest.raises(ImportRejected) as caught:
        read(root)
    assert caught.value.message == (
        f"{root}/users.json: line 3 column 11: malformed JSON (Expecting value)")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.zip", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
     "expected an export folder or .zip, but this is a PNG image"),
    ("export.zip", b"PK\x03\x04broken", "broken zip archive (File is not a zip file)"),
    ("users.csv", b"id,name\nU1,me\n", "expected an export folder or .zip, but this is "
                                       "not a zip archive"),
])
def test_wrong_kind_files_are_rejected(tmp_path: Path, name: str, content: bytes,
                                       message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRejected) as caught:
        read(path)
    assert caught.value.message == f"{path}: {message}"


def test_a_folder_that_is_no_export_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("[]")
    with pytest.raises(ImportRejected) as caught:
        read(tmp_path)
    assert "no users.json: this is not a Slack export" in caught.value.message


def test_teams_chat_and_thread_reply(tmp_path: Path) -> None:
    export = tmp_path / "TeamsDataExport"
    (export / "users").mkdir(parents=True)
    (export / "teams" / "t1").mkdir(parents=True)
    (export / "users" / "usersList.json").write_text(json.dumps([
        {"Id": "m", "DisplayName": "Me", "Mail": "me@example.com"},
        {"Id": "a", "DisplayName": "Anna", "Mail": "anna@example.com", "JobTitle": "CTO"}]))

    def post(pid: str, user: str, at: str, **extra: Any) -> dict[str, Any]:
        return {"Id": pid, "MessageType": "message", "CreatedDateTime": at,
                "From": {"User": {"Id": user, "TenantId": "ten"}},
                "ChannelIdentity": {"ChannelId": "19:c@thread"}, **extra}

    (export / "teams" / "t1" / "channels_t1.json").write_text(json.dumps(
        [{"Id": "19:c@thread", "DisplayName": "General"}]))
    (export / "teams" / "t1" / "messages_t1.json").write_text(json.dumps([
        post("1", "m", "2024-03-05T09:00:00Z"),
        post("2", "a", "2024-03-05T09:30:00Z", ReplyToId="1"),
        post("3", "a", "2024-03-06T10:00:00Z", ChatId="chat1", ChannelIdentity=None),
        post("4", "m", "2024-03-06T10:05:00Z", ChatId="chat1", ChannelIdentity=None),
        {"Id": "5", "MessageType": "unknownFutureValue", "From": None,
         "CreatedDateTime": "2024-03-06T11:00:00Z"},
    ]))
    records = read(export, my_emails=["me@example.com"])
    assert [(c.name, c.title, c.source_key) for c in of(ContactRecord, records)] == [
        ("Anna", "CTO", "teams:a")]
    assert [(r.source_key, r.initiated_by, r.summary) for r in of(InteractionRecord, records)] == [
        ("teams:ten:a:2024-03-05", "them", "1 message in #General"),
        ("teams:ten:a:2024-03-06", "them", "2 messages in chat"),
    ]
