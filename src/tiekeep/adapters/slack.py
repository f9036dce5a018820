"""Read a Slack export (folder or .zip), or a Microsoft Teams export, into contacts and chats.

A Slack export holds ``users.json``, ``channels.json`` (and ``groups.json``, ``dms.json``,
``mpims.json`` when present) and one folder per conversation of ``YYYY-MM-DD.json`` files.
Every non-bot user other than me becomes a ContactRecord ("slack:<user id>"). Messages become
one ``chat`` InteractionRecord per person per day (see ``_chat`` for what counts); the days
are read in order, one day's files at a time, so memory stays flat as the export grows.
"Me" is the user whose profile email is in ``my_emails`` or whose id is in ``my_slack_ids``,
else the one member common to all direct-message conversations.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tiekeep.adapters._archive import Archive
from tiekeep.adapters._chat import ChatMessage, DayAggregator, no_me_skip
from tiekeep.adapters._support import ReaderOptions, reader_options, reject
from tiekeep.adapters.records import ContactRecord, PersonRef, Record, SkippedRecord
from tiekeep.errors import ImportRejected

_DAY_FILE = re.compile(r"^(.+)/(\d{4}-\d{2}-\d{2})\.json$")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Subtypes that are people talking; joins, topics, bots and the like are not.
_SPOKEN = {None, "thread_broadcast", "reply_broadcast", "file_share", "me_message",
           "file_comment", "file_mention"}


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Yield ContactRecords for the users, then chat InteractionRecords day by day."""
    opts = reader_options(options)
    archive = Archive(path)
    try:
        if archive.find("usersList.json") is not None and archive.find("users.json") is None:
            from tiekeep.adapters._teams import read_teams

            yield from read_teams(archive, opts)
            return
        yield from _read_slack(archive, opts)
    finally:
        archive.close()


def _read_slack(archive: Archive, opts: ReaderOptions) -> Iterator[Record]:
    users_name = archive.find("users.json")
    if users_name is None:
        raise reject(archive.path, None, "no users.json: this is not a Slack export "
                                         "(nor a Teams export with users/usersList.json)")
    root = str(PurePosixPath(users_name).parent)
    prefix = "" if root == "." else root + "/"
    users = archive.load(users_name)
    if not isinstance(users, list):
        raise ImportRejected(f"{archive.where(users_name)}: expected a list of users")
    conversations = _conversations(archive, prefix)
    me = _find_me(users, opts, conversations)
    bots = {u.get("id") for u in users if isinstance(u, dict)
            and (u.get("is_bot") or u.get("id") == "USLACKBOT")}
    people: dict[str, PersonRef] = {}
    for number, user in enumerate(users, start=1):
        where = f"{archive.where(users_name)} record {number}"
        contact = _contact(user, where)
        if contact is None:
            yield SkippedRecord(where, "not a user record (no id)")
            continue
        people[user["id"]] = PersonRef(name=contact.name,
                                       email=contact.emails[0] if contact.emails else None,
                                       source_key=contact.source_key)
        if user["id"] not in me and user["id"] not in bots:
            yield contact
    if not me:
        yield no_me_skip(str(archive.path))
        return
    teams = Counter(u.get("team_id") for u in users if isinstance(u, dict) and u.get("team_id"))
    scope = str(teams.most_common(1)[0][0]) if teams else archive.path.stem
    aggregator = DayAggregator(me=me, people=people, source="slack", scope=scope,
                               zone=_my_zone(users, me), where=str(archive.path))
    by_day: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in archive.names():
        match = _DAY_FILE.match(name[len(prefix):]) if name.startswith(prefix) else None
        if match:
            by_day[match.group(2)].append((match.group(1), name))
    for day in sorted(by_day):
        messages: list[ChatMessage] = []
        for folder, name in by_day[day]:
            try:
                raw = archive.load(name)
            except ImportRejected as error:  # one bad day file does not spoil the export
                yield SkippedRecord(archive.where(name), str(error).split(": ", 1)[-1])
                continue
            if not isinstance(raw, list):
                yield SkippedRecord(archive.where(name), "expected a list of messages")
                continue
            info = conversations.get(folder) or _guess_conversation(folder)
            messages.extend(m for m in (_message(r, info, bots) for r in raw) if m is not None)
        aggregator.add(messages, archive.where(by_day[day][0][1]))
        # A day file holds one day in the exporter's zone; mine is at most a day off, so
        # the days before yesterday are complete and can go.
        yield from aggregator.flush(before=date.fromisoformat(day) - timedelta(days=1))
    yield from aggregator.flush()
    yield from aggregator.leftovers()


def _conversations(archive: Archive, prefix: str) -> dict[str, dict[str, Any]]:
    """Folder name → what the conversation is: kind, label, members."""
    found: dict[str, dict[str, Any]] = {}
    for filename, kind in (("channels.json", "channel"), ("groups.json", "channel"),
                           ("mpims.json", "group"), ("dms.json", "dm")):
        name = prefix + filename
        if name not in archive.names():
            continue
        listing = archive.load(name)
        for entry in listing if isinstance(listing, list) else []:
            if not isinstance(entry, dict) or not entry.get("id"):
                continue
            folder = entry["id"] if kind == "dm" else entry.get("name") or entry["id"]
            label = {"channel": f"#{folder}", "group": "group messages",
                     "dm": "direct messages"}[kind]
            members = tuple(m for m in entry.get("members") or () if isinstance(m, str))
            found[folder] = {"id": entry["id"], "kind": kind, "label": label,
                             "members": members}
    return found


def _guess_conversation(folder: str) -> dict[str, Any]:
    # Without metadata, Slack's own naming tells DMs and group DMs from channels.
    if folder.startswith("mpdm-"):
        return {"id": folder, "kind": "group", "label": "group messages", "members": ()}
    if re.fullmatch(r"D[A-Z0-9]{6,}", folder):
        return {"id": folder, "kind": "dm", "label": "direct messages", "members": ()}
    return {"id": folder, "kind": "channel", "label": f"#{folder}", "members": ()}


def _find_me(users: list[Any], opts: ReaderOptions,
             conversations: dict[str, dict[str, Any]]) -> frozenset[str]:
    found = set(opts.my_slack_ids)
    for user in users:
        if not isinstance(user, dict):
            continue
        email = str((user.get("profile") or {}).get("email") or "").lower()
        if email and email in opts.my_emails:
            found.add(str(user.get("id")))
    if found:
        return frozenset(found)
    dms = [set(c["members"]) for c in conversations.values() if c["kind"] == "dm" and c["members"]]
    common = set.intersection(*dms) if len(dms) >= 2 else set()
    return frozenset(common) if len(common) == 1 else frozenset()


def _my_zone(users: list[Any], me: frozenset[str]) -> tzinfo:
    for user in users:
        if isinstance(user, dict) and user.get("id") in me and user.get("tz"):
            try:
                return ZoneInfo(str(user["tz"]))
            except (ZoneInfoNotFoundError, ValueError):
                break
    return UTC


def _contact(user: Any, where: str) -> ContactRecord | None:
    if not isinstance(user, dict) or not user.get("id"):
        return None
    profile = user.get("profile") or {}
    name = (user.get("real_name") or profile.get("real_name") or profile.get("display_name")
            or user.get("name") or user["id"])
    email = str(profile.get("email") or "").strip().lower()
    return ContactRecord(
        name=str(name).strip(),
        source_key=f"slack:{user['id']}",
        given_name=profile.get("first_name") or None,
        family_name=profile.get("last_name") or None,
        emails=[email] if email else [],
        title=str(profile.get("title") or "").strip() or None,
        where=where,
    )


def _message(raw: Any, info: dict[str, Any], bots: set[Any]) -> ChatMessage | None:
    """The message if a person wrote it; None for joins, bots and other noise."""
    if not isinstance(raw, dict) or raw.get("type", "message") != "message":
        return None
    if raw.get("subtype") not in _SPOKEN:
        return None
    author = raw.get("user") or (raw.get("comment") or {}).get("user")
    if not isinstance(author, str) or author in bots:
        return None
    try:
        moment = datetime.fromtimestamp(float(raw["ts"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    thread = raw.get("thread_ts")
    return ChatMessage(
        conversation=info["id"],
        label=info["label"],
        kind=info["kind"],
        author=author,
        at=moment,
        thread=str(thread) if thread else None,
        mentions=frozenset(_MENTION.findall(str(raw.get("text") or ""))),
        members=info["members"],
    )
