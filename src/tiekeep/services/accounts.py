"""Accounts beyond users.py: installation secrets, one-time login links, preferences,
passwords, the calendar token, and login rate limiting.

Login links are single-use: only a SHA-256 digest is stored (in ``app_secrets``, one pending
link per user), and using one deletes it. The login rate limiter keeps its counts in the
memory of one process; with several server processes each has its own counts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import AppSecret, User, utcnow
from tiekeep.errors import InvalidInput, NotFound, PermissionDenied
from tiekeep.services import parsing, users

LOCALES = ("en", "ru")
AUTO_LOCALE = ""
LOGIN_LINK_PREFIX = "login-link:"
LOGIN_LINK_TTL = timedelta(hours=24)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- installation secrets ------------------------------------------------------------------


def app_secret(session: Session, *, name: str) -> str:
    """The installation-wide secret of that name, generated and stored on first use."""
    row = session.get(AppSecret, name)
    if row is None:
        row = AppSecret(name=name, value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


# --- one-time login links ------------------------------------------------------------------


def create_login_link(session: Session, *, user_id: int,
                      ttl: timedelta = LOGIN_LINK_TTL) -> str:
    """A fresh single-use login token for the user (replacing any pending one)."""
    if session.get(User, user_id) is None:
        raise NotFound(f"no user with id {user_id}")
    token = "ll_" + secrets.token_urlsafe(32)
    expires = (utcnow() + ttl).isoformat()
    name = f"{LOGIN_LINK_PREFIX}{user_id}"
    row = session.get(AppSecret, name)
    value = f"{_digest(token)}|{expires}"
    if row is None:
        session.add(AppSecret(name=name, value=value))
    else:
        row.value = value
    session.flush()
    return token


def consume_login_link(session: Session, *, token: str) -> User | None:
    """The user a login token belongs to, deleting the token; None if unknown or expired."""
    digest = _digest(token)
    rows = session.scalars(select(AppSecret).where(
        AppSecret.name.like(LOGIN_LINK_PREFIX + "%"))).all()
    for row in rows:
        stored, _, expires = row.value.partition("|")
        if not hmac.compare_digest(stored, digest):
            continue
        session.delete(row)
        session.flush()
        if datetime.fromisoformat(expires) < utcnow():
            return None
        return session.get(User, int(row.name.removeprefix(LOGIN_LINK_PREFIX)))
    return None


# --- users: lookups, passwords, preferences ------------------------------------------------


def get_by_token(session: Session, *, token: str,
                 touch_every: timedelta = timedelta(hours=1)) -> User | None:
    """The user of an API token, or None if unknown or revoked.

    Like users.get_by_token, but its last use is written at most once per ``touch_every``,
    so that a script's every request is not also a write.
    """
    from tiekeep.core.models import ApiToken

    row = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == users._digest(token), ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= touch_every:
        row.last_used_at = now
    return session.get(User, row.owner_id)


def get_user(session: Session, *, user_id: int) -> User:
    """The user with that id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The user if the password matches, else None (also for unknown names)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        # Spend the same time as a real check so that names cannot be probed by timing.
        users.verify_password(User(password_hash=_DUMMY_HASH()), password)
        return None
    return user if users.verify_password(user, password) else None


_dummy_hash: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802  (a lazily computed constant)
    if not _dummy_hash:
        _dummy_hash.append(users.hash_password(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


def any_password_set(session: Session) -> bool:
    """True if at least one user can log in with a password."""
    return session.scalar(select(User.id).where(User.password_hash.is_not(None)).limit(1)) \
        is not None


def set_password(session: Session, *, user_id: int, new_password: str,
                 current_password: str | None = None) -> User:
    """Set a password; a user who has one must give it (the current one) first."""
    user = get_user(session, user_id=user_id)
    if user.password_hash and not users.verify_password(user, current_password or ""):
        raise PermissionDenied("the current password is wrong")
    if len(new_password) < 8:
        raise InvalidInput("password must have at least 8 characters")
    if len(new_password) > 1000:
        raise InvalidInput("password is longer than 1000 characters")
    user.password_hash = users.hash_password(new_password)
    return user


def update_preferences(session: Session, *, user_id: int, locale: str | None = None,
                       time_zone: str | None = None,
                       display_name: str | None = None,
                       phone_region: str | None = None) -> User:
    """Change language ('' follows the browser), time zone, shown name and phone region
    ('' unsets it: the system locale's territory applies)."""
    user = get_user(session, user_id=user_id)
    if locale is not None:
        if locale not in (*LOCALES, AUTO_LOCALE):
            raise InvalidInput(f"unknown language '{locale}' (choose from: "
                               f"{', '.join(LOCALES)}, or empty for the browser's)")
        user.locale = locale
    if time_zone is not None:
        parsing.zone(time_zone)
        user.time_zone = time_zone or "UTC"
    if display_name is not None:
        cleaned = " ".join(display_name.split())
        parsing.bounded(cleaned, what="name", limit=parsing.MAX_LABEL)
        user.display_name = cleaned or user.username
    if phone_region is not None:
        user.phone_region = parsing.phone_region(phone_region) if phone_region.strip() \
            else None
    return user


# --- the calendar subscription token -------------------------------------------------------


def rotate_calendar_token(session: Session, *, user_id: int) -> str:
    """A new secret calendar token for the user; the old URL stops working."""
    user = get_user(session, user_id=user_id)
    user.calendar_token = secrets.token_urlsafe(32)
    session.flush()
    return user.calendar_token


def revoke_calendar_token(session: Session, *, user_id: int) -> None:
    """Turn the calendar subscription off."""
    get_user(session, user_id=user_id).calendar_token = None


def get_by_calendar_token(session: Session, *, token: str) -> User | None:
    """The user whose calendar token this is, or None."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(User).where(User.calendar_token == token))


# --- login rate limiting -------------------------------------------------------------------


@dataclass
class LoginLimiter:
    """At most ``max_failures`` failed logins per (user name, address) within ``window``.

    In memory, for one process; counts are lost on restart.
    """

    max_failures: int = 5
    window: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        return stamps

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until another try is allowed (0: allowed now)."""
        key = (username.strip().lower(), address)
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if len(stamps) < self.max_failures:
                return 0
            return max(1, int(self.window - (now - stamps[0])) + 1)

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt."""
        key = (username.strip().lower(), address)
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of names
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of a user who got in."""
        with self._lock:
            self._failures.pop((username.strip().lower(), address), None)


def ensure_user(session: Session, *, username: str | None = None) -> tuple[User, bool]:
    """The named user, else the first one; a fresh installation gets its first user
    (named after the login, language following the browser). Returns (user, created)."""
    if username:
        return users.get_by_username(session, username=username), False
    first = session.scalar(select(User).order_by(User.id).limit(1))
    if first is not None:
        return first, False
    user = users.resolve_cli_user(session, username=None)
    user.locale = AUTO_LOCALE
    return user, True
