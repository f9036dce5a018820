"""Signed session cookies and CSRF tokens (HMAC-SHA256 with the installation's key).

A session cookie is ``user_id.issued_at.nonce.signature``. The signature also covers a
fingerprint of the user's password hash, so setting a new password ends every older session.
CSRF protection is the double-submit pattern: a random token in an HttpOnly cookie must come
back in the form field ``csrf_token`` or the ``X-CSRF-Token`` header of every unsafe request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "tiekeep_session"
CSRF_COOKIE = "tiekeep_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 14 * 24 * 3600


@dataclass(frozen=True)
class SessionClaim:
    """What a valid session cookie says: who, and since when."""

    user_id: int
    issued_at: int


class Signer:
    """Signs and checks session cookies with one secret key."""

    def __init__(self, key: str) -> None:
        self._key = hashlib.sha256(("tiekeep-session:" + key).encode()).digest()

    def _sign(self, payload: str, fingerprint: str) -> str:
        mac = hmac.new(self._key, f"{payload}|{fingerprint}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def issue(self, user_id: int, password_hash: str | None, now: float | None = None) -> str:
        """A new session cookie value for the user."""
        payload = f"{user_id}.{int(now or time.time())}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload, fingerprint(password_hash))}"

    def peek(self, value: str) -> int | None:
        """The user id a cookie names (unverified: the caller loads the user, then verifies)."""
        head = value.split(".", 1)[0]
        return int(head) if head.isdigit() and len(head) < 12 else None

    def verify(self, value: str, password_hash: str | None,
               now: float | None = None) -> SessionClaim | None:
        """The claim if the cookie is genuine, unexpired and matches the password in force."""
        payload, _, signature = value.rpartition(".")
        parts = payload.split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        expected = self._sign(payload, fingerprint(password_hash))
        if not hmac.compare_digest(expected, signature):
            return None
        issued = int(parts[1])
        if (now or time.time()) - issued > SESSION_MAX_AGE:
            return None
        return SessionClaim(int(parts[0]), issued)


def fingerprint(password_hash: str | None) -> str:
    """A short digest of the password hash, so that a new password voids old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(cookie: str | None, submitted: str | None) -> bool:
    """True if the submitted token equals the cookie's (constant time)."""
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
