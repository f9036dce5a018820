"""`tiekeep import`, `export` and `contact duplicates` through the real entry points."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import run, run_process
from tests.conftest import CORPUS

SUMMARY_KEYS = {"created", "updated", "merged", "skipped", "interactions"}
GMAIL_LIST = CORPUS / "vcard" / "ez-vcard" / "gmail-list.vcf"


def names(db_url: str) -> list[str]:
    return [c["name"] for c in run(db_url, "contact", "list", "--json").json()]


def test_import_json_summary_and_idempotency(db_url: str) -> None:
    first = run(db_url, "import", "vcard", str(GMAIL_LIST), "--json")
    assert first.exit_code == 0, first.stderr
    summary = first.json()
    assert SUMMARY_KEYS <= set(summary)
    assert {k: summary[k] for k in SUMMARY_KEYS} == {
        "created": 3, "updated": 0, "merged": 0, "skipped": 0, "interactions": 0}
    assert names(db_url) == ["Arnold Smith", "Chris Beatle", "Doug White"]
    again = run(db_url, "import", "vcard", str(GMAIL_LIST), "--json").json()
    assert (again["created"], again["unchanged"]) == (0, 3)


def test_human_summary_lists_skipped_and_notes(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "one_bad_card.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Anna Petrova\nTEL:12\nEND:VCARD\n"
                    "BEGIN:VCARD\nVERSION:3.0\nNOTE:nobody\nEND:VCARD\n")
    result = run(db_url, "import", "vcard", str(path))
    assert result.exit_code == 0, result.stderr
    assert "1 created · 0 updated · 0 merged · 0 unchanged · 1 skipped" in result.stdout
    assert "card has no name, email or phone" in result.stdout
    assert "phone '12' is not a phone number; left out" in result.stdout
    strict = run(db_url, "import", "vcard", str(path), "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.strip().count("\n") == 0 and "--strict" in strict.stderr


def test_dry_run_writes_nothing(db_url: str) -> None:
    result = run(db_url, "import", "vcard", str(GMAIL_LIST), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("Dry run (nothing written)")
    assert names(db_url) == []


def test_bad_file_exits_2_with_one_line_and_changes_nothing(db_url: str,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "truncated.vcf"
    path.write_text("BEGIN:VCARD\nFN:Complete\nEND:VCARD\nBEGIN:VCARD\nFN:Cut\n")
    result = run(db_url, "import", "vcard", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0
    assert "truncated.vcf, line 4" in result.stderr
    assert names(db_url) == []
    wrong = run(db_url, "import", "csv", str(GMAIL_LIST))
    assert wrong.exit_code == 2 and "not a Google, Outlook or Thunderbird" in wrong.stderr
    missing = run(db_url, "import", "vcard", str(tmp_path / "nowhere.vcf"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    unknown = run(db_url, "import", "fax", str(path))
    assert unknown.exit_code == 2 and "unknown import kind 'fax'" in unknown.stderr


def test_export_vcard_versions_and_json_backup(db_url: str, tmp_path: Path) -> None:
    run(db_url, "import", "vcard", str(GMAIL_LIST))
    four = tmp_path / "cards4.vcf"
    result = run(db_url, "export", "vcard", str(four), "--version", "4.0")
    assert result.exit_code == 0 and "3 contacts" in result.stdout
    assert four.read_text().count("VERSION:4.0") == 3
    assert run(db_url, "export", "csv", str(tmp_path / "x.csv"), "--version", "4.0"
               ).exit_code == 2
    backup = tmp_path / "backup.json"
    assert run(db_url, "export", "json", str(backup)).exit_code == 0
    other = str(tmp_path / "restored.db")
    restored = run(other, "import", "json", str(backup), "--json")
    assert restored.exit_code == 0 and restored.json()["created"] == 3
    again = tmp_path / "again.json"
    run(other, "export", "json", str(again))
    assert again.read_bytes() == backup.read_bytes()
    vault = tmp_path / "vault"
    assert run(db_url, "export", "markdown", str(vault), "--json").json() == {"notes": 3}


def test_contact_duplicates(db_url: str) -> None:
    run(db_url, "contact", "add", "Anna Petrova", "--email", "anna@x.com")
    run(db_url, "contact", "add", "Анна Петрова")
    run(db_url, "contact", "add", "Boris Smirnov")
    result = run(db_url, "contact", "duplicates", "--json")
    assert result.exit_code == 0
    (pair,) = result.json()
    assert (pair["a"]["name"], pair["b"]["name"], pair["score"]) == (
        "Anna Petrova", "Анна Петрова", 90.0)
    assert pair["evidence"] == ["same name 'Anna Petrova'"]
    table = run(db_url, "contact", "duplicates")
    assert "1 likely duplicates" in table.stdout and "contact merge" in table.stdout


def test_import_in_a_real_process(db_url: str) -> None:
    result = run_process(db_url, "import", "linkedin",
                         str(CORPUS / "csv" / "linkedin" / "Connections.csv"), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["created"], summary["skipped"]) == (10, 0)
