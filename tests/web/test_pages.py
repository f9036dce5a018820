"""The pages: each renders from the same data as its JSON twin, escapes user text, and its
forms call the services."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from tests.web.conftest import Account, add_contact
from tiekeep.core.db import Database
from tiekeep.services import followups


def _token(client: TestClient) -> str:
    return client.cookies["tiekeep_csrf"]


def test_every_page_links_its_json_twin(browser: TestClient, db: Database,
                                        alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    # The log form has no read twin: its API twin is POST /api/v1/interactions.
    for path in ("/", "/contacts", f"/contacts/{contact_id}", "/settings"):
        page = browser.get(path)
        assert page.status_code == 200, path
        twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"',
                         page.text)
        assert twin, path
        assert browser.get(twin.group(1)).status_code == 200, twin.group(1)


def test_notes_with_markup_show_as_text(browser: TestClient, db: Database,
                                        alice: Account) -> None:
    contact_id = add_contact(db, alice, "<b>Anna</b>",
                             personal_notes="<script>alert(1)</script>")
    page = browser.get(f"/contacts/{contact_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Anna&lt;/b&gt;" in page
    rows = browser.get("/contacts/rows", params={"q": "anna"}).text
    assert "<b>Anna</b>" not in rows


def test_search_rows_follow_the_query(browser: TestClient, db: Database,
                                      alice: Account) -> None:
    add_contact(db, alice, "Anna Petrova")
    add_contact(db, alice, "Boris Ivanov")
    rows = browser.get("/contacts/rows", params={"q": "petr"}).text
    assert "Anna Petrova" in rows and "Boris" not in rows


def test_log_form_records_two_participants(browser: TestClient, db: Database,
                                           alice: Account) -> None:
    anna, boris = add_contact(db, alice, "Anna"), add_contact(db, alice, "Boris")
    response = browser.post("/log", data={
        "participant": [str(anna), str(boris)], "format": "coffee",
        "at": "2026-11-20T09:15", "topics": "hiring, Q3", "notes": "good chat",
        "gave": "an intro", "gave_kind": "social", "next_step": "send the job post",
        "due": "2026-11-30", "csrf_token": _token(browser)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith(f"/contacts/{anna}")
    for contact_id in (anna, boris):
        detail = browser.get(f"/api/v1/contacts/{contact_id}").json()
        assert detail["interactions"][0]["format"] == "coffee"
        assert detail["interactions"][0]["topics"] == ["hiring", "Q3"]
        assert detail["followups"][0]["due"] == "2026-11-30"


def test_a_form_error_comes_back_as_a_message(browser: TestClient) -> None:
    response = browser.post("/log", data={"format": "coffee", "csrf_token": _token(browser)},
                            headers={"Referer": "http://testserver/log"})
    assert response.status_code == 200
    assert "needs at least one participant" in response.text


def test_profile_form_refuses_a_stale_version(browser: TestClient, db: Database,
                                              alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    form = {"version": "1", "name": "Anna P", "tier": "key", "horizon": "long_term",
            "tags": "friends, ml", "csrf_token": _token(browser)}
    assert browser.post(f"/contacts/{contact_id}/edit", data=form,
                        follow_redirects=False).status_code == 303
    stale = browser.post(f"/contacts/{contact_id}/edit", data=form,
                         headers={"Referer": f"http://testserver/contacts/{contact_id}"})
    assert "changed by someone else" in stale.text
    detail = browser.get(f"/api/v1/contacts/{contact_id}").json()
    assert detail["tags"] == ["friends", "ml"] and detail["tier"] == "key"


def test_bulk_form_tags_the_selected_contacts(browser: TestClient, db: Database,
                                              alice: Account) -> None:
    ids = [add_contact(db, alice, name) for name in ("A", "B", "C")]
    response = browser.post("/contacts/bulk", data={
        "ids": [str(i) for i in ids[:2]], "tier": "key", "add_tag": "offsite",
        "csrf_token": _token(browser)}, follow_redirects=False)
    assert response.status_code == 303
    tagged = browser.get("/api/v1/contacts", params={"tag": "offsite"}).json()["items"]
    assert [c["name"] for c in tagged] == ["A", "B"] and tagged[0]["tier"] == "key"


def test_dashboard_done_removes_the_followup(browser: TestClient, db: Database,
                                             alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna")
    with db.transaction() as session:
        row = followups.create(session, owner_id=alice.id, contact_id=contact_id,
                               text="send the deck", due=date.today())
    assert "send the deck" in browser.get("/").text
    done = browser.post(f"/followups/{row.id}/done", data={
        "back": "/", "csrf_token": _token(browser)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "send the deck" not in browser.get("/").text


def test_contact_page_sections(browser: TestClient, db: Database, alice: Account) -> None:
    contact_id = add_contact(db, alice, "Anna", organization="Acme", title="CTO")
    browser.post(f"/contacts/{contact_id}/role", data={"title": "CEO",
                                                       "csrf_token": _token(browser)})
    browser.post(f"/contacts/{contact_id}/value", data={
        "direction": "received", "kind": "professional", "description": "a referral",
        "csrf_token": _token(browser)})
    browser.post(f"/contacts/{contact_id}/plan", data={"kind": "support", "text": "beta test",
                                                       "csrf_token": _token(browser)})
    page = browser.get(f"/contacts/{contact_id}").text
    for text in ("CEO", "CTO", "a referral", "beta test", "Tie strength explained",
                 "frequency", "Changes", "role"):
        assert text in page, text


def test_settings_form_sets_the_phone_region(browser: TestClient) -> None:
    page = browser.get("/settings").text
    assert 'name="phone_region" value=""' not in page  # alice has US, from the locale
    assert 'name="phone_region" value="US"' in page
    saved = browser.post("/settings", data={"locale": "en", "time_zone": "UTC",
                                            "display_name": "Alice", "phone_region": "de",
                                            "csrf_token": _token(browser)})
    assert saved.status_code == 200 and "Settings saved." in saved.text
    assert 'name="phone_region" value="DE"' in saved.text
    added = browser.post("/api/v1/contacts", json={"name": "Anna", "phones": ["030 1234567"]},
                         headers={"X-CSRF-Token": _token(browser)})
    assert added.json()["phones"] == ["+49301234567"]
    refused = browser.post("/settings", data={"locale": "en", "time_zone": "UTC",
                                              "display_name": "A", "phone_region": "XX",
                                              "csrf_token": _token(browser)},
                           headers={"Referer": "http://testserver/settings"})
    assert "unknown phone region" in refused.text
    assert browser.get("/api/v1/me").json()["phone_region"] == "DE"
    cleared = browser.post("/settings", data={"locale": "en", "time_zone": "UTC",
                                              "display_name": "A", "phone_region": "",
                                              "csrf_token": _token(browser)})
    assert 'name="phone_region" value=""' in cleared.text
    assert 'placeholder="US"' in cleared.text
    assert browser.get("/api/v1/me").json()["phone_region"] is None


def test_unknown_contact_page_is_404(browser: TestClient) -> None:
    page = browser.get("/contacts/424242")
    assert page.status_code == 404 and "no contact with id 424242" in page.text


def test_pages_are_phone_and_keyboard_ready(browser: TestClient) -> None:
    page = browser.get("/").text
    assert 'name="viewport"' in page
    assert 'class="skip" href="#main"' in page and 'id="main"' in page


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_request_bodies_are_capped(api: TestClient) -> None:
    response = api.post("/api/v1/contacts", content=b"x" * (3 * 1024 * 1024),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_openapi_describes_every_api_route(client: TestClient) -> None:
    from tiekeep.web.app import route_table

    described = client.get("/openapi.json").json()["paths"]
    served = {(r.path, m) for r in route_table(client.app) if r.path.startswith("/api/")  # type: ignore[arg-type]
              for m in r.methods}
    for path, method in served:
        assert method.lower() in described.get(path, {}), f"{method} {path} not described"
    assert client.get("/api/docs").status_code in (303, 404)  # no CDN-backed Swagger UI
