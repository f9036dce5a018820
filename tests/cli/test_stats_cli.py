"""`tiekeep stats`, `goal …`, `graph …` and `review` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run


@pytest.fixture
def url(db_url: str) -> str:
    """A database with a user, three contacts and a few interactions (logged just now)."""
    assert run(db_url, "user", "add", "alice", input="secret-pass\nsecret-pass\n").exit_code == 0
    for name, org, dept in (("Anna Petrova", "Northwind", "Sales"),
                            ("Boris Lee", "Northwind", "Product"),
                            ("Clara Diaz", "Globex", "Sales")):
        assert run(db_url, "contact", "add", name, "--org", org, "--dept", dept,
                   "--tier", "key").exit_code == 0
    assert run(db_url, "log", "--with", "Anna Petrova", "--with", "Boris Lee",
               "--format", "project_sync", "--at", "2 days ago").exit_code == 0
    assert run(db_url, "log", "--with", "Anna Petrova", "--format", "coffee",
               "--initiated-by", "me", "--at", "1 day ago").exit_code == 0
    assert run(db_url, "contact", "link", "Boris Lee", "Clara Diaz", "--kind",
               "works_with").exit_code == 0
    return db_url


def test_stats_json_has_every_section(url: str) -> None:
    result = run(url, "stats", "--period", "30d", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert list(data["metrics"]) == ["size", "activity", "formats", "diversity", "reciprocity",
                                     "trust", "career", "cadence_health", "layers"]
    assert data["metrics"]["activity"]["interactions"] == {"value": 2, "previous": 0,
                                                           "change": 2}
    assert data["metrics"]["cadence_health"]["key_within"]["value"] == 2
    assert data["period"]["days"] == 30


def test_stats_table_and_bad_period(url: str) -> None:
    result = run(url, "stats")
    assert result.exit_code == 0 and "cadence_health.key" in result.stdout
    bad = run(url, "stats", "--period", "soon")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: malformed period")


def test_goals_round_trip(url: str) -> None:
    added = run(url, "goal", "add", "key ties within cadence", "--metric",
                "cadence_health.key", "--target", "90", "--comparator", ">=")
    assert added.exit_code == 0 and "Goal #1" in added.stdout
    assert run(url, "goal", "add", "2 new in Sales", "--metric", "size.new_contacts",
               "--target", "2", "--scope", "department=Sales").exit_code == 0
    listed = run(url, "goal", "list", "--json").json()
    assert [g["metric"] for g in listed] == ["cadence_health.key", "size.new_contacts"]
    assert listed[0]["value"] == round(200 / 3, 1) and listed[0]["met"] is False
    assert listed[1]["value"] == 2 and listed[1]["met"] is True
    assert len(run(url, "stats", "--json").json()["goals"]) == 2
    assert run(url, "goal", "remove", "1").exit_code == 0
    assert run(url, "goal", "remove", "1").exit_code == 2
    bad = run(url, "goal", "add", "x", "--metric", "nope", "--target", "1")
    assert bad.exit_code == 2 and "unknown metric" in bad.stderr


def test_graph_commands(url: str, tmp_path: Path) -> None:
    paths = run(url, "graph", "intro-path", "Clara Diaz", "--json")
    assert paths.exit_code == 0, paths.stderr
    assert [n["name"] for n in paths.json()["paths"][0]["path"]] == ["Boris Lee", "Clara Diaz"]
    assert "Boris Lee" in run(url, "graph", "intro-path", "org:Globex").stdout
    brokers = run(url, "graph", "brokers", "--json").json()
    assert brokers["brokers"][0]["name"] == "Boris Lee"
    assert run(url, "graph", "clusters", "--json").json()["nodes"] == 3
    out = tmp_path / "net.gexf"
    assert run(url, "graph", "export", str(out)).exit_code == 0 and out.exists()
    assert run(url, "graph", "export", str(tmp_path / "net.txt")).exit_code == 2
    assert run(url, "graph", "intro-path", "org:Nowhere").exit_code == 2


def test_review(url: str, tmp_path: Path) -> None:
    md = run(url, "review", "--period", "quarter")
    assert md.exit_code == 0 and md.stdout.startswith("# Network review — quarter")
    page = tmp_path / "review.html"
    html = run(url, "review", "--format", "html", "-o", str(page))
    assert html.exit_code == 0 and page.read_text(encoding="utf-8").count("<svg") == 5
    assert run(url, "review", "--format", "pdf").exit_code == 2
