"""Running an import: a reader's records become contacts and interactions, as one unit.

A reader (``adapters.registry.IMPORTERS``) yields records one at a time; this service
resolves each to a contact (``services.identity``), creates or updates it, and records the
interactions, writing in batches so that memory stays flat however long the file. The caller
owns the transaction: a rejected file leaves the database as it was, and a dry run is rolled
back here, whatever the caller does. Importing the same file twice changes nothing: contacts
are found again by their source key (``ContactSource``), interactions by theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tiekeep.adapters.records import ContactRecord, InteractionRecord, PersonRef, SkippedRecord
from tiekeep.core.db import bulk_cache
from tiekeep.core.enums import Format, Initiator, parse_choice
from tiekeep.core.models import (
    Contact,
    ContactSource,
    ImportRun,
    Tag,
    User,
    utcnow,
)
from tiekeep.errors import ImportRejected, InvalidInput, TiekeepError
from tiekeep.services import (
    audit,
    contacts,
    identity,
    import_batch,
    import_merge,
    interactions,
    parsing,
    users,
)
from tiekeep.services.import_merge import MAX_PHOTO, clip, clip_text, storable

BATCH = 500
# Contacts whose search documents are rebuilt at a time at the end: each holds up to
# contacts.TOPIC_INTERACTIONS topics while its document is built, so 500 of them took 50 MB.
REINDEX_BATCH = 50
LIST_LIMIT = 500  # skipped records, notes and possible matches listed; all are counted
# SQLite's page cache during an import. Against the default 2 MiB, importing 20 000 calendar
# events took 15 % less time (its index writes half); 64 MiB gained nothing more, and the
# cache is the part of an import's memory that grows with the database, up to this size.
IMPORT_CACHE_KIB = 16 * 1024


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    path: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    interactions: int = 0
    role_changes: int = 0
    skipped_records: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    uncertain: list[dict[str, Any]] = field(default_factory=list)
    uncertain_total: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: counts first, then what was skipped or left uncertain."""
        return {
            "kind": self.kind, "path": self.path, "dry_run": self.dry_run,
            "created": self.created, "updated": self.updated, "merged": self.merged,
            "unchanged": self.unchanged, "skipped": self.skipped,
            "interactions": self.interactions, "role_changes": self.role_changes,
            "skipped_records": list(self.skipped_records), "notes": list(self.notes),
            "uncertain": list(self.uncertain), "uncertain_total": self.uncertain_total,
        }


def run(session: Session, *, owner_id: int, kind: str, path: Path,
        options: Mapping[str, Any] | None = None, dry_run: bool = False,
        strict: bool = False, actor: str = "", now: datetime | None = None,
        rules: interactions.QualifyingRules | None = None,
        on_record: Callable[[int], None] | None = None) -> ImportSummary:
    """Import a file with the named importer; a dry run writes nothing."""
    from tiekeep.adapters.registry import IMPORTERS

    adapter = IMPORTERS.get(kind)
    if adapter is None:
        raise InvalidInput(f"unknown import kind '{kind}' (choose from: "
                           f"{', '.join(sorted(IMPORTERS))})")
    try:
        function = adapter.load()
    except (ImportError, AttributeError):
        raise InvalidInput(f"the {kind} importer is not available in this installation") \
            from None
    now = now or utcnow()
    opts: dict[str, Any] = {"my_emails": [], "now": now, **(options or {})}
    if "my_names" not in opts:  # how a chat export that names people but not addresses says me
        user = session.get(User, owner_id)
        opts["my_names"] = [n for n in (user.display_name, user.username) if n] if user else []
    started = utcnow()
    savepoint = session.begin_nested() if dry_run else None
    try:
        with bulk_cache(session, kib=IMPORT_CACHE_KIB):
            if adapter.restores:
                result = function(session, owner_id=owner_id, path=path, options=opts)
                summary = ImportSummary(kind=kind, path=storable(str(path)), **result)
            else:
                summary = ImportSummary(kind=kind, path=storable(str(path)))
                importer = _Importer(session, owner_id=owner_id, source=kind, summary=summary,
                                     strict=strict, actor=actor, today=now.date(),
                                     my_emails=opts["my_emails"], rules=rules,
                                     dry_run=dry_run)
                importer.run(_guarded(function(path, options=opts), path), on_record)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    if dry_run:
        summary.dry_run = True
        return summary
    session.add(ImportRun(owner_id=owner_id, kind=kind, path=storable(str(path)),
                          started_at=started,
                          finished_at=utcnow(), summary=summary.to_dict()))
    session.flush()
    return summary


def export(session: Session, *, owner_id: int, kind: str, path: Path,
           options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write the owner's data with the named exporter; returns what it wrote."""
    from tiekeep.adapters.registry import EXPORTERS

    adapter = EXPORTERS.get(kind)
    if adapter is None:
        raise InvalidInput(f"unknown export kind '{kind}' (choose from: "
                           f"{', '.join(sorted(EXPORTERS))})")
    opts = dict(options or {})
    if "version" in opts and kind != "vcard":
        raise InvalidInput("--version applies to vcard exports only")
    result: dict[str, Any] = adapter.load()(session, owner_id=owner_id, path=path, options=opts)
    return result


def _guarded(records: Iterable[Any], path: Path) -> Iterator[Any]:
    """The reader's records; a reader that crashes rejects the file instead of the program."""
    iterator = iter(records)
    last = ""
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except TiekeepError:
            raise
        except Exception as exc:  # any failure inside a reader means the file is unreadable
            after = f" after {last}" if last else ""
            raise ImportRejected(f"{path}: cannot be read{after} "
                                 f"({type(exc).__name__}: {exc})") from exc
        last = getattr(record, "where", "") or last
        yield record


class _Importer:
    """One import run: the identity index, the current batch, and what is left to finish."""

    def __init__(self, session: Session, *, owner_id: int, source: str,
                 summary: ImportSummary, strict: bool, actor: str, today: date,
                 my_emails: Iterable[str], rules: interactions.QualifyingRules | None,
                 dry_run: bool = False) -> None:
        self.session = session
        self.dry_run = dry_run
        self.owner_id = owner_id
        self.source = source
        self.summary = summary
        self.strict = strict
        self.actor = actor
        self.today = today
        self.my_emails = {e.strip().lower() for e in my_emails}
        self.rules = rules or interactions.QualifyingRules()
        self.index = identity.Index.load(session, owner_id=owner_id)
        # Numbers written without '+' are read in the owner's country.
        self.phone_region = users.phone_region(session, owner_id=owner_id)
        self.deleted_sources = set(session.scalars(
            select(ContactSource.key).join(Contact, Contact.id == ContactSource.contact_id)
            .where(ContactSource.owner_id == owner_id, ContactSource.source == source,
                   Contact.deleted_at.is_not(None))))
        self.tags: dict[str, int] = {}
        self.batch = import_batch.Batch(session, owner_id=owner_id, source=source, actor=actor)
        self.changed: set[int] = set()
        # Participants already resolved, by their reference (a mailbox names the same few
        # people thousands of times).
        self.people: dict[tuple[str | None, ...], int | None] = {}
        self.uncertain: list[tuple[dict[str, Any], int]] = []

    # --- the loop ------------------------------------------------------------------------

    def run(self, records: Iterable[Any], on_record: Callable[[int], None] | None) -> None:
        count = 0
        with self.session.no_autoflush:
            for record in records:
                if isinstance(record, SkippedRecord):
                    self.skip(record.where, record.reason, bad=not record.by_rule)
                elif isinstance(record, ContactRecord):
                    self.contact(record)
                elif isinstance(record, InteractionRecord):
                    self.interaction(record)
                else:
                    raise TypeError(f"an importer yielded {type(record).__name__}")
                count += 1
                if len(self.batch) >= BATCH:
                    self.flush()
                if on_record is not None and count % 100 == 0:
                    on_record(count)
            self.finish()
        if on_record is not None:
            on_record(count)

    def skip(self, where: str, reason: str, *, bad: bool = True) -> None:
        if bad and self.strict:
            raise ImportRejected(f"{where}: {reason} (--strict rejects the file)")
        self.summary.skipped += 1
        if len(self.summary.skipped_records) < LIST_LIMIT:
            # The summary is stored (ImportRun) as JSON, which refuses lone surrogates.
            self.summary.skipped_records.append({"where": storable(where),
                                                 "reason": storable(reason)})

    def note(self, where: str, reason: str) -> None:
        """A value left out of a record that was otherwise imported."""
        if self.strict:
            raise ImportRejected(f"{where}: {reason} (--strict rejects the file)")
        if len(self.summary.notes) < LIST_LIMIT:
            self.summary.notes.append({"where": storable(where), "reason": storable(reason)})

    def report(self, where: str, name: str, contact_id: int,
               possible: list[identity.Candidate]) -> None:
        """A possible match that was not merged, for the summary."""
        if not possible:
            return
        self.summary.uncertain_total += 1
        if len(self.summary.uncertain) < LIST_LIMIT:
            entry = {"where": storable(where), "name": name, "contact_id": contact_id,
                     "candidates": [c.to_dict() for c in possible]}
            self.summary.uncertain.append(entry)
            self.uncertain.append((entry, contact_id))

    # --- contacts ------------------------------------------------------------------------

    def clean_keys(self, record: ContactRecord) -> tuple[list[str], list[str],
                                                          list[tuple[str, str]]]:
        """The record's valid emails, E.164 phones and web URLs; the rest noted and dropped."""
        for reason in record.dropped:
            self.note(record.where, reason)
        emails: list[str] = []
        for raw in map(storable, record.emails):
            try:
                emails.append(parsing.email(raw))
            except InvalidInput:
                self.note(record.where, f"email '{raw[:60]}' is not an address; left out")
        phones: list[str] = []
        for raw in map(storable, record.phones):
            try:
                phones.append(parsing.phone(raw, self.phone_region))
            except InvalidInput:
                self.note(record.where, f"phone '{raw[:40]}' is not a phone number; left out")
        urls = [(clip(kind, 40) or "website", storable(url).strip()[:1000])
                for kind, url in record.urls if url.strip()]
        return list(dict.fromkeys(emails)), list(dict.fromkeys(phones)), urls

    def contact(self, record: ContactRecord) -> None:
        name = clip(record.name, contacts.MAX_NAME)
        if not name:
            self.skip(record.where, "no name")
            return
        emails, phones, urls = self.clean_keys(record)
        if self.my_emails.intersection(emails):
            self.skip(record.where, "this is you (one of your me.emails)", bad=False)
            return
        key = (clip(record.source_key, 500)
               or f"~{identity.name_key(name)}|{emails[0] if emails else ''}"[:500])
        if key in self.deleted_sources:
            self.skip(record.where, f"'{name}' was deleted here; not imported again", bad=False)
            return
        match = self.index.match(name=name, emails=emails, phones=phones,
                                 urls=[u for _, u in urls], source=self.source, source_key=key)
        if match.contact_id is None:
            placeholder = self.create(record, name, emails, phones, urls, key)
            self.summary.created += 1
            self.report(record.where, name, placeholder, match.possible)
            return
        contact = self.load(match.contact_id)
        changed = self.apply(contact, record, emails, phones, urls)
        if self.index.by_source(self.source, key) is None:
            contact.sources.append(ContactSource(owner_id=self.owner_id, source=self.source,
                                                 key=key))
            self.index.add_source(match.contact_id, self.source, key)
        role_changed = self.role(contact, record)
        if changed or role_changed:
            self.changed.add(contact.id)
        if match.by == "source":
            if changed or role_changed:
                self.summary.updated += 1
            else:
                self.summary.unchanged += 1
        else:
            self.summary.merged += 1
            self.report(record.where, name, contact.id, match.possible)

    def load(self, contact_id: int) -> Contact:
        """The contact for an index id; one created in this batch is written first."""
        if contact_id < 0:
            if contact_id in self.batch.pending:
                self.flush()
            contact_id = self.batch.real[contact_id]
        return contacts.get(self.session, owner_id=self.owner_id, contact_id=contact_id)

    def create(self, record: ContactRecord, name: str, emails: list[str], phones: list[str],
               urls: list[tuple[str, str]], key: str | None, *,
               participant: bool = False) -> int:
        """Queue a new contact; returns its stand-in id until the batch is written."""
        photo = record.photo if record.photo and len(record.photo) <= MAX_PHOTO else None
        new = import_batch.NewContact(
            values={
                "display_name": name, "given_name": clip(record.given_name, 200),
                "family_name": clip(record.family_name, 200), "aliases": [],
                "interests": [], "birthday": record.birthday,
                "birthday_has_year": record.birthday_has_year if record.birthday else True,
                "location": clip(record.location, 300),
                "personal_notes": clip_text(record.notes), "how_met": clip_text(record.how_met),
                "met_on": record.met_on, "status": "active", "tier": "regular",
                "horizon": "long_term", "photo": photo,
                "photo_type": clip(record.photo_type, 64) if photo else None,
            },
            emails=emails, phones=phones, urls=urls, tags=self.tag_ids(record.tags), key=key,
            document_later=participant)
        if record.organization or record.title or record.department:
            new.role = {"title": clip(record.title, 300),
                        "department": clip(record.department, 300),
                        "organization": clip(record.organization, 300),
                        "location": None, "started": record.role_since}
        placeholder = self.batch.add_contact(new)
        self.index.add(placeholder, name=name, emails=emails, phones=phones,
                       urls=[u for _, u in urls])
        if key:
            self.index.add_source(placeholder, self.source, key)
        return placeholder

    def tag_ids(self, names: Iterable[str]) -> list[tuple[int, str]]:
        """(id, name) of the owner's tags with these names, created where missing."""
        wanted = list(dict.fromkeys(t.lower()[:100] for t in (clip(n, 1000) for n in names)
                                    if t))
        missing = [n for n in wanted if n not in self.tags]
        if missing:
            self.tags.update(self.session.execute(select(Tag.name, Tag.id).where(
                Tag.owner_id == self.owner_id, Tag.name.in_(missing))).all())
            new = [n for n in missing if n not in self.tags]
            if new:
                created = self.session.execute(
                    insert(Tag).returning(Tag.id, sort_by_parameter_order=True),
                    [{"owner_id": self.owner_id, "name": n} for n in new])
                self.tags.update(zip(new, (row[0] for row in created), strict=True))
        return [(self.tags[n], n) for n in wanted]

    def apply(self, contact: Contact, record: ContactRecord, emails: list[str],
              phones: list[str], urls: list[tuple[str, str]]) -> bool:
        """Add what the record knows and the contact lacks; never overwrite what it has."""
        tags = {name: tid for tid, name in self.tag_ids(record.tags)}
        diff = import_merge.fill(contact, record, emails=emails, phones=phones, urls=urls,
                                 tags=lambda name: self.session.get_one(Tag, tags[name]))
        if diff:
            self.index.add(contact.id, emails=diff.get("emails_added", []),
                           phones=diff.get("phones_added", []),
                           urls=diff.get("urls_added", []))
            audit.record(self.session, owner_id=self.owner_id, contact_id=contact.id,
                         actor=self.actor, action="import",
                         changes={"source": self.source, **diff})
        return bool(diff)

    def role(self, contact: Contact, record: ContactRecord) -> bool:
        """Open the record's role where it is new; a newer export of a source changes it."""
        try:
            outcome = import_merge.place_role(self.session, owner_id=self.owner_id,
                                              contact=contact, record=record,
                                              source=self.source, actor=self.actor,
                                              today=self.today)
        except InvalidInput as exc:
            self.note(record.where, f"role change not recorded: {exc.message}")
            return False
        if outcome == "changed":
            self.summary.role_changes += 1
        return outcome != "kept"

    # --- interactions --------------------------------------------------------------------

    def person(self, ref: PersonRef, where: str) -> int | None:
        """The contact an interaction's participant is (created if new); None for me."""
        seen = (ref.name, ref.email, ref.phone, ref.url, ref.source_key)
        if seen in self.people:
            return self.people[seen]
        email = phone = None
        if ref.email:
            try:
                email = parsing.email(storable(ref.email))
            except InvalidInput:
                email = None
        if email in self.my_emails:
            self.people[seen] = None
            return None
        if ref.phone:
            try:
                phone = parsing.phone(storable(ref.phone), self.phone_region)
            except InvalidInput:
                phone = None
        url = clip(ref.url, 1000)
        name = clip(ref.name, contacts.MAX_NAME) or email or phone or (
            identity.url_key(url) if url else None)
        if not name:
            return None
        key = clip(ref.source_key, 500)
        if key in self.deleted_sources:  # someone the user deleted is not brought back
            return None
        emails, phones = [email] if email else [], [phone] if phone else []
        urls = [("linkedin" if "linkedin.com/" in url.lower() else "website", url)] if url else []
        match = self.index.match(name=name, emails=emails, phones=phones,
                                 urls=[u for _, u in urls], source=self.source, source_key=key)
        if match.contact_id is None:
            record = ContactRecord(name=name, source_key=key, where=where)
            placeholder = self.create(record, name, emails, phones, urls, key, participant=True)
            self.summary.created += 1
            self.report(where, name, placeholder, match.possible)
            return placeholder
        if match.by == "source" or not self.adds_something(match.contact_id, emails, urls, key):
            if match.by in ("source", "email") and not match.possible:
                # Found by a key with nothing to add: the same reference, met again in this
                # import, can only lead to the same contact.
                self.people[seen] = match.contact_id
        else:
            contact = self.load(match.contact_id)
            if self.apply(contact, ContactRecord(name=name, where=where), emails, [], urls):
                self.changed.add(contact.id)
            if key and self.index.by_source(self.source, key) is None:
                contact.sources.append(ContactSource(owner_id=self.owner_id,
                                                     source=self.source, key=key))
                self.index.add_source(match.contact_id, self.source, key)
            self.summary.merged += 1
        return match.contact_id

    def adds_something(self, contact_id: int, emails: list[str],
                       urls: list[tuple[str, str]], key: str | None) -> bool:
        """Whether a participant matched by name brings an address or key the contact lacks."""
        if key and self.index.by_source(self.source, key) is None:
            return True
        return not self.index.holds(contact_id, emails=emails, urls=[u for _, u in urls])

    def interaction(self, record: InteractionRecord) -> None:
        key = clip(record.source_key, 500)
        if not key:
            self.skip(record.where, "no source key")
            return
        if key in self.batch.keys:  # one already recorded earlier is found when written
            self.summary.unchanged += 1
            return
        try:
            format_ = parse_choice(Format, record.format, "format").value
            initiator = parse_choice(Initiator, record.initiated_by, "initiator").value
        except InvalidInput as exc:
            self.skip(record.where, exc.message)
            return
        if record.occurred_at.tzinfo is None:
            self.skip(record.where, "a time without a time zone")
            return
        ids = list(dict.fromkeys(i for i in (self.person(p, record.where)
                                             for p in record.participants) if i is not None))
        if not ids:
            self.skip(record.where, "no participants besides you", bad=False)
            return
        topics = list(dict.fromkeys(t for t in (clip(x, 200) for x in record.topics) if t))
        self.batch.add_interaction(import_batch.NewInteraction(values={
            "occurred_at": record.occurred_at, "format": format_, "initiated_by": initiator,
            "topics": topics[:interactions.MAX_TOPICS], "summary": clip_text(record.summary),
            "duration_minutes": record.duration_minutes,
            "attendee_count": record.attendee_count or len(ids), "source": self.source,
            "source_key": key, "thread_key": clip(record.thread_key, 500),
        }, people=ids, parent=clip(record.in_reply_to_key, 500)))
        self.summary.interactions += 1

    # --- writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the batch, and refresh the search documents of the contacts it changed."""
        known = self.batch.write()
        self.summary.interactions -= known
        self.summary.unchanged += known
        if self.changed:
            contacts.reindex(self.session, owner_id=self.owner_id, contact_ids=self.changed)
            self.changed.clear()

    def finish(self) -> None:
        self.flush()
        # Contacts created by this import were listed by their stand-in ids; a dry run's new
        # ids vanish with it, so they are left out there.
        real = self.batch.real_id
        for entry, contact_id in self.uncertain:
            entry["contact_id"] = None if self.dry_run and contact_id < 0 else real(contact_id)
            for candidate in entry["candidates"]:
                cid = candidate["id"]
                candidate["id"] = None if self.dry_run and cid < 0 else real(cid)
        if self.batch.touched:
            interactions.refresh_last_contact(self.session, owner_id=self.owner_id,
                                              contact_ids=sorted(self.batch.touched),
                                              rules=self.rules)
        rebuild = sorted(self.batch.rebuild)
        for start in range(0, len(rebuild), REINDEX_BATCH):
            contacts.reindex(self.session, owner_id=self.owner_id,
                             contact_ids=rebuild[start:start + REINDEX_BATCH])
