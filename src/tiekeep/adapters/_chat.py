"""Turn chat messages (Slack, Teams) into one ``chat`` interaction per person per day.

What counts as talking with someone:

- direct and group messages: every message. A message of theirs counts with its author; a
  message of mine counts with every other member of the conversation;
- channel threads I took part in (I started one or replied in it that day or before): a
  message of theirs counts with its author; a message of mine with everyone who wrote in the
  thread so far;
- other channel messages: only when they are addressed: mine count with the people they
  @-mention, theirs when they @-mention me. Plain channel chatter does not count, and each
  channel says in one SkippedRecord how many of its messages were left out that way.

A day is a calendar day in my time zone. ``initiated_by`` is whoever wrote first that day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from tiekeep.adapters.records import InteractionRecord, PersonRef, Record, SkippedRecord
from tiekeep.core.enums import Format, Initiator


@dataclass(frozen=True)
class ChatMessage:
    """One human message, as the exports' loaders hand it over."""

    conversation: str  # a stable id of the channel or DM
    label: str  # "#general", "direct messages", "group messages"
    kind: str  # "dm", "group" or "channel"
    author: str
    at: datetime  # aware
    thread: str | None = None  # the thread root's id, for a thread's parent and replies
    mentions: frozenset[str] = frozenset()
    members: tuple[str, ...] = ()  # everyone in a DM or group conversation


@dataclass
class _Day:
    first_at: datetime
    initiated_by: Initiator
    messages: int = 0
    labels: list[str] = field(default_factory=list)
    group_size: int = 1_000_000
    where: str = ""


class DayAggregator:
    """Collects the messages of one day after another and yields records per person."""

    def __init__(self, *, me: frozenset[str], people: dict[str, PersonRef], source: str,
                 scope: str, zone: tzinfo, where: str) -> None:
        self.me = me
        self.people = people
        self.source = source
        self.scope = scope
        self.zone = zone
        self.where = where
        self.my_threads: set[tuple[str, str]] = set()
        self.thread_authors: dict[tuple[str, str], set[str]] = {}
        self.unaddressed: Counter[str] = Counter()
        self.pending: dict[tuple[str, date], _Day] = {}

    def local_day(self, moment: datetime) -> date:
        """The calendar day of ``moment`` in my time zone."""
        return moment.astimezone(self.zone).date()

    def add(self, messages: Iterable[ChatMessage], where: str) -> None:
        """Count a batch of messages (one day file, say), given in any order."""
        ordered = sorted(messages, key=lambda m: m.at)
        for message in ordered:
            if message.thread is not None and message.author in self.me:
                self.my_threads.add((message.conversation, message.thread))
        for message in ordered:
            mine = message.author in self.me
            day = self.local_day(message.at)
            for person in self._counterparts(message, mine):
                entry = self.pending.get((person, day))
                if entry is None:
                    entry = self.pending[(person, day)] = _Day(
                        message.at, Initiator.ME if mine else Initiator.THEM, where=where)
                entry.messages += 1
                if message.label not in entry.labels:
                    entry.labels.append(message.label)
                entry.group_size = min(entry.group_size, self._size(message))

    def flush(self, before: date | None = None) -> Iterator[Record]:
        """Yield the records of the days before ``before`` (all days when None)."""
        done = sorted((k for k in self.pending if before is None or k[1] < before),
                      key=lambda k: (k[1], self.pending[k].first_at))
        for key in done:
            yield self._record(key[0], self.pending.pop(key))

    def _counterparts(self, message: ChatMessage, mine: bool) -> set[str]:
        if message.kind in ("dm", "group"):
            return set(message.members) - self.me if mine else {message.author}
        if message.thread is not None:
            key = (message.conversation, message.thread)
            authors = self.thread_authors.setdefault(key, set())
            authors.add(message.author)
            if key in self.my_threads:
                return authors - self.me if mine else {message.author}
        if mine:
            found = set(message.mentions) - self.me
        else:
            found = {message.author} if message.mentions & self.me else set()
        if not found:
            self.unaddressed[message.label] += 1
        return found

    def _size(self, message: ChatMessage) -> int:
        if message.kind in ("dm", "group") and message.members:
            return max(1, len(set(message.members) - self.me))
        if message.thread is not None:
            authors = self.thread_authors.get((message.conversation, message.thread), set())
            return max(1, len(authors - self.me))
        return max(1, len(message.mentions - self.me))

    def _record(self, person: str, entry: _Day) -> InteractionRecord:
        day = self.local_day(entry.first_at)
        ref = self.people.get(person) or PersonRef(source_key=f"{self.source}:{person}")
        count = f"{entry.messages} message{'s' if entry.messages != 1 else ''}"
        return InteractionRecord(
            source_key=f"{self.source}:{self.scope}:{person}:{day.isoformat()}",
            occurred_at=entry.first_at,
            format=Format.CHAT.value,
            participants=[ref],
            initiated_by=entry.initiated_by.value,
            topics=[label for label in entry.labels if label.startswith("#")],
            summary=f"{count} in {', '.join(entry.labels)}",
            attendee_count=entry.group_size,
            where=entry.where,
        )

    def leftovers(self) -> Iterator[SkippedRecord]:
        """One SkippedRecord per channel whose plain chatter was left out."""
        for label, count in sorted(self.unaddressed.items()):
            yield SkippedRecord(
                f"{self.where} {label}",
                f"{count} channel message{'s' if count != 1 else ''} neither in a thread of "
                "mine nor addressed to or by me", by_rule=True)


def no_me_skip(where: str) -> SkippedRecord:
    """The record saying interactions were not read because nobody is known to be me."""
    return SkippedRecord(where, "cannot tell which user is you: set me.emails (your profile "
                                "email) or my_slack_ids; only contacts were read", by_rule=True)
