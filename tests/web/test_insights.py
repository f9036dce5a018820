"""Statistics, cadence health, the network view, goals and resources, on a small network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact
from tiekeep.core.db import Database
from tiekeep.services import contacts, interactions


def _network(db: Database, owner: Account) -> dict[str, int]:
    """Me → Anna (met often); Anna knows Boris at Initech."""
    anna = add_contact(db, owner, "Anna Petrova", tier="key", organization="Acme")
    boris = add_contact(db, owner, "Boris Ivanov", organization="Initech", department="Sales")
    with db.transaction() as session:
        for days in (3, 10, 20):
            interactions.log(session, owner_id=owner.id, data=interactions.InteractionCreate(
                participant_ids=[anna], format="coffee", depth=4,
                occurred_at=datetime.now(UTC) - timedelta(days=days)))
        contacts.link(session, owner_id=owner.id, a_id=anna, b_id=boris, kind="works_with")
    return {"anna": anna, "boris": boris}


def test_stats_and_cadence_health(api: TestClient, db: Database, alice: Account) -> None:
    _network(db, alice)
    stats = api.get("/api/v1/stats", params={"period": "30d"})
    assert stats.status_code == 200, stats.text
    assert stats.json()["metrics"]["activity"]["interactions"]["value"] == 3
    health = api.get("/api/v1/stats/cadence-health").json()
    assert health["key_total"] == 1 and health["key_within"] == 1
    assert api.get("/api/v1/stats", params={"period": "soon"}).status_code == 422
    assert api.get("/api/v1/dashboard").json()["health"]["key"] == 100.0


def test_intro_paths_through_a_known_contact(api: TestClient, db: Database,
                                             alice: Account) -> None:
    people = _network(db, alice)
    result = api.get("/api/v1/graph/intro", params={"target": "org:Initech"}).json()
    best = result["paths"][0]
    assert best["introducer"]["id"] == people["anna"]
    assert [n["id"] for n in best["path"]] == [people["anna"], people["boris"]]
    missing = api.get("/api/v1/graph/intro", params={"target": "org:Nowhere"})
    assert missing.status_code == 404


def test_pages_render(browser: TestClient, db: Database, alice: Account) -> None:
    _network(db, alice)
    stats = browser.get("/stats", params={"period": "30d"})
    assert stats.status_code == 200 and "<svg" in stats.text
    network = browser.get("/network", params={"target": "org:Initech"})
    assert network.status_code == 200
    assert "Boris Ivanov" in network.text and 'class="graph"' in network.text
    assert browser.get("/network", params={"target": "Nobody Here"}).status_code == 200
    for view in ("brokers", "clusters"):
        assert browser.get("/network", params={"view": view}).status_code == 200
    assert "Cadence health" in browser.get("/").text


def test_goals_and_resources(api: TestClient, db: Database, alice: Account) -> None:
    people = _network(db, alice)
    goal = api.post("/api/v1/goals", json={"description": "keep key ties warm",
                                           "metric": "cadence_health.key", "target": 90})
    assert goal.status_code == 201, goal.text
    progress = api.get("/api/v1/goals").json()
    assert progress[0]["description"] == "keep key ties warm"
    assert api.delete(f"/api/v1/goals/{goal.json()['id']}").status_code == 204
    resource = api.post("/api/v1/resources", json={"url": "https://example.com/a",
                                                   "title": "A guide", "topics": ["sales"]})
    assert resource.status_code == 201, resource.text
    rid = resource.json()["id"]
    shared = api.post(f"/api/v1/resources/{rid}/share",
                      json={"contact_ids": [people["boris"]]}).json()
    assert shared["shared"][0]["name"] == "Boris Ivanov"
    assert api.get(f"/api/v1/resources/{rid}").json()["shared_with"][0]["id"] == people["boris"]


def test_review_page_and_twin(browser: TestClient, db: Database, alice: Account) -> None:
    _network(db, alice)
    data = browser.get("/api/v1/review", params={"period": "week"}).json()
    assert {"changes", "neglected", "plan", "reciprocity"} <= set(data)
    page = browser.get("/review", params={"period": "quarter"})
    assert page.status_code == 200 and "Plan for the next period" in page.text
