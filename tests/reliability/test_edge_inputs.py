"""Reproducers of what fuzzing found: edge values that crash the API (500) or the CLI (a
traceback) instead of a clear answer (404/422, or exit code 2 and one line).

Each is a strict xfail naming the finding (see ``edge_inputs.FINDINGS`` and the report):
when the fix lands it passes, the strict xfail turns red, and the marker comes off, here
and in ``edge_inputs`` (which the fuzzers use to tell known findings from new ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cli_helpers import run
from tests.reliability.edge_inputs import FINDINGS, classify
from tiekeep.core.db import Database
from tiekeep.services import contacts, followups, users
from tiekeep.settings import load_settings

HUGE = 2**63


def _known(name: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=FINDINGS[name])


def _account(db: Database) -> str:
    with db.transaction() as session:
        user = users.create(session, username="alice")
        anna = contacts.create(session, owner_id=user.id,
                               data=contacts.ContactCreate(name="Anna Petrova"))
        followups.create(session, owner_id=user.id, contact_id=anna.id, text="call")
        return users.create_token(session, owner_id=user.id, name="tests")


@pytest.fixture
def api(db: Database) -> Iterator[TestClient]:
    from tiekeep.web.app import create_app

    token = _account(db)
    with TestClient(create_app(load_settings(), db), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


API_CASES: list[Any] = [
    pytest.param("GET", f"/api/v1/contacts/{HUGE}", None, id="huge id in a path"),
    pytest.param("POST", "/api/v1/interactions", {"participant_ids": [HUGE]},
                 id="huge id in a body"),
    pytest.param("POST", "/api/v1/contacts/1/merge", {"other_id": HUGE},
                 id="huge id to merge"),
    pytest.param("GET", "/api/v1/agenda?date=9999-12-31", None, id="agenda in 9999"),
    pytest.param("GET", "/api/v1/agenda?date=0001-01-01", None, id="agenda in year 1"),
    pytest.param("GET", "/api/v1/stats?period=9999999d", None, id="stats over 27000 years"),
    pytest.param("GET", "/api/v1/graph/intro?target=%C2%B3", None,
                 id="a reference of non-ASCII digits"),
    pytest.param("GET", "/api/v1/contacts/1", None, id="a plain request (control)"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "url", "body"), API_CASES)
def test_edge_values_get_a_clear_4xx_from_the_api(api: TestClient, method: str, url: str,
                                                  body: Any) -> None:
    response = api.request(method, url, json=body)
    assert response.status_code < 500, response.text
    assert isinstance(response.json()["detail" if response.status_code >= 400 else "id"],
                      str | int)


def test_a_body_that_is_not_json_gets_a_documented_status(api: TestClient) -> None:
    response = api.post("/api/v1/contacts", content=b"\xff{", headers={
        "Content-Type": "application/json"})
    documented = api.get("/openapi.json").json()["paths"]["/api/v1/contacts"]["post"][
        "responses"]
    assert str(response.status_code) in documented, response.text


@pytest.fixture
def pg_api(pg_database: Database) -> Iterator[TestClient]:
    """The API on PostgreSQL only (NUL is a PostgreSQL matter)."""
    from tests.conftest import _empty_postgres
    from tiekeep.web.app import create_app

    _empty_postgres(pg_database)
    token = _account(pg_database)
    with TestClient(create_app(load_settings(), pg_database), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_text_with_a_nul_gets_422_on_postgresql(pg_api: TestClient) -> None:
    response = pg_api.post("/api/v1/contacts", json={"name": "Anna\x00Petrova",
                                                     "tags": ["a\x00b"]})
    assert response.status_code in (201, 422), response.text


def test_a_search_query_with_a_nul_is_just_text(sqlite_db: Database) -> None:
    """The services take any text: the API's pattern on ``q`` is not the only caller."""
    with sqlite_db.transaction() as session:
        owner = users.create(session, username="alice")
        contacts.create(session, owner_id=owner.id,
                        data=contacts.ContactCreate(name="Anna Petrova"))
    with sqlite_db.reading() as session:
        found = contacts.search_contacts(session, owner_id=owner.id, query="an\x00na")
    assert isinstance(found, list)


CLI_CASES: list[Any] = [
    pytest.param(["contact", "show", str(HUGE)], id="contact show HUGE"),
    pytest.param(["followup", "done", str(HUGE)], id="followup done HUGE"),
    pytest.param(["contact", "show", "³"], id="contact show ³"),
    pytest.param(["today", "--date", "9999-12-31"], id="today in 9999"),
    pytest.param(["today", "--date", "0001-01-01"], id="today in year 1"),
    pytest.param(["stats", "--period", "9999999d"], id="stats over 27000 years"),
    pytest.param(["contact", "show", "999999"], id="a missing id (control)"),
]


@pytest.mark.parametrize("args", CLI_CASES)
def test_edge_values_get_exit_2_and_one_line_from_the_cli(db: Database, db_url: str,
                                                          args: list[str]) -> None:
    _account(db)
    result = run(db_url, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_the_classifier_excuses_no_fixed_finding() -> None:
    """The fuzzers' classifier: the inputs of fixed findings are failures again if they fail."""
    fixed = [HUGE, str(HUGE), "9999-12-31", "0001-01-01", "9999999d", "³", "a\x00b"]
    assert [classify([value], dialect) for value in fixed
            for dialect in ("sqlite", "postgresql")] == [None] * 14
