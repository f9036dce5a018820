"""Dependencies: the app's state, database sessions, the current user (the one guard), and
the request's language.

``CurrentUser`` is the only permission check: it authenticates by session cookie or
``Authorization: Bearer`` token, and for a cookie it also checks the CSRF token of every
unsafe request. Every handler passes ``user.id`` as ``owner_id`` to the services.
"""

from __future__ import annotations

import gettext
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from tiekeep.core.db import Database
from tiekeep.core.models import User
from tiekeep.services.accounts import LoginLimiter
from tiekeep.settings import Settings
from tiekeep.web import i18n, security
from tiekeep.web.cache import ViewCache

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNSET = object()


@dataclass
class WebState:
    """Everything create_app() builds once and every request shares."""

    settings: Settings
    db: Database
    signer: security.Signer
    templates: Jinja2Templates
    translations: dict[str, gettext.NullTranslations]
    cache: ViewCache
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings["web.max_upload_mb"]) * 1024 * 1024

    @property
    def default_locale(self) -> str:
        return str(self.settings.get("me.locale") or i18n.DEFAULT)


@dataclass(frozen=True)
class Principal:
    """The authenticated user of a request, detached from any session."""

    id: int
    username: str
    display_name: str
    locale: str
    time_zone: str
    has_password: bool
    via: str  # "cookie" or "token"


class LoginRequired(Exception):
    """No valid session or token: 401 for the API, a redirect to the login page for pages."""


class CsrfFailed(Exception):
    """An unsafe request authenticated by cookie came without the matching CSRF token."""


def get_state(request: Request) -> WebState:
    """The WebState of the running app."""
    state: WebState = request.app.state.tiekeep
    return state


async def _state_dependency(request: Request) -> WebState:
    """get_state as a dependency (async: no thread hop for a lookup)."""
    return get_state(request)


StateDep = Annotated[WebState, Depends(_state_dependency)]


async def read_session(state: StateDep) -> AsyncIterator[Session]:
    """A read-only session, closed after the handler (made and closed without a thread hop:
    neither touches the database until a query runs, in the handler's thread)."""
    with state.db.reading() as session:
        yield session


def write_session(state: StateDep) -> Iterator[Session]:
    """One user action: committed when the handler returns, before the response is sent."""
    try:
        with state.db.transaction() as session:
            yield session
    finally:
        state.cache.changed()


ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


def _principal(user: User, via: str) -> Principal:
    return Principal(user.id, user.username, user.display_name or user.username,
                     user.locale or "", user.time_zone or "UTC", bool(user.password_hash), via)


def _from_cookie(state: WebState, value: str) -> Principal | None:
    user_id = state.signer.peek(value)
    if user_id is None:
        return None
    with state.db.reading() as session:
        user = session.get(User, user_id)
        if user is None or state.signer.verify(value, user.password_hash) is None:
            return None
        return _principal(user, "cookie")


def _from_token(state: WebState, token: str) -> Principal | None:
    from tiekeep.services import accounts

    if len(token) > 200:
        return None
    with state.db.transaction() as session:
        user = accounts.get_by_token(session, token=token)
        return _principal(user, "token") if user is not None else None


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token sent with a request: the header, else the form field."""
    header = request.headers.get(security.CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(security.CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def optional_user(request: Request) -> Principal | None:
    """The authenticated user, or None; cookie-authenticated unsafe requests need CSRF."""
    cached = getattr(request.state, "principal", _UNSET)
    if cached is not _UNSET:
        return cast(Principal | None, cached)
    state = get_state(request)
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        principal = await run_in_threadpool(_from_token, state, authorization[7:].strip())
        if principal is None:
            raise LoginRequired("invalid or revoked API token")
    elif cookie := request.cookies.get(security.SESSION_COOKIE):
        # Dropped with every other cached view when the database changes (a new password).
        principal = await run_in_threadpool(lambda: state.cache.get(
            ("principal", cookie), lambda: _from_cookie(state, cookie), light=True))
        if principal is not None and request.method in UNSAFE_METHODS and not \
                security.csrf_matches(request.cookies.get(security.CSRF_COOKIE),
                                      await submitted_csrf(request)):
            raise CsrfFailed("missing or wrong CSRF token; reload the page and try again")
    request.state.principal = principal
    return principal


async def current_user(
    principal: Annotated[Principal | None, Depends(optional_user)],
) -> Principal:
    """The authenticated user, or LoginRequired."""
    if principal is None:
        raise LoginRequired("log in first, or send Authorization: Bearer TOKEN")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def request_locale(request: Request, user: Principal | None = None) -> str:
    """The language of this request: the user's choice, else the browser's, else the default."""
    state = get_state(request)
    return i18n.negotiate(user.locale if user else None,
                          request.headers.get("accept-language"), state.default_locale)


def client_address(request: Request) -> str:
    """The client's address (as the server, or a trusted proxy, reports it)."""
    return request.client.host if request.client else "unknown"
