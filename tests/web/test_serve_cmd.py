"""`tiekeep serve` refuses to expose an unprotected installation; `tiekeep run` makes the
first user and prints a one-time login link before serving."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cli_helpers import run
from tiekeep.cli import serve_cmd
from tiekeep.core.schema import open_database
from tiekeep.services import accounts


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, db_url: str) -> list[dict[str, Any]]:
    """Calls to uvicorn, recorded instead of serving."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("TIEKEEP_DB", db_url)  # start() sets it; restored after the test
    monkeypatch.setattr(serve_cmd, "start", lambda app, host, port, workers=1,
                        access_log=True: calls.append({"host": host, "port": port,
                                                       "workers": workers}))
    return calls


def test_loopback_check() -> None:
    for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"):
        assert serve_cmd.is_loopback(host), host
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        assert not serve_cmd.is_loopback(host), host


def test_serve_refuses_a_public_address_without_a_password(db_url: str,
                                                            started: list[Any]) -> None:
    run(db_url, "user", "add", "nopass", input="\n")
    result = run(db_url, "serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0" in result.stderr and "password" in result.stderr
    assert started == []
    assert run(db_url, "serve", "--port", "9999").exit_code == 0
    assert started[-1] == {"host": "127.0.0.1", "port": 9999, "workers": 1}


def test_serve_allows_a_public_address_once_a_password_is_set(db_url: str,
                                                              started: list[Any]) -> None:
    run(db_url, "user", "add", "alice", input="a long password\n")
    result = run(db_url, "serve", "--host", "0.0.0.0", "--workers", "3")
    assert result.exit_code == 0, result.stderr
    assert started == [{"host": "0.0.0.0", "port": 8130, "workers": 3}]


def test_run_creates_the_first_user_and_a_single_use_link(db_url: str,
                                                          started: list[Any]) -> None:
    result = run(db_url, "run")
    assert result.exit_code == 0, result.stderr
    assert "created the first user" in result.stdout
    token = re.search(r"/login\?token=(\S+)", result.stdout)
    assert token and started
    db = open_database(db_url)
    try:
        with db.transaction() as session:
            user = accounts.consume_login_link(session, token=token.group(1))
            assert user is not None and user.locale == ""
        with db.transaction() as session:
            assert accounts.consume_login_link(session, token=token.group(1)) is None
    finally:
        db.dispose()
    again = run(db_url, "run")
    assert "created the first user" not in again.stdout and "/login?token=" in again.stdout
