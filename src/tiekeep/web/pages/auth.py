"""Logging in and out: the login form (rate-limited), one-time login links, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tiekeep.core.models import User
from tiekeep.services import accounts
from tiekeep.web import security
from tiekeep.web.deps import (
    OptionalUser,
    StateDep,
    WebState,
    client_address,
    submitted_csrf,
)
from tiekeep.web.rendering import N_, redirect, render, safe_next, set_cookie, translations

router = APIRouter()
LINK_USED = N_("This login link was used already or has expired. Run `tiekeep run` again "
               "for a new one.")


def start_session(request: Request, response: Response, state: WebState, user: User) -> None:
    """Set a fresh session cookie, and a fresh CSRF token with it."""
    set_cookie(request, response, security.SESSION_COOKIE,
               state.signer.issue(user.id, user.password_hash),
               max_age=security.SESSION_MAX_AGE)
    set_cookie(request, response, security.CSRF_COOKIE, security.new_csrf_token(),
               max_age=None)


def _consume_link(state: WebState, token: str) -> User | None:
    with state.db.transaction() as session:
        return accounts.consume_login_link(session, token=token)


def _authenticate(state: WebState, username: str, password: str) -> User | None:
    with state.db.reading() as session:
        return accounts.authenticate(session, username=username, password=password)


@router.get("/login", name="login_page")
async def login_page(request: Request, user: OptionalUser, state: StateDep,
                     next: Annotated[str, Query(max_length=2000)] = "/",
                     token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The login form; ``?token=`` logs in with a one-time link (as `make run` prints)."""
    if token:
        linked = await run_in_threadpool(_consume_link, state, token)
        if linked is None:
            _, catalog = translations(request, None)
            return render(request, "login.html", {
                "next": "/", "error": catalog.gettext(LINK_USED)}, user=None,
                status_code=401)
        response = redirect(request, str(request.url_for("dashboard")))
        start_session(request, response, state, linked)
        return response
    if user is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "error": None}, user=None)


@router.post("/login", name="login_submit")
async def login_submit(
    request: Request, state: StateDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; five failures in five minutes lock the name for that address."""
    _, catalog = translations(request, None)
    if not security.csrf_matches(request.cookies.get(security.CSRF_COOKIE),
                                 await submitted_csrf(request)):
        return render(request, "login.html", {"next": safe_next(next), "error": catalog.gettext(
            "The form expired. Please try again.")}, user=None, status_code=403)
    address = client_address(request)
    wait = state.limiter.retry_after(username, address)
    if wait:
        response: Response = render(request, "login.html", {"next": safe_next(next), "error": (
            catalog.gettext("Too many failed logins. Try again in %(n)s seconds.")
            % {"n": wait})}, user=None, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await run_in_threadpool(_authenticate, state, username, password)
    if user is None:
        state.limiter.failed(username, address)
        return render(request, "login.html", {"next": safe_next(next), "error": catalog.gettext(
            "Wrong user name or password.")}, user=None, status_code=401)
    state.limiter.succeeded(username, address)
    response = redirect(request, safe_next(next))
    start_session(request, response, state, user)
    return response


@router.post("/logout", name="logout")
async def logout(request: Request, user: OptionalUser) -> Response:
    """End the session (the CSRF check runs for a logged-in user)."""
    response = redirect(request, str(request.url_for("login_page")))
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response
