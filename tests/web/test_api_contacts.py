"""The contacts API: list, search, filters, pages, create, read, update (with versions),
archive, delete and undelete, merge, bulk edits, roles and links."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact
from tiekeep.core.db import Database


def test_create_then_get_returns_the_contact_json(api: TestClient) -> None:
    created = api.post("/api/v1/contacts", json={
        "name": "Anna Petrova", "emails": ["anna@example.com"], "organization": "Acme",
        "department": "Sales", "title": "Lead", "tier": "key", "tags": ["Mentor"],
        "birthday": "--05-17"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Anna Petrova" and body["tier"] == "key"
    assert body["tags"] == ["mentor"] and body["birthday"] == "--05-17"
    detail = api.get(f"/api/v1/contacts/{body['id']}").json()
    assert detail["organization"] == "Acme"
    assert detail["roles"][0]["current"] is True
    assert {"interactions", "plan", "values", "followups", "strength", "audit"} <= set(detail)
    assert detail["audit"][0]["action"] == "create"


def test_list_pages_through_every_contact(api: TestClient, db: Database,
                                          alice: Account) -> None:
    for i in range(7):
        add_contact(db, alice, f"Person {i}")
    first = api.get("/api/v1/contacts", params={"limit": 3}).json()
    assert [c["name"] for c in first["items"]] == ["Person 0", "Person 1", "Person 2"]
    assert first["next_offset"] == 3
    seen = []
    offset: int | None = 0
    while offset is not None:
        page = api.get("/api/v1/contacts", params={"limit": 3, "offset": offset}).json()
        seen += [c["name"] for c in page["items"]]
        offset = page["next_offset"]
    assert seen == [f"Person {i}" for i in range(7)]


def test_filters_and_search_combine(api: TestClient, db: Database, alice: Account) -> None:
    add_contact(db, alice, "Anna Petrova", tier="key", organization="Acme",
                department="Sales", tags=["mentor"])
    add_contact(db, alice, "Anna Smith", tier="regular", organization="Initech")
    add_contact(db, alice, "Boris Ivanov", tier="key", organization="Acme")

    def names(**params: object) -> list[str]:
        response = api.get("/api/v1/contacts", params=params)
        assert response.status_code == 200, response.text
        return sorted(c["name"] for c in response.json()["items"])

    assert names(tier="key") == ["Anna Petrova", "Boris Ivanov"]
    assert names(tag="Mentor") == ["Anna Petrova"]
    assert names(organization="acme") == ["Anna Petrova", "Boris Ivanov"]
    assert names(department="Sales") == ["Anna Petrova"]
    assert names(q="anna") == ["Anna Petrova", "Anna Smith"]
    assert names(q="anna", organization="Acme") == ["Anna Petrova"]
    assert names(q="Анна") == ["Anna Petrova", "Anna Smith"]


def test_update_with_a_stale_version_is_a_conflict(api: TestClient, db: Database,
                                                   alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    version = api.get(f"/api/v1/contacts/{contact_id}").json()["version"]
    first = api.patch(f"/api/v1/contacts/{contact_id}",
                      json={"tier": "key", "version": version})
    assert first.status_code == 200 and first.json()["version"] == version + 1
    second = api.patch(f"/api/v1/contacts/{contact_id}",
                       json={"tier": "dormant", "version": version})
    assert second.status_code == 409
    assert "changed by someone else" in second.json()["detail"]
    assert api.get(f"/api/v1/contacts/{contact_id}").json()["tier"] == "key"


def test_delete_hides_and_undelete_restores(api: TestClient, db: Database,
                                            alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    assert api.delete(f"/api/v1/contacts/{contact_id}").status_code == 200
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    assert api.post(f"/api/v1/contacts/{contact_id}/undelete").status_code == 200
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 200


def test_archive_leaves_the_list(api: TestClient, db: Database, alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    assert api.post(f"/api/v1/contacts/{contact_id}/archive").json()["status"] == "archived"
    assert api.get("/api/v1/contacts").json()["items"] == []
    assert len(api.get("/api/v1/contacts", params={"include_archived": True})
               .json()["items"]) == 1
    assert api.post(f"/api/v1/contacts/{contact_id}/unarchive").json()["status"] == "active"


def test_merge_moves_the_other_contact_in(api: TestClient, db: Database,
                                          alice: Account) -> None:
    keep = add_contact(db, alice, "Anna Petrova", emails=["anna@a.example"])
    other = add_contact(db, alice, "A. Petrova", emails=["anna@b.example"])
    merged = api.post(f"/api/v1/contacts/{keep}/merge", json={"other_id": other})
    assert merged.status_code == 200, merged.text
    assert sorted(merged.json()["emails"]) == ["anna@a.example", "anna@b.example"]
    assert api.get(f"/api/v1/contacts/{other}").status_code == 404


def test_bulk_edit_sets_tier_and_tags(api: TestClient, db: Database, alice: Account) -> None:
    ids = [add_contact(db, alice, name, tags=["old"]) for name in ("A", "B", "C")]
    response = api.post("/api/v1/contacts/bulk", json={
        "ids": ids[:2], "tier": "supporting", "add_tags": ["conf"], "remove_tags": ["old"]})
    assert response.status_code == 200, response.text
    assert api.get("/api/v1/contacts", params={"tag": "conf"}).json()["items"][0]["tier"] \
        == "supporting"
    assert [c["name"] for c in api.get("/api/v1/contacts", params={"tag": "old"})
            .json()["items"]] == ["C"]


def test_role_change_closes_the_current_role(api: TestClient, db: Database,
                                             alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna", organization="Acme", title="Engineer")
    response = api.post(f"/api/v1/contacts/{contact_id}/roles",
                        json={"title": "Manager", "since": "2026-01-10"})
    assert response.status_code == 201, response.text
    history = api.get(f"/api/v1/contacts/{contact_id}/roles").json()
    assert [r["title"] for r in history] == ["Manager", "Engineer"]
    assert history[0]["organization"] == "Acme" and history[1]["ended"] is not None


def test_links_show_on_the_contact(api: TestClient, db: Database, alice: Account) -> None:
    a, b = add_contact(db, alice, "Anna"), add_contact(db, alice, "Boris")
    assert api.post(f"/api/v1/contacts/{a}/links",
                    json={"other_id": b, "kind": "introduced"}).status_code == 201
    assert api.get(f"/api/v1/contacts/{a}").json()["links"][0]["name"] == "Boris"


def test_errors_are_json_with_a_detail_message(api: TestClient) -> None:
    missing = api.get("/api/v1/contacts/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no contact with id 999999"}
    too_long = api.post("/api/v1/contacts", json={"name": "x" * 301})
    assert too_long.status_code == 422
    assert isinstance(too_long.json()["detail"], str) and "name" in too_long.json()["detail"]
    bad_email = api.post("/api/v1/contacts", json={"name": "A", "emails": ["nope"]})
    assert bad_email.status_code == 422 and "email" in bad_email.json()["detail"]
    assert api.get("/api/v1/nothing-here").json() == {"detail": "Not Found"}


def test_unknown_fields_are_refused(api: TestClient) -> None:
    response = api.post("/api/v1/contacts", json={"name": "A", "owner_id": 2})
    assert response.status_code == 422
