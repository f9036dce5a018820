"""Accounts: login, sessions and their cookies, CSRF, rate limiting, tokens, login links."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, Account, csrf, login, make_user
from tiekeep.core.db import Database
from tiekeep.services import accounts


def test_pages_redirect_to_login_and_the_api_answers_401(client: TestClient) -> None:
    page = client.get("/contacts?q=x", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fcontacts%3Fq%3Dx"
    api = client.get("/api/v1/contacts")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert "detail" in api.json()


def test_session_cookie_is_httponly_and_samesite(client: TestClient, alice: Account) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                           "csrf_token": client.cookies["tiekeep_csrf"]},
                           follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items()
                  if k == "set-cookie" and v.startswith("tiekeep_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app: FastAPI, alice: Account) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        secure.get("/login")
        response = secure.post("/login", data={
            "username": "alice", "password": PASSWORD,
            "csrf_token": secure.cookies["tiekeep_csrf"]}, follow_redirects=False)
        cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
        assert cookies and all("Secure" in c for c in cookies)


def test_login_form_needs_its_csrf_token(client: TestClient, alice: Account) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403


def test_cookie_writes_need_the_csrf_token(browser: TestClient) -> None:
    refused = browser.post("/api/v1/contacts", json={"name": "Anna"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    accepted = browser.post("/api/v1/contacts", json={"name": "Anna"}, headers=csrf(browser))
    assert accepted.status_code == 201
    form = browser.post("/contacts", data={"name": "Boris"}, follow_redirects=False)
    assert form.status_code == 403
    form = browser.post("/contacts", data={"name": "Boris",
                                           "csrf_token": browser.cookies["tiekeep_csrf"]},
                        follow_redirects=False)
    assert form.status_code == 303


def test_wrong_password_then_lockout_after_five_failures(client: TestClient,
                                                         alice: Account) -> None:
    client.get("/login")
    token = client.cookies["tiekeep_csrf"]
    for _ in range(5):
        failed = client.post("/login", data={"username": "alice", "password": "nope",
                                             "csrf_token": token})
        assert failed.status_code == 401
    locked = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                         "csrf_token": token})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_limiter_window_slides(alice: Account) -> None:
    now = [1000.0]
    limiter = accounts.LoginLimiter(max_failures=2, window=60, clock=lambda: now[0])
    limiter.failed("Alice", "1.2.3.4")
    limiter.failed("alice", "1.2.3.4")
    assert limiter.retry_after("alice", "1.2.3.4") > 0
    assert limiter.retry_after("alice", "5.6.7.8") == 0
    now[0] += 61
    assert limiter.retry_after("alice", "1.2.3.4") == 0


def test_bearer_tokens_work_and_bad_ones_do_not(app: FastAPI, alice: Account) -> None:
    with TestClient(app) as script:
        ok = script.get("/api/v1/me", headers={"Authorization": f"Bearer {alice.token}"})
        assert ok.status_code == 200 and ok.json()["username"] == "alice"
        bad = script.get("/api/v1/me", headers={"Authorization": "Bearer tk_nope"})
        assert bad.status_code == 401
        # A token needs no CSRF header: it cannot be sent by another site.
        created = script.post("/api/v1/contacts", json={"name": "A"},
                              headers={"Authorization": f"Bearer {alice.token}"})
        assert created.status_code == 201


def test_login_link_works_once(client: TestClient, db: Database) -> None:
    account = make_user(db, "carol", password=None)
    with db.transaction() as session:
        token = accounts.create_login_link(session, user_id=account.id)
    first = client.get("/login", params={"token": token}, follow_redirects=False)
    assert first.status_code == 303
    assert client.get("/api/v1/me").json()["username"] == "carol"
    client.cookies.clear()
    assert client.get("/login", params={"token": token}).status_code == 401


def test_new_password_ends_other_sessions(app: FastAPI, browser: TestClient) -> None:
    with TestClient(app) as other:
        login(other, "alice")
        assert other.get("/api/v1/me").status_code == 200
        changed = browser.post("/settings/password", data={
            "current_password": PASSWORD, "new_password": "another long one",
            "csrf_token": browser.cookies["tiekeep_csrf"]}, follow_redirects=False)
        assert changed.status_code == 303
        assert other.get("/api/v1/me").status_code == 401
        assert browser.get("/api/v1/me").status_code == 200


def test_logout_ends_the_session(browser: TestClient) -> None:
    browser.post("/logout", data={"csrf_token": browser.cookies["tiekeep_csrf"]})
    assert browser.get("/api/v1/me").status_code == 401


def test_tampered_cookie_is_refused(browser: TestClient) -> None:
    value = browser.cookies["tiekeep_session"]
    browser.cookies.set("tiekeep_session", "2" + value[1:])
    assert browser.get("/api/v1/me").status_code == 401
