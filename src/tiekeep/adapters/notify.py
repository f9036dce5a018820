"""Sending mail over SMTP: plain, STARTTLS or implicit TLS, with optional login.

The connection settings are the `smtp.*` settings. Every failure (no server, TLS, login,
refused recipients) becomes one ``DeliveryError`` whose message names the server and the
cause, so the CLI reports it on one line and the digest is retried on the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from tiekeep.errors import InvalidInput, TiekeepError

SECURITY = ("none", "starttls", "ssl")
TIMEOUT_SECONDS = 30.0


class DeliveryError(TiekeepError):
    """A mail could not be handed to the SMTP server."""

    http_status = 502


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send mail."""

    host: str
    port: int
    security: str = "none"
    username: str = ""
    password: str = ""
    sender: str = "tiekeep@localhost"
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        """The `smtp.*` settings, checked."""
        security = str(settings["smtp.security"]).strip().lower()
        if security not in SECURITY:
            raise InvalidInput(f"smtp.security must be one of {', '.join(SECURITY)}, "
                               f"not '{settings['smtp.security']}'")
        port = int(settings["smtp.port"])
        if not 0 < port < 65536:
            raise InvalidInput(f"smtp.port must be from 1 to 65535, not {port}")
        host = str(settings["smtp.host"]).strip()
        if not host:
            raise InvalidInput("smtp.host is empty")
        return cls(host=host, port=port, security=security,
                   username=str(settings["smtp.username"]),
                   password=str(settings["smtp.password"]),
                   sender=str(settings["smtp.sender"]))


def send(message: EmailMessage, smtp: SmtpConfig) -> None:
    """Hand the message to the SMTP server, or raise DeliveryError."""
    where = f"{smtp.host}:{smtp.port}"
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, smtp.password)
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"mail server {where} refused the login: {_reason(exc)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        addresses = ", ".join(exc.recipients)
        raise DeliveryError(f"mail server {where} refused {addresses}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"cannot send mail through {where}: {_reason(exc)}") from None
    if refused:
        raise DeliveryError(f"mail server {where} refused {', '.join(refused)}")


def _reason(exc: BaseException) -> str:
    """The cause on one line (SMTP errors carry a code and a bytes message)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
