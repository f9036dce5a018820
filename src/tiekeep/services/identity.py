"""Identity resolution: is the person a source describes someone we already know?

Strong evidence is an importer's own key (a vCard UID, a LinkedIn profile, a Slack id), an
email address, a LinkedIn URL or a phone number: one of them shared is the same person. A
name is weaker. The same name after transliteration ("Анна Петрова" is "Anna Petrova"), in
any word order, is the same person when nothing contradicts it; with two different email
addresses, or two people of that name, it is only *possibly* the same person, and a name that
is merely close ("Jon Smith", "John Smith") is never more than that. Possible matches are
reported and never merged silently; `contact duplicates` lists them for `contact merge`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.adapters.keys import name_key, url_key
from tiekeep.core.models import Contact, ContactEmail, ContactPhone, ContactSource, ContactUrl, Role

FUZZY_THRESHOLD = 88.0
REPORT_THRESHOLD = 80.0
MAX_BLOCK = 2000
MAX_GROUP = 25  # more contacts than this sharing a name or an address are not duplicates

__all__ = ["Candidate", "DuplicatePair", "Index", "Match", "duplicates", "name_key", "url_key"]


@dataclass
class Candidate:
    """A contact that may be the same person, with how sure we are and why."""

    contact_id: int
    name: str
    score: float
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.contact_id, "name": self.name, "score": round(self.score, 1),
                "evidence": list(self.evidence)}


@dataclass
class Match:
    """The contact a record belongs to (None: a new person), and the possible others."""

    contact_id: int | None
    by: str = ""  # source, email, url, phone or name
    possible: list[Candidate] = field(default_factory=list)


def _put(table: dict[str, Any], key: str, contact_id: int) -> None:
    """Map a key to one id, or to a tuple of ids when several contacts share it."""
    held = table.get(key)
    if held is None:
        table[key] = contact_id
    elif isinstance(held, int):
        if held != contact_id:
            table[key] = (held, contact_id)
    elif contact_id not in held:
        table[key] = (*held, contact_id)


def _ids(table: dict[str, Any], key: str) -> tuple[int, ...]:
    held = table.get(key)
    if held is None:
        return ()
    return (held,) if isinstance(held, int) else held


def _blocks(key: str) -> set[str]:
    """Where to look for close names: pairs of word beginnings ("jo|sm" for John Smith).

    Pairs keep the pool small even for common first names; a typo in the first two letters
    of a word goes unnoticed, which is the price of not comparing everyone with everyone.
    """
    starts = sorted({word[:2] for word in key.split()})
    if len(starts) == 1:
        return {key[:3]}
    return {f"{a}|{b}" for a, b in combinations(starts, 2)}


class Index:
    """The owner's contacts by source key, email, phone, URL and name, held in memory.

    It costs a few dozen bytes per contact, and lets an import resolve each record without a
    query; contacts the import creates are added as it goes.
    """

    def __init__(self) -> None:
        self.sources: dict[str, Any] = {}
        self.emails: dict[str, Any] = {}
        self.phones: dict[str, Any] = {}
        self.urls: dict[str, Any] = {}
        self.names: dict[str, Any] = {}
        self.blocks: dict[str, list[int]] = {}
        self.display: dict[int, str] = {}
        self.keys_of: dict[int, str] = {}
        self.has_email: set[int] = set()
        self.linkedin_of: dict[int, str] = {}
        self._last_name: tuple[str, str] = ("", "")

    def _name_key(self, name: str) -> str:
        """``name_key``, kept for the last name: an import matches a name, then adds it."""
        if name != self._last_name[0]:
            self._last_name = (name, name_key(name))
        return self._last_name[1]

    @classmethod
    def load(cls, session: Session, *, owner_id: int) -> Index:
        """Build the index of an owner's (not deleted) contacts."""
        index = cls()
        alive = (Contact.owner_id == owner_id, Contact.deleted_at.is_(None))
        for cid, name, aliases in session.execute(
                select(Contact.id, Contact.display_name, Contact.aliases).where(*alive)
                .order_by(Contact.id)):
            index.add(cid, name=name, aliases=aliases or [])
        for table, column, add in ((ContactEmail, ContactEmail.email, "emails"),
                                   (ContactPhone, ContactPhone.phone, "phones"),
                                   (ContactUrl, ContactUrl.url, "urls")):
            rows = session.execute(select(table.contact_id, column)
                                   .join(Contact, Contact.id == table.contact_id).where(*alive)
                                   .order_by(table.contact_id, table.id))
            for cid, value in rows:
                index.add(cid, emails=[value] if add == "emails" else (),
                          phones=[value] if add == "phones" else (),
                          urls=[value] if add == "urls" else ())
        for cid, source, key in session.execute(
                select(ContactSource.contact_id, ContactSource.source, ContactSource.key)
                .join(Contact, Contact.id == ContactSource.contact_id).where(*alive)
                .order_by(ContactSource.id)):
            index.add_source(cid, source, key)
        return index

    def add(self, contact_id: int, *, name: str | None = None, aliases: Iterable[str] = (),
            emails: Iterable[str] = (), phones: Iterable[str] = (),
            urls: Iterable[str] = ()) -> None:
        """Record what is known of a contact (its display name first)."""
        if name is not None:
            self.display[contact_id] = name
        for text in ([name] if name else []) + [a for a in aliases if a]:
            key = self._name_key(text)
            if not key:
                continue
            self.keys_of.setdefault(contact_id, key)
            _put(self.names, key, contact_id)
            for block in _blocks(key):
                members = self.blocks.setdefault(block, [])
                if not members or members[-1] != contact_id:
                    members.append(contact_id)
        for email in emails:
            _put(self.emails, email.lower(), contact_id)
            self.has_email.add(contact_id)
        for phone in phones:
            _put(self.phones, phone, contact_id)
        for url in urls:
            # Only a personal profile identifies someone: colleagues share a company site.
            key = url_key(url)
            if key.startswith("linkedin.com/"):
                _put(self.urls, key, contact_id)
                self.linkedin_of[contact_id] = key

    def add_source(self, contact_id: int, source: str, key: str) -> None:
        _put(self.sources, f"{source}\x00{key}", contact_id)

    def holds(self, contact_id: int, *, emails: Iterable[str] = (),
              urls: Iterable[str] = ()) -> bool:
        """Whether these emails and LinkedIn profiles are all known as this contact's."""
        if any(contact_id not in _ids(self.emails, e.lower()) for e in emails):
            return False
        keys = [k for k in map(url_key, urls) if k.startswith("linkedin.com/")]
        return all(contact_id in _ids(self.urls, k) for k in keys)

    def by_source(self, source: str, key: str) -> int | None:
        found = _ids(self.sources, f"{source}\x00{key}")
        return found[0] if found else None

    def match(self, *, name: str, emails: Iterable[str] = (), phones: Iterable[str] = (),
              urls: Iterable[str] = (), source: str | None = None,
              source_key: str | None = None) -> Match:
        """Who this is: by source key, then email, LinkedIn URL and phone, then name."""
        if source and source_key and (cid := self.by_source(source, source_key)) is not None:
            return Match(cid, "source")
        emails, phones = [e.lower() for e in emails], list(phones)
        url_keys = [k for k in (url_key(u) for u in urls) if k.startswith("linkedin.com/")]
        hits: dict[int, list[str]] = {}
        for kind, table, values in (("email", self.emails, emails), ("url", self.urls, url_keys),
                                    ("phone", self.phones, phones)):
            for value in values:
                for cid in _ids(table, value):
                    hits.setdefault(cid, []).append(f"same {kind} {value}")
        key = self._name_key(name)
        # A shared phone alone is weaker: families share a line, offices a switchboard.
        phone_only = [c for c in hits if all(h.startswith("same phone") for h in hits[c])]
        doubtful = [c for c in phone_only if not self._compatible(c, key)]
        for cid in doubtful:
            del hits[cid]
        if hits:
            ranked = sorted(hits, key=lambda c: (-len(hits[c]), c))
            first = hits[ranked[0]][0].split()[1]
            others = [Candidate(c, self.display.get(c, ""), 95.0, hits[c]) for c in ranked[1:]]
            return Match(ranked[0], first, others)
        if doubtful:
            return Match(None, "", [Candidate(c, self.display.get(c, ""), 85.0,
                                              [f"same phone, but the name is '{name}'"])
                                    for c in sorted(doubtful)])
        same_name = [c for c in _ids(self.names, key)] if key else []
        if len(same_name) == 1 and len(key.split()) >= 2:
            cid = same_name[0]
            conflict = self._conflict(cid, emails, url_keys)
            if not conflict:
                return Match(cid, "name")
            return Match(None, "", [Candidate(cid, self.display.get(cid, ""), 90.0,
                                              [f"same name '{name}'", conflict])])
        if same_name:
            return Match(None, "", [Candidate(c, self.display.get(c, ""), 85.0,
                                              [f"same name '{name}'"]) for c in same_name[:5]])
        return Match(None, "", self.similar(name, key))

    def _compatible(self, cid: int, key: str) -> bool:
        """Whether a record's name can be this contact's (or the record has no real name)."""
        from rapidfuzz import fuzz

        other = self.keys_of.get(cid, "")
        if not key or not other or not any(ch.isalpha() for ch in key):
            return True
        return key == other or fuzz.token_set_ratio(key, other) >= FUZZY_THRESHOLD

    def _conflict(self, cid: int, emails: list[str], url_keys: list[str]) -> str:
        """Why a same-named contact may be someone else: other emails, another profile."""
        linkedin = [u for u in url_keys if u.startswith("linkedin.com/")]
        if linkedin and cid in self.linkedin_of and self.linkedin_of[cid] not in linkedin:
            return "different LinkedIn profiles"
        if emails and cid in self.has_email:
            return "different email addresses"
        return ""

    def similar(self, name: str, key: str | None = None) -> list[Candidate]:
        """Contacts whose names are close to this one (never a match, only possible)."""
        from rapidfuzz import fuzz, process

        key = name_key(name) if key is None else key
        if not key:
            return []
        pool: set[int] = set()
        for block in _blocks(key):
            members = self.blocks.get(block, [])
            if len(members) <= MAX_BLOCK:  # a name that common says nothing by closeness
                pool.update(members)
        ids = list(pool)
        # Scored in one call: a common block holds hundreds of names.
        close = process.extract(key, [self.keys_of.get(cid, "") for cid in ids],
                                scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD,
                                limit=None)
        found = []
        for other, score, position in close:
            cid = ids[position]
            if other != key:
                found.append(Candidate(cid, self.display.get(cid, ""), score * 0.9,
                                       [f"similar names '{name}' ~ '{self.display.get(cid)}' "
                                        f"({score:.0f}%)"]))
        found.sort(key=lambda c: (-c.score, c.contact_id))
        return found[:5]


@dataclass
class DuplicatePair:
    """Two contacts that are likely the same person."""

    a: tuple[int, str]
    b: tuple[int, str]
    score: float
    evidence: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"a": {"id": self.a[0], "name": self.a[1]},
                "b": {"id": self.b[0], "name": self.b[1]},
                "score": round(self.score, 1), "evidence": list(self.evidence)}


def duplicates(session: Session, *, owner_id: int,
               threshold: float = REPORT_THRESHOLD) -> list[DuplicatePair]:
    """Pairs of the owner's contacts that are likely the same person, best first."""
    from rapidfuzz import fuzz, process

    index = Index.load(session, owner_id=owner_id)
    found: dict[tuple[int, int], list[tuple[float, str]]] = {}

    def note(a: int, b: int, score: float, why: str) -> None:
        if a != b:
            found.setdefault((min(a, b), max(a, b)), []).append((score, why))

    for kind, table, score in (("email", index.emails, 100.0),
                               ("LinkedIn profile", index.urls, 100.0),
                               ("phone", index.phones, 90.0)):
        for value, held in table.items():
            # An address dozens of contacts share is a team's, not a person's.
            if isinstance(held, tuple) and len(held) <= MAX_GROUP:
                for i, a in enumerate(held):
                    for b in held[i + 1:]:
                        note(a, b, score, f"same {kind} {value}")
    for key, held in index.names.items():
        if isinstance(held, tuple) and len(held) <= MAX_GROUP:
            for i, a in enumerate(held):
                for b in held[i + 1:]:
                    note(a, b, 90.0 if len(key.split()) >= 2 else 80.0,
                         f"same name '{index.display.get(a)}'")
    for members in index.blocks.values():
        if not 1 < len(members) <= MAX_BLOCK:
            continue
        keys = [index.keys_of.get(c, "") for c in members]
        matrix = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio,
                               score_cutoff=FUZZY_THRESHOLD)
        for i, a in enumerate(members):
            for j in range(i + 1, len(members)):
                ratio = float(matrix[i][j])
                if ratio and keys[i] != keys[j]:
                    note(a, members[j], ratio * 0.9,
                         f"similar names '{index.display.get(a)}' ~ "
                         f"'{index.display.get(members[j])}' ({ratio:.0f}%)")
    organizations = _organizations(session, {cid for pair in found for cid in pair})
    pairs = []
    for (a, b), signals in found.items():
        reasons = list(dict.fromkeys(why for _, why in signals))
        best = max(score for score, _ in signals)
        score = min(100.0, best + 5.0 * (len(reasons) - 1))
        org = organizations.get(a)
        if org and org == organizations.get(b) and score < 100.0:
            score = min(100.0, score + 5.0)
            reasons.append(f"both at {org}")
        if score >= threshold:
            pairs.append(DuplicatePair((a, index.display.get(a, "")),
                                       (b, index.display.get(b, "")), score, reasons))
    pairs.sort(key=lambda p: (-p.score, p.a[0], p.b[0]))
    return pairs


def _organizations(session: Session, contact_ids: set[int]) -> dict[int, str]:
    """The current organization of these contacts, lower-cased, for the evidence."""
    result: dict[int, str] = {}
    ids = sorted(contact_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Role.contact_id, Role.organization).where(
            Role.contact_id.in_(ids[start:start + 500]), Role.ended.is_(None),
            Role.organization.is_not(None)))
        for cid, org in rows:
            result[cid] = (org or "").strip().lower()
    return result
