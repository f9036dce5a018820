"""Free text in English and Russian: who, what format, when and about what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tiekeep.core.db import Database
from tiekeep.services import contacts, freetext, freetext_words, interactions

# Wednesday 25 November 2026, 15:00 UTC = 16:00 in Berlin.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("text", "names", "format", "when", "topics"), [
    ("lunch with Anna Petrova yesterday about the Q3 roadmap", ["Anna Petrova"], "lunch",
     "2026-11-24 11:00", ["Q3 roadmap"]),  # a day without a time: noon in Berlin
    ("обед с Анной вчера про планы на Q3", ["Анной"], "lunch", "2026-11-24 11:00",
     ["планы на Q3"]),
    ("call with Ivan and Maria on Monday about hiring, budget", ["Ivan", "Maria"], "call",
     "2026-11-23 11:00", ["hiring", "budget"]),
    ("coffee w/ John 2 days ago", ["John"], "coffee", "2026-11-23 15:00", []),
    ("Called Anna yesterday at 15:00", ["Anna"], "call", "2026-11-24 14:00", []),
    ("video call with Анной Петровой и Иваном 20.11 о найме", ["Анной Петровой", "Иваном"],
     "video_call", "2026-11-20 11:00", ["найме"]),
    ("созвонились с Дмитрием позавчера", ["Дмитрием"], "call", "2026-11-23 11:00", []),
    ("1:1 with anna@example.com", ["anna@example.com"], "one_on_one", None, []),
    ("meeting with Anna, Ivan & Olga in Berlin last friday", ["Anna", "Ivan", "Olga"],
     "meeting", "2026-11-20 11:00", []),
    ("email to Anna on 3 March re: pricing", ["Anna"], "email", "2026-03-03 11:00",
     ["pricing"]),
    ("lunch with Anna about Q3 roadmap yesterday", ["Anna"], "lunch", "2026-11-24 11:00",
     ["Q3 roadmap"]),
    # "Monday" here is part of the topic, not the day of the lunch.
    ("lunch with Anna about the plan for Monday", ["Anna"], "lunch", None,
     ["plan for Monday"]),
    ("встреча с Сергеем по поводу бюджета", ["Сергеем"], "meeting", None, ["бюджета"]),
    ("обедал с Марией Ивановой 3 марта", ["Марией Ивановой"], "lunch", "2026-03-03 11:00",
     []),
])
def test_parse(text: str, names: list[str], format: str, when: str | None,
               topics: list[str]) -> None:
    parsed = freetext.parse(text, tz=BERLIN, now=NOW)
    assert parsed.names == names
    assert parsed.format == format
    assert parsed.occurred_at == (utc(when) if when else None)
    assert parsed.topics == topics


@pytest.mark.parametrize(("word", "forms"), [
    ("Анной", ["Анной", "Анна", "Анная", "Анный"]),
    ("Иваном", ["Иваном", "Иван"]),
    ("Марией", ["Марией", "Мария", "Мариея", "Мариеа", "Мариеь"][:2]),
    ("Сергею", ["Сергею", "Сергея", "Сергей", "Сергеь"]),
    ("Anna", ["Anna"]),
])
def test_nominative_forms_start_with_the_word_and_include_the_nominative(
        word: str, forms: list[str]) -> None:
    found = freetext_words.nominative_forms(word)
    assert found[0] == word
    assert set(forms) <= set(found)


@pytest.fixture
def network(db: Database, owner_id: int) -> dict[str, int]:
    names = ["Анна Петрова", "Иван Петров", "Мария Иванова", "Дмитрий Соколов",
             "Сергей Орлов", "Ольга Николаева", "John Smith"]
    with db.transaction() as s:
        return {n: contacts.create(s, owner_id=owner_id,
                                   data=contacts.ContactCreate(name=n)).id for n in names}


def understood(db: Database, owner_id: int, text: str) -> list[tuple[str, str | None, bool]]:
    with db.reading() as s:
        result = freetext.understand(s, owner_id=owner_id, text=text, tz=BERLIN, now=NOW)
    return [(m.text, m.name, m.fuzzy) for m in result.participants]


def test_names_are_resolved_through_declension_and_transliteration(
        db: Database, owner_id: int, network: dict[str, int]) -> None:
    assert understood(db, owner_id, "lunch with Anna Petrova yesterday about the Q3 roadmap") \
        == [("Anna Petrova", "Анна Петрова", False)]
    assert understood(db, owner_id, "обед с Анной вчера про планы на Q3") == [
        ("Анной", "Анна Петрова", False)]
    assert understood(db, owner_id, "созвон с Иваном и Марией Ивановой о найме") == [
        ("Иваном", "Иван Петров", False), ("Марией Ивановой", "Мария Иванова", False)]
    assert understood(db, owner_id, "позвонил Сергею") == [("Сергею", "Сергей Орлов", False)]
    assert understood(db, owner_id, "чат с Ольгой") == [("Ольгой", "Ольга Николаева", False)]
    assert understood(db, owner_id, "встреча с Дмитрием") == [
        ("Дмитрием", "Дмитрий Соколов", False)]
    assert understood(db, owner_id, "с Петровой") == [("Петровой", "Анна Петрова", False)]
    assert understood(db, owner_id, "coffee with John") == [("John", "John Smith", False)]
    # A typo is matched fuzzily, and said so.
    assert understood(db, owner_id, "lunch with Ana Petrova") == [
        ("Ana Petrova", "Анна Петрова", True)]


def test_an_unknown_or_ambiguous_name_is_reported_not_guessed(
        db: Database, owner_id: int, network: dict[str, int]) -> None:
    with db.transaction() as s:
        contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(name="Anna Smith"))
    with db.reading() as s:
        result = freetext.understand(s, owner_id=owner_id, text="обед с Анной и Zed вчера",
                                     tz=BERLIN, now=NOW)
    anna, zed = result.participants
    assert anna.contact_id is None
    assert [c.split(" ", 1)[1] for c in anna.candidates] == ["Anna Smith", "Анна Петрова"]
    assert anna.problem().startswith("'Анной' is ambiguous: #")
    assert (zed.contact_id, zed.candidates) == (None, [])
    assert zed.problem() == "no contact matches 'Zed'"
    assert result.problems == [anna, zed]


def test_apply_fills_the_interaction_and_explicit_options_win(
        db: Database, owner_id: int, network: dict[str, int]) -> None:
    text = "lunch with Ivan Petrov yesterday about the Q3 roadmap"
    with db.reading() as s:
        result = freetext.understand(s, owner_id=owner_id, text=text, tz=BERLIN, now=NOW)
    data = interactions.InteractionCreate(participant_ids=[network["Анна Петрова"]],
                                          occurred_at=NOW, format="call", topics=["hiring"])
    freetext.apply(result, data, explicit_format=True, explicit_at=False, text=text)
    assert data.participant_ids == [network["Анна Петрова"], network["Иван Петров"]]
    assert data.format == "call"
    assert data.occurred_at == utc("2026-11-24 11:00")
    assert data.topics == ["hiring", "Q3 roadmap"]
    assert data.summary == text
    freetext.apply(result, data, explicit_format=False, explicit_at=True)
    assert data.format == "lunch"
