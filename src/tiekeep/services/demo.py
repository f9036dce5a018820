"""A realistic, deterministic demo network, for trying tiekeep, tests and benchmarks.

The same seed and day give the same network. Names are Latin and Cyrillic; people work in
several organizations and departments and some changed roles; interactions use every
format, and how often each person is met follows a power law (a few people very often, most
rarely), as in real networks. Rows are written in bulk so that 100 000 contacts with
2 000 000 interactions take minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from tiekeep.core import search
from tiekeep.core.db import bulk_cache
from tiekeep.core.enums import Format, Initiator, ValueKind
from tiekeep.core.models import (
    Contact,
    ContactEmail,
    ContactLink,
    ContactPhone,
    ContactTag,
    FollowUp,
    Interaction,
    InteractionParticipant,
    PlanItem,
    Resource,
    Role,
    Tag,
    User,
    ValueExchange,
)
from tiekeep.errors import InvalidInput

LATIN_FIRST = (
    "Anna Maria Elena Sofia Laura Julia Emma Olivia Chloe Nina Clara Eva Lena Mia Sara Alice "
    "Hannah Lucy Grace Zoe Ada Iris Nora Ruth Vera James John Michael David Daniel Thomas Paul "
    "Mark Peter Lucas Leo Max Adam Oliver Noah Ethan Samuel Victor Felix Hugo Oscar Simon "
    "Martin Henry Jonas Aaron Ben Carlos Diego Marco Luca Pierre Hans Sven Lars Kenji Ravi"
).split()
LATIN_LAST = (
    "Smith Johnson Brown Taylor Wilson Davies Evans Thomas Roberts Walker Wright Thompson "
    "White Hughes Edwards Green Hall Wood Harris Martin Jackson Clarke Clark Turner Hill Scott "
    "Cooper Morris Ward Moore King Watson Baker Harrison Morgan Patel Young Allen Mitchell "
    "James Anderson Phillips Lee Bell Parker Davis Miller Garcia Rossi Russo Ferrari Bianchi "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Dubois Moreau Laurent Lefebvre "
    "Nielsen Jensen Hansen Larsen Novak Kowalski Nowak Tanaka Suzuki Sato Kim Park Chen Wang "
    "Singh Kumar Silva Santos Costa Pereira Fernandez Lopez Martinez Gonzalez Sanchez Romero"
).split()
CYRILLIC_FIRST_F = (
    "Анна Мария Елена Ольга Татьяна Наталья Ирина Светлана Юлия Екатерина Дарья Ксения Алина "
    "Полина Вера Надежда Людмила Марина Виктория Софья Алёна Евгения Валерия Кристина"
).split()
CYRILLIC_FIRST_M = (
    "Иван Алексей Дмитрий Сергей Андрей Михаил Николай Павел Александр Владимир Артём Максим "
    "Егор Кирилл Роман Олег Игорь Юрий Борис Глеб Тимур Фёдор Григорий Константин"
).split()
CYRILLIC_LAST_M = (
    "Петров Иванов Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв"
).split()
ORGANIZATIONS = (
    "Northwind", "Globex", "Initech", "Umbrella Labs", "Stark Industries", "Wayne Enterprises",
    "Hooli", "Vandelay Industries", "Acme Corp", "Soylent", "Cyberdyne", "Tyrell", "Aperture",
    "Массив", "Северсталь Диджитал", "Яндекс Облако", "Ростелеком Лаб", "Тинькофф Тех",
    "Blue Sun", "Monarch", "Oscorp", "Gringotts", "Wonka", "Dunder Mifflin", "Pied Piper",
    "Nakatomi", "Zorg", "Gekko & Co", "Sirius Cybernetics", "Octan",
)
DEPARTMENTS = ("Engineering", "Sales", "Marketing", "Product", "Finance", "HR", "Legal",
               "Operations", "Support", "Research", "Design", "Data")
TITLES = {
    "Engineering": ("Software Engineer", "Senior Engineer", "Staff Engineer", "Tech Lead",
                    "Engineering Manager", "CTO"),
    "Sales": ("Account Executive", "Sales Manager", "Head of Sales", "Sales Director"),
    "Marketing": ("Marketing Manager", "Content Lead", "Growth Lead", "CMO"),
    "Product": ("Product Manager", "Senior Product Manager", "Head of Product", "CPO"),
    "Finance": ("Analyst", "Controller", "Finance Director", "CFO"),
    "HR": ("Recruiter", "HR Business Partner", "Head of People"),
    "Legal": ("Counsel", "Senior Counsel", "General Counsel"),
    "Operations": ("Operations Manager", "COO", "Program Manager"),
    "Support": ("Support Engineer", "Support Lead", "Customer Success Manager"),
    "Research": ("Researcher", "Research Scientist", "Head of Research"),
    "Design": ("Designer", "Senior Designer", "Design Lead"),
    "Data": ("Data Analyst", "Data Scientist", "Head of Data"),
}
CITIES = ("Berlin", "London", "Москва", "Санкт-Петербург", "New York", "Paris", "Amsterdam",
          "Lisbon", "Tokyo", "Singapore", "Warsaw", "Tbilisi", "Belgrade", "Dubai", "Remote")
TOPICS = ("Q3 roadmap", "hiring", "fundraising", "product launch", "pricing", "AI strategy",
          "career growth", "conference", "open source", "partnership", "budget", "migration",
          "security review", "onboarding", "design system", "analytics", "customer churn",
          "team offsite", "mentoring", "public speaking", "reorg", "quarterly planning",
          "data platform", "sales pipeline", "market research", "книга", "стратегия",
          "дорожная карта", "найм", "конференция")
TAGS = ("mentor", "investor", "alumni", "client", "partner", "speaker", "friend", "recruiter",
        "former-colleague", "community")
# Relative frequency of each format: chat and mail are daily, offsites rare.
FORMAT_WEIGHTS = {
    Format.CHAT: 24, Format.EMAIL: 22, Format.ONE_ON_ONE: 8, Format.TEAM_MEETING: 7,
    Format.PROJECT_SYNC: 6, Format.STATUS_UPDATE: 4, Format.DISCUSSION: 4, Format.FEEDBACK: 2,
    Format.LUNCH: 3, Format.COFFEE: 4, Format.CORPORATE_EVENT: 1, Format.OFFSITE: 1,
    Format.CALL: 6, Format.VIDEO_CALL: 8, Format.ONLINE_EVENT: 1, Format.VIRTUAL_COFFEE: 2,
    Format.SOCIAL_POST: 2, Format.LETTER: 1, Format.OTHER: 1,
}
GROUP_FORMATS = {Format.TEAM_MEETING, Format.PROJECT_SYNC, Format.CORPORATE_EVENT,
                 Format.OFFSITE, Format.ONLINE_EVENT, Format.STATUS_UPDATE}
HISTORY_DAYS = 730
CHUNK = 20_000


@dataclass
class DemoSummary:
    contacts: int
    interactions: int
    participants: int
    values: int
    followups: int
    roles: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _translit_email(name: str) -> str:
    return search.transliterate(name).replace(" ", ".").replace("'", "")


class _Ids:
    """Explicit ids for bulk rows, continuing after what the table already holds."""

    def __init__(self, session: Session, model: Any) -> None:
        current = session.scalar(select(func.max(model.id))) or 0
        self.next = int(current) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def generate(session: Session, *, owner_id: int, contacts: int, interactions: int,
             seed: int = 1, today: date | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> DemoSummary:
    """Fill the owner's network with a demo network (in the caller's transaction)."""
    if contacts < 1 or interactions < 0:
        raise InvalidInput("the demo needs at least one contact and no negative counts")
    if contacts > 1_000_000 or interactions > 50_000_000:
        raise InvalidInput("the demo is limited to 1 000 000 contacts and 50 000 000 "
                           "interactions")
    rng = random.Random(seed)
    today = today or date.today()
    now = datetime.combine(today, time(18, 0), tzinfo=UTC)
    report = progress or (lambda _stage, _done, _total: None)
    owner = session.get(User, owner_id)
    if owner is not None and not owner.organization:
        owner.organization, owner.department = "Northwind", "Product"

    with bulk_cache(session):
        people = _make_contacts(session, rng, owner_id=owner_id, count=contacts, today=today,
                                report=report)
        ids = [p["id"] for p in people]
        stats = _make_interactions(session, rng, owner_id=owner_id, people=people,
                                   count=interactions, now=now, report=report)
        _make_extras(session, rng, owner_id=owner_id, ids=ids, now=now)
        _write_search_documents(session, owner_id=owner_id, people=people,
                                topics=stats["topics"])
    _fix_sequences(session)
    refresh_statistics(session)
    return DemoSummary(contacts=len(people), interactions=interactions,
                       participants=stats["participants"], values=stats["values"],
                       followups=stats["followups"], roles=stats["roles"])


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        table: Table = model.__table__
        session.execute(table.insert(), rows)


def _make_contacts(session: Session, rng: random.Random, *, owner_id: int, count: int,
                   today: date, report: Callable[[str, int, int], None]) -> list[dict[str, Any]]:
    contact_ids, role_ids = _Ids(session, Contact), _Ids(session, Role)
    stamp = datetime.combine(today, time(9, 0), tzinfo=UTC)
    tag_ids: dict[str, int] = {}
    for name in TAGS:
        existing = session.scalar(select(Tag.id).where(Tag.owner_id == owner_id,
                                                       Tag.name == name))
        if existing is None:
            tag = Tag(owner_id=owner_id, name=name)
            session.add(tag)
            session.flush()
            existing = tag.id
        tag_ids[name] = existing
    people: list[dict[str, Any]] = []
    batch: dict[str, list[dict[str, Any]]] = {"c": [], "e": [], "p": [], "r": [], "t": []}

    def flush() -> None:
        _insert(session, Contact, batch["c"])
        _insert(session, ContactEmail, batch["e"])
        _insert(session, ContactPhone, batch["p"])
        _insert(session, Role, batch["r"])
        _insert(session, ContactTag, batch["t"])
        for rows in batch.values():
            rows.clear()

    for n in range(count):
        cid = contact_ids.take()
        cyrillic = rng.random() < 0.4
        if cyrillic:
            female = rng.random() < 0.5
            first = rng.choice(CYRILLIC_FIRST_F if female else CYRILLIC_FIRST_M)
            last = rng.choice(CYRILLIC_LAST_M)
            if female:
                last += "а"
        else:
            first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
        name = f"{first} {last}"
        org = rng.choice(ORGANIZATIONS)
        dept = rng.choice(DEPARTMENTS)
        # Tiers: a few key ties, more regular and supporting, many dormant.
        tier = rng.choices(("key", "regular", "supporting", "dormant"), (4, 21, 45, 30))[0]
        project = rng.random() < 0.05
        birthday = None
        if rng.random() < 0.6:
            birthday = date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.01:
                birthday = date(rng.choice((1980, 1984, 1988, 1992)), 2, 29)
        batch["c"].append({
            "id": cid, "owner_id": owner_id, "display_name": name, "given_name": first,
            "family_name": last, "aliases": [], "birthday": birthday, "birthday_has_year": True,
            "location": rng.choice(CITIES), "tier": tier,
            "horizon": "project" if project else "long_term",
            "project_end": today - timedelta(days=rng.randint(-60, 90)) if project else None,
            "cadence_days": rng.choice((7, 21, 60)) if rng.random() < 0.03 else None,
            "trust": rng.randint(1, 5) if rng.random() < 0.5 else None,
            "interests": rng.sample(TOPICS, rng.randint(0, 3)),
            "how_met": rng.choice(("conference", "work", "university", "introduction",
                                   "meetup", "online")) if rng.random() < 0.5 else None,
            "met_on": today - timedelta(days=rng.randint(30, 4000))
            if rng.random() < 0.5 else None,
            "status": "active", "version_id": 1, "created_at": stamp, "updated_at": stamp,
        })
        batch["e"].append({"contact_id": cid,
                           "email": f"{_translit_email(name)}.{cid}@{_domain(org)}"})
        if rng.random() < 0.5:
            batch["p"].append({"contact_id": cid,
                               "phone": f"+4930{rng.randint(1000000, 9999999)}"})
        # Some people changed roles: earlier roles are closed, the newest is open.
        changes = rng.choices((0, 1, 2), (70, 24, 6))[0]
        start = today - timedelta(days=rng.randint(400, 3000))
        roles = []
        for step in range(changes + 1):
            roles.append({"id": role_ids.take(), "contact_id": cid,
                          "title": rng.choice(TITLES[dept]), "department": dept,
                          "organization": org, "location": None, "started": start,
                          "ended": None, "source": "demo", "is_change": step > 0,
                          "acknowledged_at": stamp if step < changes or rng.random() < 0.9
                          else None, "created_at": stamp})
            if step < changes:
                end = start + timedelta(days=rng.randint(180, 900))
                end = min(end, today - timedelta(days=(changes - step) * 30))
                roles[-1]["ended"] = end
                start = end + timedelta(days=1)
                if rng.random() < 0.5:
                    org = rng.choice(ORGANIZATIONS)
                else:
                    dept = rng.choice(DEPARTMENTS)
        batch["r"].extend(roles)
        for tag_name in rng.sample(TAGS, rng.choices((0, 1, 2), (60, 30, 10))[0]):
            batch["t"].append({"contact_id": cid, "tag_id": tag_ids[tag_name]})
        people.append({"id": cid, "name": name, "email": batch["e"][-1]["email"],
                       "org": org, "dept": dept, "title": roles[-1]["title"]})
        if len(batch["c"]) >= CHUNK:
            flush()
            report("contacts", n + 1, count)
    flush()
    report("contacts", count, count)
    return people


def _domain(org: str) -> str:
    slug = "".join(ch for ch in search.transliterate(org) if ch.isalnum())
    return f"{slug or 'example'}.example"


def _make_interactions(session: Session, rng: random.Random, *, owner_id: int,
                       people: list[dict[str, Any]], count: int, now: datetime,
                       report: Callable[[str, int, int], None]) -> dict[str, Any]:
    ids = [p["id"] for p in people]
    # Zipf-like weights: the k-th most frequent contact is met about 1/k^0.9 as often.
    order = ids[:]
    rng.shuffle(order)
    cumulative = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(order))))
    formats = list(FORMAT_WEIGHTS)
    format_cumulative = list(accumulate(FORMAT_WEIGHTS.values()))
    last_at: dict[int, datetime] = {}
    last_qualifying: dict[int, datetime] = {}
    topics_seen: dict[int, set[int]] = {}
    interaction_ids, value_ids, followup_ids = (_Ids(session, Interaction),
                                                _Ids(session, ValueExchange),
                                                _Ids(session, FollowUp))
    totals = {"participants": 0, "values": 0, "followups": 0}
    rows: dict[str, list[dict[str, Any]]] = {"i": [], "p": [], "v": [], "f": []}
    start = now - timedelta(days=HISTORY_DAYS)
    span = HISTORY_DAYS * 86400
    value_kinds = [k.value for k in ValueKind]
    initiators = [i.value for i in Initiator]

    def flush() -> None:
        _insert(session, Interaction, rows["i"])
        _insert(session, InteractionParticipant, rows["p"])
        _insert(session, ValueExchange, rows["v"])
        _insert(session, FollowUp, rows["f"])
        for batch in rows.values():
            batch.clear()

    for n in range(count):
        iid = interaction_ids.take()
        fmt = rng.choices(formats, cum_weights=format_cumulative)[0]
        if fmt in GROUP_FORMATS:
            size = rng.randint(2, 6)
            attendees = rng.randint(size, 20) if fmt in (Format.CORPORATE_EVENT,
                                                          Format.ONLINE_EVENT) else size
        else:
            size, attendees = 1, 1
        chosen = {order[_pick(rng, cumulative)] for _ in range(size)}
        # Recent months are busier than older ones, as a growing network is.
        at = start + timedelta(seconds=span * rng.random() ** 0.8)
        topic_idx = rng.sample(range(len(TOPICS)), rng.choices((0, 1, 2), (30, 55, 15))[0])
        initiated = rng.choices(initiators, (45, 35, 20))[0]
        rows["i"].append({
            "id": iid, "owner_id": owner_id, "occurred_at": at, "format": fmt.value,
            "initiated_by": initiated, "topics": [TOPICS[t] for t in topic_idx],
            "summary": None, "notes": None,
            "depth": rng.randint(1, 5) if rng.random() < 0.3 else None,
            "duration_minutes": rng.choice((15, 30, 45, 60, 90)) if fmt not in (
                Format.CHAT, Format.EMAIL, Format.SOCIAL_POST, Format.LETTER) else None,
            "source": "demo", "source_key": None, "attendee_count": attendees,
            "thread_key": None, "reply_to_id": None, "created_at": at, "updated_at": at,
        })
        qualifying = fmt != Format.SOCIAL_POST and attendees <= 8
        for cid in chosen:
            # The time too, so the database trigger finds it right instead of correcting it.
            rows["p"].append({"interaction_id": iid, "contact_id": cid, "occurred_at": at})
            if cid not in last_at or at > last_at[cid]:
                last_at[cid] = at
            if qualifying and (cid not in last_qualifying or at > last_qualifying[cid]):
                last_qualifying[cid] = at
            if topic_idx:
                topics_seen.setdefault(cid, set()).update(topic_idx)
        totals["participants"] += len(chosen)
        first = min(chosen)
        if rng.random() < 0.05:
            rows["v"].append({
                "id": value_ids.take(), "owner_id": owner_id, "contact_id": first,
                "interaction_id": iid, "direction": rng.choice(("given", "received")),
                "kind": rng.choice(value_kinds), "category": None,
                "description": rng.choice(("shared an article", "introduction",
                                           "advice on hiring", "recommendation",
                                           "helped with a review", "job referral")),
                "occurred_at": at, "created_at": at})
            totals["values"] += 1
        if rng.random() < 0.02:
            due = (at + timedelta(days=rng.randint(3, 30))).date()
            rows["f"].append({
                "id": followup_ids.take(), "owner_id": owner_id, "contact_id": first,
                "interaction_id": iid, "text": rng.choice(("send the deck", "intro to a "
                                                           "recruiter", "share notes",
                                                           "follow up on the offer")),
                "due": due, "done_at": None if due > now.date() - timedelta(days=20)
                or rng.random() < 0.1 else at + timedelta(days=2),
                "snoozed_until": None, "created_at": at})
            totals["followups"] += 1
        if len(rows["i"]) >= CHUNK:
            flush()
            report("interactions", n + 1, count)
    flush()
    report("interactions", count, count)
    contacts_table: Table = Contact.__table__  # type: ignore[assignment]
    session.execute(
        contacts_table.update()
        .where(contacts_table.c.id == _bind("cid"))
        .values(last_contact_at=_bind("last"), last_qualifying_at=_bind("qual")),
        [{"cid": cid, "last": at, "qual": last_qualifying.get(cid)}
         for cid, at in last_at.items()],
    )
    roles = session.scalar(select(func.count()).select_from(Role).join(
        Contact, Contact.id == Role.contact_id).where(Contact.owner_id == owner_id)) or 0
    return {**totals, "topics": topics_seen, "roles": int(roles)}


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    from bisect import bisect_left

    return min(bisect_left(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def _make_extras(session: Session, rng: random.Random, *, owner_id: int, ids: list[int],
                 now: datetime) -> None:
    """Plans for some key ties, known links between contacts, and resources to share."""
    plans = []
    for cid in rng.sample(ids, min(len(ids), max(1, len(ids) // 50))):
        plans.append({"contact_id": cid, "kind": "topic", "text": rng.choice(TOPICS),
                      "created_at": now})
        if rng.random() < 0.5:
            plans.append({"contact_id": cid, "kind": "support",
                          "text": rng.choice(("introduce to a designer", "review their talk",
                                              "share the hiring guide")), "created_at": now})
    _insert(session, PlanItem, plans)
    links, seen = [], set()
    for _ in range(min(len(ids) // 5, 20_000) if len(ids) > 1 else 0):
        a, b = rng.sample(ids, 2)
        kind = rng.choices(("knows", "introduced", "works_with", "reports_to"), (6, 1, 3, 1))[0]
        if (a, b, kind) not in seen:
            seen.add((a, b, kind))
            links.append({"owner_id": owner_id, "a_id": a, "b_id": b, "kind": kind,
                          "source": "demo", "created_at": now})
    _insert(session, ContactLink, links)
    _insert(session, Resource, [
        {"owner_id": owner_id, "title": f"Notes on {topic}", "url": None,
         "topics": [topic], "notes": None, "created_at": now, "updated_at": now}
        for topic in TOPICS[:12]])


def _write_search_documents(session: Session, *, owner_id: int, people: list[dict[str, Any]],
                            topics: dict[int, set[int]]) -> None:
    docs: Iterator[search.Document] = (
        search.Document(p["id"], owner_id, search.normalize(" ".join(
            [p["name"], p["email"], p["org"], p["dept"], p["title"],
             *(TOPICS[t] for t in sorted(topics.get(p["id"], ())))])))
        for p in people)
    batch: list[search.Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= CHUNK:
            search.write_documents(session, batch)
            batch = []
    search.write_documents(session, batch)


def refresh_statistics(session: Session) -> None:
    """Let the query planner see the new row counts after a bulk write.

    Without statistics SQLite picks the owner index over the contact index on a large
    table, and a contact page goes from milliseconds to seconds.
    """
    session.execute(text("ANALYZE"))


def _fix_sequences(session: Session) -> None:
    """PostgreSQL's id sequences must move past the ids written explicitly."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("contacts", "roles", "interactions", "value_exchanges", "followups"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
