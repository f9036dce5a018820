"""The mail digest, sent to a real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from tests.cli_helpers import run
from tiekeep.core.db import Database
from tiekeep.core.models import Notification
from tiekeep.services import contacts, digest, interactions


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.content, policy=default)  # type: ignore[misc]
                for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def network(db: Database, owner_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two overdue ties on 15 March 2026, one with a name that needs escaping in HTML."""
    with db.transaction() as s:
        for name, tier, met in (("Zoë <Test> & Co", "key", "2026-02-01 12:00"),
                                ("Ivan Petrov", "regular", "2026-02-01 12:00")):
            cid = contacts.create(s, owner_id=owner_id, data=contacts.ContactCreate(
                name=name, tier=tier)).id
            interactions.log(s, owner_id=owner_id, data=interactions.InteractionCreate(
                participant_ids=[cid], occurred_at=datetime.fromisoformat(met).replace(
                    tzinfo=UTC)))
    monkeypatch.setenv("TIEKEEP_ME_TIME_ZONE", "UTC")
    monkeypatch.setenv("TIEKEEP_MY_EMAILS", "me@example.com,other@example.com")
    monkeypatch.setenv("TIEKEEP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TIEKEEP_SMTP_SENDER", "tiekeep@example.org")


def notifications(db: Database) -> list[tuple[str, int, bool, str | None]]:
    with db.reading() as s:
        return [(n.period_key, n.attempts, n.sent_at is not None, n.last_error)
                for n in s.scalars(select(Notification).order_by(Notification.id))]


def test_preview_prints_the_mail_and_sends_nothing(db_url: str, db: Database, network: None,
                                                   inbox: tuple[Inbox, int]) -> None:
    result = run(db_url, "digest", "--date", "2026-03-15")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:6] == [
        "Subject: tiekeep: 2 to reach today (Sun 15 Mar 2026)", "",
        "Your agenda for Sun 15 Mar 2026", "",
        " 1. Zoë <Test> & Co — Last contact 42 days ago; key tie, every 14 days — past the "
        "21-day maximum",
        " 2. Ivan Petrov — Last contact 42 days ago; regular tie, every 30 days"]
    assert inbox[0].envelopes == []
    assert notifications(db) == []


def test_send_delivers_one_mail_with_text_and_html_once_per_period(
        db_url: str, db: Database, network: None, inbox: tuple[Inbox, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    handler, port = inbox
    monkeypatch.setenv("TIEKEEP_SMTP_PORT", str(port))
    result = run(db_url, "digest", "--send", "--date", "2026-03-15")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == ("Sent the digest for 2026-03-15 to me@example.com "
                                     "(2 items).")
    (envelope,) = handler.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("tiekeep@example.org",
                                                       ["me@example.com"])
    (mail,) = handler.messages()
    assert mail["Subject"] == "tiekeep: 2 to reach today (Sun 15 Mar 2026)"
    assert (mail["From"], mail["To"]) == ("tiekeep@example.org", "me@example.com")
    assert mail["Message-ID"].strip().startswith("<") and "digest-2026-03-15" in mail["Message-ID"]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert "1. Zoë <Test> & Co — Last contact 42 days ago" in text
    assert "2. Ivan Petrov — Last contact 42 days ago; regular tie, every 30 days" in text
    assert "<strong>Zoë &lt;Test&gt; &amp; Co</strong>" in page
    assert "<Test>" not in page
    assert notifications(db) == [("2026-03-15", 1, True, None)]

    again = run(db_url, "digest", "--send", "--date", "2026-03-15")
    assert again.exit_code == 0
    assert again.stdout.startswith("The digest for 2026-03-15 went out already")
    assert len(handler.envelopes) == 1
    assert notifications(db) == [("2026-03-15", 1, True, None)]


def test_a_failure_is_reported_on_one_line_and_retried_next_run(
        db_url: str, db: Database, network: None, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there yet
    monkeypatch.setenv("TIEKEEP_SMTP_PORT", str(port))
    monkeypatch.setenv("TIEKEEP_DIGEST_TO", "boss@example.com")
    failed = run(db_url, "digest", "--send", "--date", "2026-03-15")
    assert failed.exit_code == 2
    assert failed.stdout == ""
    (line,) = failed.stderr.splitlines()
    assert line.startswith(f"error: cannot send mail through 127.0.0.1:{port}: ")
    [(period, attempts, sent, error)] = notifications(db)
    assert (period, attempts, sent) == ("2026-03-15", 1, False)
    assert error is not None and error.startswith("cannot send mail")

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        retried = run(db_url, "digest", "--send", "--date", "2026-03-15")
    finally:
        controller.stop()
    assert retried.exit_code == 0, retried.stderr
    assert [e.rcpt_tos for e in handler.envelopes] == [["boss@example.com"]]
    assert notifications(db) == [("2026-03-15", 2, True, None)]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def _login(server: Any, session: Any, envelope: Any, mechanism: str,
           auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"me", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(db_url: str, db: Database, network: None,
                       certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                       security: str) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler, port = Inbox(), free_port()
    options: dict[str, Any] = {"authenticator": _login}
    if security == "starttls":
        options.update(tls_context=server_tls, require_starttls=True, auth_require_tls=True)
    else:  # the whole connection is TLS, which aiosmtpd's AUTH check does not see
        options.update(ssl_context=server_tls, auth_require_tls=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our certificate
    monkeypatch.setenv("TIEKEEP_SMTP_PORT", str(port))
    monkeypatch.setenv("TIEKEEP_SMTP_SECURITY", security)
    monkeypatch.setenv("TIEKEEP_SMTP_USERNAME", "me")
    try:
        monkeypatch.setenv("TIEKEEP_SMTP_PASSWORD", "wrong")
        refused = run(db_url, "digest", "--send", "--date", "2026-03-15")
        assert refused.exit_code == 2
        assert refused.stderr.startswith(f"error: mail server 127.0.0.1:{port} refused the "
                                         "login: 535")
        assert handler.envelopes == []
        monkeypatch.setenv("TIEKEEP_SMTP_PASSWORD", "s3cret")
        sent = run(db_url, "digest", "--send", "--date", "2026-03-15")
        assert sent.exit_code == 0, sent.stderr
    finally:
        controller.stop()
    assert len(handler.messages()) == 1
    assert notifications(db) == [("2026-03-15", 2, True, None)]


def test_periods_and_recipient() -> None:
    from tiekeep.errors import InvalidInput
    from tiekeep.settings import load_settings

    assert digest.period_key("daily", date(2026, 2, 28)) == "2026-02-28"
    assert digest.period_key("weekly", date(2026, 3, 15)) == "2026-W11"
    assert digest.period_key("weekly", date(2027, 1, 1)) == "2026-W53"  # ISO weeks
    with pytest.raises(InvalidInput, match="daily or weekly"):
        digest.period_key("hourly", date(2026, 3, 15))
    settings = load_settings(environ={})
    with pytest.raises(InvalidInput, match="set digest.to or me.emails"):
        digest.recipient(settings)
    assert digest.recipient(settings.with_overrides(me__emails=["Me@Example.com"])) == \
        "me@example.com"


def test_an_empty_agenda_sends_nothing(db_url: str, db: Database, owner_id: int,
                                       inbox: tuple[Inbox, int],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEKEEP_SMTP_PORT", str(inbox[1]))
    monkeypatch.setenv("TIEKEEP_DIGEST_TO", "me@example.com")
    result = run(db_url, "digest", "--send", "--date", "2026-03-15")
    assert result.exit_code == 0
    assert result.stdout.strip() == "Nothing on the agenda for 2026-03-15; no mail sent."
    assert inbox[0].envelopes == []
