"""Full-text search over contacts; the one module where SQLite and PostgreSQL differ.

Each contact has one search document: its names, aliases, emails, roles, notes and the
topics of its interactions, written once as is and once transliterated to Latin letters, all
lower-cased. A query is transliterated the same way, so "Ivan Petrov" finds "Иван Петров"
and back. Candidates come from the database's trigram index (FTS5 ``trigram`` on SQLite,
``pg_trgm`` on PostgreSQL), which tolerates typos; rapidfuzz then ranks the few candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

CANDIDATES = 300
EXACT_ENOUGH = 20  # substring matches enough to skip the fuzzy query
_SPACES = re.compile(r"\s+")


class _Latin(dict[int, str]):
    """A str.translate table filled on demand: each character's Latin spelling, as unidecode
    gives it. unidecode maps one character at a time, so the table gives the same text, in a
    fraction of the time that its own per-character loop takes on long documents."""

    def __missing__(self, code: int) -> str:
        from unidecode import unidecode

        latin = self[code] = unidecode(chr(code))
        return latin


_LATIN = _Latin()


def transliterate(value: str) -> str:
    """Latin letters for any script (Cyrillic included), lower-cased."""
    return (value if value.isascii() else value.translate(_LATIN)).lower()


def normalize(value: str) -> str:
    """Lower-case, single-spaced text, with its Latin transliteration appended if different."""
    lowered = _SPACES.sub(" ", value).strip().lower()
    latin = transliterate(lowered)
    return lowered if latin == lowered else f"{lowered} {latin}"


def create_objects(connection: Connection) -> None:
    """Create the search table and index for this dialect (called by the migrations)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE contact_search USING fts5("
            "body, owner_id UNINDEXED, tokenize = 'trigram')"
        )
    else:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        connection.exec_driver_sql(
            "CREATE TABLE contact_search ("
            " contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,"
            " owner_id INTEGER NOT NULL, body TEXT NOT NULL)"
        )
        connection.exec_driver_sql(
            "CREATE INDEX ix_contact_search_body ON contact_search "
            "USING gin (body gin_trgm_ops)"
        )


def drop_objects(connection: Connection) -> None:
    connection.exec_driver_sql("DROP TABLE IF EXISTS contact_search")


@dataclass(frozen=True)
class Document:
    contact_id: int
    owner_id: int
    body: str


def write_documents(session: Session, documents: Sequence[Document]) -> None:
    """Replace the search documents of these contacts."""
    if not documents:
        return
    ids = [d.contact_id for d in documents]
    remove(session, ids)
    rows = [{"id": d.contact_id, "owner": d.owner_id, "body": d.body} for d in documents]
    if session.get_bind().dialect.name == "sqlite":
        statement = "INSERT INTO contact_search (rowid, body, owner_id) VALUES (:id, :body, :owner)"
    else:
        statement = (
            "INSERT INTO contact_search (contact_id, owner_id, body) VALUES (:id, :owner, :body)"
        )
    session.execute(text(statement), rows)


def append_words(session: Session, *, owner_id: int, contact_ids: Iterable[int],
                 words: Iterable[str]) -> None:
    """Add words (e.g. new interaction topics) to these contacts' documents.

    Cheaper than rebuilding a document from a long history when one interaction is logged,
    and done in one UPDATE per word so that concurrent writers never lose one another's words.
    """
    extra = list(dict.fromkeys(normalize(w) for w in words if w.strip()))
    ids = list(dict.fromkeys(contact_ids))
    if not extra or not ids:
        return
    if session.get_bind().dialect.name == "sqlite":
        statement = ("UPDATE contact_search SET body = body || ' ' || :word "
                     "WHERE rowid IN :ids AND owner_id = :owner AND instr(body, :word) = 0")
    else:
        statement = ("UPDATE contact_search SET body = body || ' ' || :word "
                     "WHERE contact_id IN :ids AND owner_id = :owner AND strpos(body, :word) = 0")
    query = text(statement).bindparams(bindparam("ids", expanding=True))
    for word in extra:
        session.execute(query, {"word": word, "ids": ids, "owner": owner_id})


def remove(session: Session, contact_ids: Iterable[int]) -> None:
    """Drop the search documents of these contacts."""
    ids = list(contact_ids)
    if not ids:
        return
    column = "rowid" if session.get_bind().dialect.name == "sqlite" else "contact_id"
    session.execute(
        text(f"DELETE FROM contact_search WHERE {column} IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )


def _trigrams(query: str) -> list[str]:
    grams: list[str] = []
    for word in query.split():
        for i in range(max(len(word) - 2, 0)):
            gram = word[i : i + 3]
            if gram not in grams:
                grams.append(gram)
    return grams


def candidates(session: Session, *, owner_id: int, query: str,
               limit: int = CANDIDATES) -> list[tuple[int, str]]:
    """Contact ids and their documents that share trigrams with the query, best first."""
    # Control characters can match nothing, and a NUL ends an FTS5 query string early.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in query)
    normalized = transliterate(_SPACES.sub(" ", cleaned).strip().lower())
    if session.get_bind().dialect.name == "sqlite":
        grams = _trigrams(normalized)
        if not grams:
            rows = session.execute(
                text("SELECT rowid, body FROM contact_search "
                     "WHERE owner_id = :owner AND body LIKE :pattern LIMIT :limit"),
                {"owner": owner_id, "pattern": f"%{normalized}%", "limit": limit},
            )
        else:
            # A query that occurs as is needs no fuzzy scoring: the trigram index answers a
            # substring phrase directly, without ranking every document that shares one
            # trigram (10 to 30 times faster on 100 000 contacts). rank() orders them.
            exact = session.execute(
                text("SELECT rowid, body FROM contact_search WHERE contact_search MATCH "
                     ":phrase AND owner_id = :owner LIMIT :limit"),
                {"phrase": '"' + normalized.replace('"', '""') + '"', "owner": owner_id,
                 "limit": limit},
            ).all()
            if len(exact) >= min(limit, EXACT_ENOUGH):
                return [(int(r[0]), str(r[1])) for r in exact]
            match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
            rows = session.execute(
                text("SELECT rowid, body FROM contact_search WHERE contact_search MATCH :match "
                     "AND owner_id = :owner ORDER BY rank LIMIT :limit"),
                {"match": match, "owner": owner_id, "limit": limit},
            )
    else:
        rows = session.execute(
            text("SELECT contact_id, body FROM contact_search "
                 "WHERE owner_id = :owner AND (:q <% body OR body LIKE :pattern) "
                 "ORDER BY word_similarity(:q, body) DESC LIMIT :limit"),
            {"q": normalized, "owner": owner_id, "pattern": f"%{normalized}%", "limit": limit},
        )
    return [(int(r[0]), str(r[1])) for r in rows]


def rank(query: str, found: Sequence[tuple[int, str]], names: dict[int, str],
         threshold: float = 72.0) -> list[tuple[int, float]]:
    """Score candidates: an exact substring wins, else the fuzzy match of the query's words."""
    from rapidfuzz import fuzz, process

    q = transliterate(_SPACES.sub(" ", query).strip().lower())
    scored: list[tuple[int, float]] = []
    for contact_id, body in found:
        name = transliterate(names.get(contact_id, ""))
        if q and q in name:
            score = 100.0 + (10.0 if name.startswith(q) else 0.0)
        elif q and q in body:
            score = 95.0
        else:
            words = body.split()
            per_word = [
                (process.extractOne(w, words, scorer=fuzz.ratio) or ("", 0.0, 0))[1]
                for w in q.split()
            ]
            score = min(per_word) if per_word else 0.0
            score = max(score, fuzz.token_sort_ratio(q, name))
        if score >= threshold:
            scored.append((contact_id, score))
    scored.sort(key=lambda item: -item[1])
    return scored
