"""The Markdown vault: one note per contact, front matter, roles, timeline and [[links]]."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests import factories
from tiekeep.adapters import markdown
from tiekeep.core.db import Database
from tiekeep.errors import InvalidInput
from tiekeep.services import contacts, followups, importing, plans, roles


def front_matter(text: str) -> dict[str, object]:
    """The YAML front matter; every value we write is JSON, which YAML reads the same way."""
    match = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "a note starts with front matter"
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(": ")
        fields[key] = json.loads(value)
    return fields


def export(db: Database, owner_id: int, folder: Path) -> dict[str, object]:
    with db.reading() as s:
        return importing.export(s, owner_id=owner_id, kind="markdown", path=folder, options={})


def test_vault_notes_and_links(db: Database, owner_id: int, tmp_path: Path) -> None:
    with db.transaction() as s:
        anna = factories.contact(s, owner_id, "Anna Petrova", emails=["anna@example.com"],
                                 organization="Acme", department="Sales", title="Lead",
                                 tags=["mentor", "key people"], birthday=date(1604, 3, 15),
                                 birthday_has_year=False, personal_notes="Likes jazz.")
        ivan = factories.contact(s, owner_id, "Иван Петров")
        factories.contact(s, owner_id, "AC/DC: Fan?")
        roles.change(s, owner_id=owner_id, contact_id=anna.id,
                     new=roles.RoleChange(organization="Initech", title="CTO"),
                     today=date(2025, 2, 1))
        factories.interaction(s, owner_id, [anna, ivan], "2025-01-10 12:00", format="lunch",
                              summary="Roadmap lunch", topics=["roadmap"],
                              gave=[("information", "the deck")])
        contacts.link(s, owner_id=owner_id, a_id=ivan.id, b_id=anna.id, kind="introduced")
        plans.add(s, owner_id=owner_id, contact_id=anna.id, kind="support", text="intro to VC")
        followups.create(s, owner_id=owner_id, contact_id=anna.id, text="send notes",
                         due=date(2025, 1, 17))
    folder = tmp_path / "vault"
    assert export(db, owner_id, folder) == {"notes": 3}
    assert sorted(p.name for p in folder.iterdir()) == [
        "AC DC Fan.md", "Anna Petrova.md", "Иван Петров.md"]
    text = (folder / "Anna Petrova.md").read_text(encoding="utf-8")
    fields = front_matter(text)
    assert fields["name"] == "Anna Petrova" and fields["id"] == anna.id
    assert fields["emails"] == ["anna@example.com"]
    assert (fields["organization"], fields["title"]) == ("Initech", "CTO")
    assert fields["tags"] == ["key-people", "mentor"]  # Obsidian tags hold no spaces
    assert fields["birthday"] == "--03-15"
    # roles.change carries the department over when only the organization and title change.
    assert ("## Roles\n\n- 2025-02-01 – now: CTO, Sales, Initech\n"
            "- ? – 2025-01-31: Lead, Sales, Acme") in text
    assert ("- 2025-01-10 lunch with [[Иван Петров]] — Roadmap lunch (topics: roadmap)"
            in text)
    assert "- Support: intro to VC" in text
    assert "- given information: the deck" in text.replace("2025-01-10 ", "")
    assert "- [ ] send notes (due 2025-01-17)" in text
    assert "- introduced by [[Иван Петров]]" in text
    assert text.rstrip().endswith("## Notes\n\nLikes jazz.")
    ivan_note = (folder / "Иван Петров.md").read_text(encoding="utf-8")
    assert "- introduced [[Anna Petrova]]" in ivan_note
    # Every link points at a note of the vault.
    for note in folder.iterdir():
        for target in re.findall(r"\[\[([^\]]+)\]\]", note.read_text(encoding="utf-8")):
            assert (folder / f"{target}.md").exists()


def test_note_names_are_unique_and_safe() -> None:
    names = markdown.note_names([(1, "Anna Petrova"), (2, "anna petrova"), (3, "a/b\\c"),
                                 (4, "..."), (5, "[[x]]")])
    assert names == {1: "Anna Petrova", 2: "anna petrova (2)", 3: "a b c", 4: "contact",
                     5: "x"}


def test_a_file_where_the_folder_should_be(db: Database, owner_id: int,
                                           tmp_path: Path) -> None:
    target = tmp_path / "vault.md"
    target.write_text("x")
    with pytest.raises(InvalidInput, match="needs a folder"):
        export(db, owner_id, target)
