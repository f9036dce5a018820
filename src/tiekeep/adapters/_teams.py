"""Read a Microsoft Teams export (``users/usersList.json``, ``teams/<id>/messages_<id>.json``).

Teams exports keep all of a team's messages in one file, so they are loaded whole and
sorted by time before being cut into days. Every top-level channel post starts a thread;
chats (messages with a ChatId) count like group messages among the people who wrote in them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any

from tiekeep.adapters._archive import Archive
from tiekeep.adapters._chat import ChatMessage, DayAggregator, no_me_skip
from tiekeep.adapters._support import ReaderOptions
from tiekeep.adapters.records import ContactRecord, PersonRef, Record, SkippedRecord
from tiekeep.errors import ImportRejected


def read_teams(archive: Archive, opts: ReaderOptions) -> Iterator[Record]:
    """ContactRecords for the directory's users, then chat interactions day by day."""
    users_name = archive.find("usersList.json")
    if users_name is None:
        raise ImportRejected(f"{archive.path}: no users/usersList.json: not a Teams export")
    users = archive.load(users_name)
    if not isinstance(users, list):
        raise ImportRejected(f"{archive.where(users_name)}: expected a list of users")
    me = set(opts.my_slack_ids)
    people: dict[str, PersonRef] = {}
    contacts: list[tuple[str, ContactRecord]] = []
    for number, user in enumerate(users, start=1):
        where = f"{archive.where(users_name)} record {number}"
        if not isinstance(user, dict) or not user.get("Id"):
            yield SkippedRecord(where, "not a user record (no Id)")
            continue
        contact = _contact(user, where)
        people[user["Id"]] = PersonRef(name=contact.name,
                                       email=contact.emails[0] if contact.emails else None,
                                       source_key=contact.source_key)
        if set(contact.emails) & opts.my_emails:
            me.add(user["Id"])
        contacts.append((user["Id"], contact))
    yield from (contact for user_id, contact in contacts if user_id not in me)
    if not me:
        yield no_me_skip(str(archive.path))
        return
    messages, skipped = _messages(archive)
    yield from skipped
    tenant = next((m[1] for m in messages if m[1]), archive.path.stem)
    aggregator = DayAggregator(me=frozenset(me), people=people, source="teams", scope=tenant,
                               zone=UTC, where=str(archive.path))
    by_day: dict[date, list[ChatMessage]] = defaultdict(list)
    for message, _tenant, _where in messages:
        by_day[aggregator.local_day(message.at)].append(message)
    where_of = {id(m): w for m, _t, w in messages}
    for day in sorted(by_day):
        aggregator.add(by_day[day], where_of[id(by_day[day][0])])
        yield from aggregator.flush()
    yield from aggregator.leftovers()


def _contact(user: dict[str, Any], where: str) -> ContactRecord:
    email = str(user.get("Mail") or user.get("UserPrincipalName") or "").strip().lower()
    name = (user.get("DisplayName") or " ".join(
        p for p in (user.get("GivenName"), user.get("Surname")) if p) or email or user["Id"])
    return ContactRecord(
        name=str(name).strip(),
        source_key=f"teams:{user['Id']}",
        given_name=user.get("GivenName") or None,
        family_name=user.get("Surname") or None,
        emails=[email] if "@" in email else [],
        title=user.get("JobTitle") or None,
        location=user.get("OfficeLocation") or user.get("City") or None,
        where=where,
    )


def _messages(archive: Archive) -> tuple[list[tuple[ChatMessage, str, str]], list[Record]]:
    """Every human message of every team, oldest first, with its tenant and file."""
    raw_all: list[tuple[dict[str, Any], str]] = []
    skipped: list[Record] = []
    for name in archive.names():
        if not PurePosixPath(name).name.startswith("messages_"):
            continue
        try:
            listing = archive.load(name)
        except ImportRejected as error:
            skipped.append(SkippedRecord(archive.where(name), str(error).split(": ", 1)[-1]))
            continue
        if not isinstance(listing, list):
            skipped.append(SkippedRecord(archive.where(name), "expected a list of messages"))
            continue
        raw_all.extend((m, archive.where(name)) for m in listing if isinstance(m, dict))
    channel_names: dict[str, str] = {}
    for name in archive.names():
        if PurePosixPath(name).name.startswith("channels_"):
            try:
                listing = archive.load(name)
            except ImportRejected:
                continue  # names are a nicety; the channel id still identifies it
            for channel in listing if isinstance(listing, list) else []:
                if isinstance(channel, dict) and channel.get("Id"):
                    channel_names[str(channel["Id"])] = str(channel.get("DisplayName") or "")
    chat_authors: dict[str, set[str]] = defaultdict(set)
    for raw, _ in raw_all:
        author = _author(raw)
        if raw.get("ChatId") and author:
            chat_authors[raw["ChatId"]].add(author)
    found: list[tuple[ChatMessage, str, str]] = []
    for raw, where in raw_all:
        message = _message(raw, chat_authors, channel_names)
        if message is not None:
            tenant = str(((raw.get("From") or {}).get("User") or {}).get("TenantId") or "")
            found.append((message, tenant, where))
    found.sort(key=lambda item: item[0].at)
    return found, skipped


def _author(raw: dict[str, Any]) -> str | None:
    user = (raw.get("From") or {}).get("User") or {}
    return str(user["Id"]) if user.get("Id") else None


def _message(raw: dict[str, Any], chat_authors: dict[str, set[str]],
             channel_names: dict[str, str]) -> ChatMessage | None:
    author = _author(raw)
    # System events have no From and MessageType "unknownFutureValue"; deleted posts are gone.
    if author is None or raw.get("MessageType") != "message" or raw.get("DeletedDateTime"):
        return None
    try:
        moment = datetime.fromisoformat(str(raw["CreatedDateTime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    mentions = frozenset(
        str(((m.get("Mentioned") or {}).get("User") or {}).get("Id"))
        for m in raw.get("Mentions") or [] if isinstance(m, dict)) - {"None"}
    if raw.get("ChatId"):
        chat = str(raw["ChatId"])
        return ChatMessage(conversation=chat, label="chat", kind="group", author=author,
                           at=moment, mentions=mentions,
                           members=tuple(sorted(chat_authors[chat])))
    channel = raw.get("ChannelIdentity") or {}
    conversation = str(channel.get("ChannelId") or "channel")
    root = raw.get("ReplyToId") or raw.get("Id") or moment.isoformat()
    return ChatMessage(conversation=conversation,
                       label="#" + (channel_names.get(conversation) or conversation),
                       kind="channel", author=author, at=moment, thread=str(root),
                       mentions=mentions)
