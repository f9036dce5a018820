"""Search documents and transliteration."""

from tiekeep.core import search


def test_transliteration_is_latin_and_lower() -> None:
    assert search.transliterate("Иван Петров") == "ivan petrov"
    assert search.transliterate("Müller") == "muller"
    assert search.transliterate("Straße Ærø ﬁnance") == "strasse aero finance"


def test_transliteration_spells_every_script_as_unidecode_does() -> None:
    from unidecode import unidecode

    samples = ["Заметки о встрече в Москве: Ёлка, щука, Ъ", "北京 東京", "İstanbul Łódź",
               "Ελληνικά", "😀 emoji and \u200b zero width", "plain ascii"]
    for text in samples:
        assert search.transliterate(text) == unidecode(text).lower()


def test_normalize_keeps_both_scripts() -> None:
    assert search.normalize("  Анна   Петрова ") == "анна петрова anna petrova"
    assert search.normalize("Anna") == "anna"


def test_rank_prefers_names_and_tolerates_typos() -> None:
    found = [(1, search.normalize("Ivan Petrov acme")), (2, search.normalize("Pavel Sidorov")),
             (3, search.normalize("Anna Smith notes about petrov"))]
    names = {1: "Ivan Petrov", 2: "Pavel Sidorov", 3: "Anna Smith"}
    ranked = search.rank("Petrof", found, names)
    assert ranked[0][0] == 1
    assert 2 not in [cid for cid, _ in ranked]
