"""Fixtures for the web tests: the app on a fresh real database, users, logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tiekeep.core.db import Database
from tiekeep.services import contacts, users
from tiekeep.settings import load_settings
from tiekeep.web.app import create_app

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: int
    username: str
    token: str


def make_user(db: Database, username: str, password: str | None = PASSWORD,
              locale: str = "en") -> Account:
    """A user with a password and an API token."""
    with db.transaction() as session:
        user = users.create(session, username=username, password=password, locale=locale)
        token = users.create_token(session, owner_id=user.id, name="tests")
        return Account(user.id, user.username, token)


def add_contact(db: Database, owner: Account, name: str, **fields: object) -> int:
    """A contact of that owner, by the service (fields as in contacts.ContactCreate)."""
    with db.transaction() as session:
        return contacts.create(session, owner_id=owner.id,
                               data=contacts.ContactCreate(name=name, **fields)).id  # type: ignore[arg-type]


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log a test client in through the login form, as a browser would."""
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": client.cookies["tiekeep_csrf"]},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def csrf(client: TestClient) -> dict[str, str]:
    """The CSRF header a page's script sends."""
    return {"X-CSRF-Token": client.cookies["tiekeep_csrf"]}


@pytest.fixture
def app(db: Database) -> FastAPI:
    return create_app(load_settings(), db)


@pytest.fixture
def alice(db: Database) -> Account:
    return make_user(db, "alice")


@pytest.fixture
def bob(db: Database) -> Account:
    return make_user(db, "bob")


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous browser."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api(app: FastAPI, alice: Account) -> Iterator[TestClient]:
    """A script authenticated as alice by her API token."""
    with TestClient(app, headers={"Authorization": f"Bearer {alice.token}"}) as test_client:
        yield test_client


@pytest.fixture
def browser(app: FastAPI, alice: Account) -> Iterator[TestClient]:
    """A browser logged in as alice (session cookie; unsafe requests need the CSRF token)."""
    with TestClient(app) as test_client:
        login(test_client, alice.username)
        yield test_client
