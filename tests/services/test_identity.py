"""Identity resolution: keys, names across scripts, what is certain and what is only possible."""

from __future__ import annotations

from tests import factories
from tiekeep.core.db import Database
from tiekeep.services import identity


def test_name_key_ignores_script_case_punctuation_and_order() -> None:
    assert identity.name_key("Анна Петрова") == "anna petrova"
    assert identity.name_key("Petrova, Anna") == "anna petrova"
    assert identity.name_key("  ANNA   petrova ") == "anna petrova"
    assert identity.name_key("Jürgen Groß") == "gross jurgen"


def test_url_key_finds_the_same_linkedin_profile() -> None:
    same = {identity.url_key(u) for u in (
        "https://www.linkedin.com/in/anna-petrova/", "http://linkedin.com/in/anna-petrova",
        "https://de.linkedin.com/in/Anna-Petrova?trk=profile", "linkedin.com/in/anna-petrova")}
    assert same == {"linkedin.com/in/anna-petrova"}
    assert identity.url_key("https://www.example.com/about/") == "example.com/about"


def index() -> identity.Index:
    built = identity.Index()
    built.add(1, name="Anna Petrova", emails=["anna@acme.io"], phones=["+49301234567"],
              urls=["https://www.linkedin.com/in/anna"])
    built.add(2, name="Иван Петров")
    built.add(3, name="John Smith", emails=["john@acme.io"])
    built.add(4, name="Maria Lopez")
    built.add(5, name="Maria Lopez", emails=["maria@b.org"])
    built.add_source(1, "vcard", "uid-1")
    return built


def test_strong_keys_match() -> None:
    found = index()
    assert found.match(name="Whoever", source="vcard", source_key="uid-1").contact_id == 1
    by_email = found.match(name="A. P.", emails=["ANNA@acme.io"])
    assert (by_email.contact_id, by_email.by) == (1, "email")
    by_url = found.match(name="Anna", urls=["http://de.linkedin.com/in/anna/"])
    assert (by_url.contact_id, by_url.by) == (1, "url")
    # A shared phone with a compatible name is the same person...
    assert found.match(name="Anna Petrova", phones=["+49301234567"]).contact_id == 1
    # ...with another name it is only possibly: families share a line.
    other = found.match(name="Boris Petrov", phones=["+49301234567"])
    assert other.contact_id is None
    assert [c.contact_id for c in other.possible] == [1]


def test_names_across_scripts_match_when_nothing_contradicts() -> None:
    found = index()
    match = found.match(name="Ivan Petrov")
    assert (match.contact_id, match.by) == (2, "name")
    assert found.match(name="Petrova Anna").contact_id == 1  # no email to contradict


def test_same_name_with_other_email_is_only_possible() -> None:
    match = index().match(name="John Smith", emails=["john.smith@gmail.com"])
    assert match.contact_id is None
    (candidate,) = match.possible
    assert (candidate.contact_id, candidate.score) == (3, 90.0)
    assert candidate.evidence == ["same name 'John Smith'", "different email addresses"]


def test_two_people_of_that_name_are_both_possible() -> None:
    match = index().match(name="Maria Lopez")
    assert match.contact_id is None
    assert sorted(c.contact_id for c in match.possible) == [4, 5]


def test_close_names_are_reported_never_matched() -> None:
    match = index().match(name="Jon Smith")
    assert match.contact_id is None
    (candidate,) = match.possible
    # token_sort_ratio("jon smith", "john smith") = 2*9/19 = 94.7%, weighted by 0.9 = 85.3
    assert candidate.contact_id == 3
    assert round(candidate.score, 1) == 85.3
    assert candidate.evidence == ["similar names 'Jon Smith' ~ 'John Smith' (95%)"]


def test_a_single_word_name_is_not_enough() -> None:
    found = identity.Index()
    found.add(7, name="Alex")
    match = found.match(name="alex")
    assert match.contact_id is None and [c.contact_id for c in match.possible] == [7]


def test_duplicates_with_scores_and_evidence(db: Database, owner_id: int) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna Petrova", emails=["anna@x.com"])
        anna_p = factories.contact(s, owner_id, "A. Petrova", emails=["anna@x.com"])
        ivan = factories.contact(s, owner_id, "Иван Петров", organization="Acme")
        ivan_latin = factories.contact(s, owner_id, "Ivan Petrov", organization="ACME")
        john = factories.contact(s, owner_id, "John Smith")
        jon = factories.contact(s, owner_id, "Jon Smith")
        maria = factories.contact(s, owner_id, "Maria Lopez", phones=["+49 30 1234567"])
        peter = factories.contact(s, owner_id, "Peter Brown", phones=["+49301234567"])
        factories.contact(s, owner_id, "Unrelated Person")
        ids = {c.id: c.display_name for c in (anna, anna_p, ivan, ivan_latin, john, jon, maria,
                                              peter)}
    with db.reading() as s:
        pairs = [p.to_dict() for p in identity.duplicates(s, owner_id=owner_id)]
    found = {(ids[p["a"]["id"]], ids[p["b"]["id"]]): (p["score"], p["evidence"])
             for p in pairs}
    assert found == {
        ("Anna Petrova", "A. Petrova"): (100.0, ["same email anna@x.com"]),
        # 90 for the same name, +5 for the same organization (compared ignoring case)
        ("Иван Петров", "Ivan Petrov"): (95.0, ["same name 'Иван Петров'", "both at acme"]),
        ("Maria Lopez", "Peter Brown"): (90.0, ["same phone +49301234567"]),
        ("John Smith", "Jon Smith"): (85.3, [
            "similar names 'John Smith' ~ 'Jon Smith' (95%)"]),
    }
    assert [p["score"] for p in pairs] == [100.0, 95.0, 90.0, 85.3]
