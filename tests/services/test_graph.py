"""The network graph on a small fixed network: edges, intro paths, brokers, clusters, export.

    me ── anna (met often) ── boris ──(works_with)── clara (Globex, Sales)
    me ── dora (met once)  ───────────(introduced clara)
Anna and Boris shared three meetings; Dora introduced Clara; Egor and Fira (Globex) only
know each other.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest

from tiekeep.core.db import Database
from tiekeep.errors import InvalidInput, NotFound
from tiekeep.services import contacts, graph, interactions, scoring

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def net(db: Database, owner_id: int) -> dict[str, int]:
    def person(name: str, **kw) -> int:
        return contacts.create(s, owner_id=owner_id,
                               data=contacts.ContactCreate(name=name, **kw)).id

    def meet(ids: list[int], days: float, fmt: str = "coffee") -> None:
        interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
            participant_ids=ids, occurred_at=NOW - timedelta(days=days), format=fmt))

    with db.transaction() as s:
        ids = {"anna": person("Anna", organization="Northwind", department="Product"),
               "boris": person("Boris", organization="Northwind", department="Sales"),
               "clara": person("Clara", organization="Globex", department="Sales"),
               "dora": person("Dora", organization="Initech", department="Data"),
               "egor": person("Egor", organization="Globex", department="Legal"),
               "fira": person("Fira", organization="Globex", department="Legal")}
        for days in (1, 8, 15, 22):
            meet([ids["anna"]], days)
        for days in (3, 10, 17):
            meet([ids["anna"], ids["boris"]], days, "project_sync")
        meet([ids["dora"]], 30)
        contacts.link(s, owner_id=owner_id, a_id=ids["boris"], b_id=ids["clara"],
                      kind="works_with")
        contacts.link(s, owner_id=owner_id, a_id=ids["egor"], b_id=ids["fira"], kind="knows")
        contacts.update(s, owner_id=owner_id, contact_id=ids["clara"],
                        changes=contacts.ContactUpdate(introduced_by_id=ids["dora"]))
    return ids


def test_edges_and_strengths(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        g = graph.build(s, owner_id=owner_id, now=NOW)
    assert g.edges[net["anna"], net["boris"]]["strength"] == round(1 - math.exp(-1), 4)
    assert g.edges[net["boris"], net["clara"]]["strength"] == 0.8
    assert g.edges[net["dora"], net["clara"]]["strength"] == 0.7
    assert g.edges[net["egor"], net["fira"]]["strength"] == 0.5
    assert g.number_of_edges() == 4
    assert g.nodes[net["clara"]]["organization"] == "Globex"


def test_intro_path_to_a_contact(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        result = graph.intro_path(s, owner_id=owner_id, target="Clara", now=NOW)
        mine = scoring.scores(s, owner_id=owner_id, now=NOW)
    via_anna = mine[net["anna"]].score / 100 * (1 - math.exp(-1)) * 0.8
    via_boris = mine[net["boris"]].score / 100 * 0.8  # I met Boris in the project syncs
    via_dora = mine[net["dora"]].score / 100 * 0.7
    expected = sorted([("Anna", via_anna), ("Boris", via_boris), ("Dora", via_dora)],
                      key=lambda p: -p[1])
    got = [(p["introducer"]["name"], p["strength"]) for p in result["paths"]]
    assert got == [(name, round(100 * v, 1)) for name, v in expected]
    anna_path = next(p for p in result["paths"] if p["introducer"]["name"] == "Anna")
    assert [n["name"] for n in anna_path["path"]] == ["Anna", "Boris", "Clara"]
    assert anna_path["hops"] == 3 and anna_path["edges"][2]["why"] == "works_with"


def test_intro_path_to_an_organization(db: Database, owner_id: int,
                                       net: dict[str, int]) -> None:
    with db.reading() as s:
        result = graph.intro_path(s, owner_id=owner_id, target="org:globex", now=NOW)
        with pytest.raises(NotFound):
            graph.intro_path(s, owner_id=owner_id, target="dept:Nowhere", now=NOW)
    assert result["targets"] == 3
    # Egor and Fira are reachable only from each other, and I never met either.
    assert {p["path"][-1]["name"] for p in result["paths"]} == {"Clara"}


def test_brokers_and_clusters(db: Database, owner_id: int, net: dict[str, int]) -> None:
    with db.reading() as s:
        found = graph.brokers(s, owner_id=owner_id, now=NOW)
        groups = graph.clusters(s, owner_id=owner_id, now=NOW)
    top = found["brokers"][0]
    # On the path anna – boris – clara – dora, boris and clara each lie on 2 of the
    # shortest paths; normalized by (n − 1)(n − 2) / 2 = 10 pairs of the 6 linked contacts.
    assert top["name"] in ("Boris", "Clara") and top["betweenness"] == pytest.approx(0.2)
    boris = next(b for b in found["brokers"] if b["name"] == "Boris")
    assert boris["departments_bridged"] == ["product"]
    assert found["notes"] == []
    assert groups["nodes"] == 6
    assert sum(c["size"] for c in groups["clusters"]) == 6
    assert any({m["name"] for m in c["members"]} == {"Egor", "Fira"}
               for c in groups["clusters"])


def test_constraint_matches_networkx() -> None:
    g = nx.Graph()
    g.add_weighted_edges_from([(1, 2, 0.5), (1, 3, 0.8), (2, 3, 0.3), (3, 4, 0.9)],
                              weight="strength")
    expected = nx.constraint(g, weight="strength")
    for node in g:
        assert graph.burt_constraint(g, node) == pytest.approx(expected[node])


@pytest.mark.parametrize("suffix", ["graphml", "gexf"])
def test_export(db: Database, owner_id: int, net: dict[str, int], tmp_path: Path,
                suffix: str) -> None:
    path = tmp_path / f"net.{suffix}"
    with db.reading() as s:
        summary = graph.export(s, owner_id=owner_id, path=str(path), now=NOW)
    read = nx.read_graphml(path) if suffix == "graphml" else nx.read_gexf(path)
    assert (summary["nodes"], summary["edges"]) == (7, 7)  # + me, me–anna, me–boris, me–dora
    assert read.number_of_nodes() == 7 and read.has_edge("me", str(net["anna"]))
    with pytest.raises(InvalidInput), db.reading() as s:
        graph.export(s, owner_id=owner_id, path=str(tmp_path / "net.png"), now=NOW)
