"""Users of an installation: creation, passwords (argon2), API tokens, the CLI's user."""

from __future__ import annotations

import builtins
import getpass
import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import ApiToken, User, utcnow
from tiekeep.errors import Conflict, InvalidInput, NotFound
from tiekeep.services import parsing

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """True if the password matches the user's argon2 hash."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    if not user.password_hash:
        return False
    try:
        return PasswordHasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def list(session: Session) -> builtins.list[User]:  # noqa: A001
    """Every user of the installation, oldest first."""
    return [*session.scalars(select(User).order_by(User.id))]


def get_by_username(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}' (create one with: tiekeep user add {username})")
    return user


def create(session: Session, *, username: str, password: str | None = None,
           display_name: str = "", time_zone: str = "UTC", locale: str = "en",
           phone_region: str | None = None) -> User:
    """Create a user; the password, if any, is stored as an argon2 hash. The phone region
    is the system locale's territory unless given."""
    if not _USERNAME.match(username):
        raise InvalidInput(f"malformed user name '{username}' (letters, digits, _ . @ -)")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' exists already")
    if password is not None and len(password) < 8:
        raise InvalidInput("password must have at least 8 characters")
    parsing.bounded(display_name, what="display name", limit=parsing.MAX_LABEL)
    region = parsing.phone_region(phone_region) if phone_region is not None \
        else parsing.local_phone_region()
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password) if password else None,
        time_zone=time_zone,
        locale=locale,
        phone_region=region,
    )
    session.add(user)
    session.flush()
    return user


def phone_region(session: Session, *, owner_id: int) -> str:
    """Where the owner's phone numbers without a '+' are read: the stored region, else the
    system locale's territory, else US."""
    user = session.get(User, owner_id)
    if user is None:
        raise NotFound(f"no user with id {owner_id}")
    return user.phone_region or parsing.local_phone_region()


def find_cli_user(session: Session, *, username: str | None) -> User | None:
    """The user the CLI acts as, if it exists (the named one, else the first)."""
    if username:
        return get_by_username(session, username=username)
    return session.scalar(select(User).order_by(User.id).limit(1))


def resolve_cli_user(session: Session, *, username: str | None) -> User:
    """The user the CLI acts as: the named one, else the first; a fresh install gets one."""
    if username:
        return get_by_username(session, username=username)
    first = session.scalar(select(User).order_by(User.id).limit(1))
    if first is not None:
        return first
    from tiekeep.services.parsing import local_zone_name

    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "me"
    name = login if _USERNAME.match(login) else "me"
    return create(session, username=name, time_zone=local_zone_name())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, owner_id: int, name: str) -> str:
    """Create an API token and return it; only its hash is stored."""
    parsing.bounded(name, what="token name", limit=parsing.MAX_LABEL)
    token = "tk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(owner_id=owner_id, name=name, token_hash=_digest(token)))
    session.flush()
    return token


def get_by_token(session: Session, *, token: str) -> User | None:
    """The user an API token belongs to, or None if unknown or revoked."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token),
                               ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return None
    # Written at most hourly: a write on every request would serialize readers for nothing.
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
        row.last_used_at = now
    return session.get(User, row.owner_id)
