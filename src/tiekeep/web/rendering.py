"""Rendering pages: the Jinja2 environment, the per-request context (language, CSRF token,
flash message, formatting helpers), and the cookies a page response sets.

Templates are autoescaped, so user text (notes with ``<script>`` included) shows as text.
"""

from __future__ import annotations

import datetime as dt
import gettext
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import URL

from tiekeep.web import security
from tiekeep.web.deps import Principal, get_state, request_locale

TEMPLATES = Path(__file__).parent / "templates"


def N_(message: str) -> str:  # noqa: N802  (the gettext convention for "mark, translate later")
    """Mark a message for the catalog; it is translated where it is shown."""
    return message
FLASH_COOKIE = "tiekeep_flash"


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment of the pages (autoescape on for every template)."""
    from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    templates = Jinja2Templates(env=env)

    @pass_context
    def url_for(context: dict[str, Any], name: str, /, **params: Any) -> URL:
        """The URL of a named route, from the app's route index (Starlette's own lookup
        walks every nested router, which costs more than rendering a row)."""
        request: Request = context["request"]
        path_format = request.app.state.url_index.get(name)
        if path_format is None:
            return request.url_for(name, **params)
        path = path_format.format(**{k: quote(str(v), safe="") for k, v in params.items()})
        return URL(str(request.base_url).rstrip("/") + path)

    env.globals["url_for"] = url_for
    env.filters["bar_row"] = bar_row
    return templates


def bar_row(row: Any) -> tuple[str, float]:
    """A chart row from a (label, value) pair or a {name, value} mapping."""
    if isinstance(row, dict):
        return str(row.get("name", "")), float(row.get("value") or 0)
    label, value = row
    return str(label), float(value or 0)


class Formatter:
    """Dates and times shown in the user's time zone."""

    def __init__(self, time_zone: str) -> None:
        try:
            self.zone = ZoneInfo(time_zone or "UTC")
        except (KeyError, ValueError):
            self.zone = ZoneInfo("UTC")

    def _parse(self, value: str | dt.datetime | None) -> dt.datetime | None:
        if value is None or value == "":
            return None
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def datetime(self, value: str | dt.datetime | None) -> str:
        moment = self._parse(value)
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"

    def date(self, value: str | dt.datetime | None) -> str:
        if isinstance(value, str) and len(value) == 10:
            return value
        moment = self._parse(value)
        return moment.strftime("%Y-%m-%d") if moment else "—"

    def local_input(self, value: dt.datetime) -> str:
        """A value for <input type=datetime-local>."""
        return value.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M")


def translations(request: Request, user: Principal | None) -> tuple[str,
                                                                      gettext.NullTranslations]:
    """The request's language and its catalog."""
    locale = request_locale(request, user)
    catalog = get_state(request).translations.get(locale) or gettext.NullTranslations()
    return locale, catalog


def render(request: Request, name: str, context: dict[str, Any], *,
           user: Principal | None, status_code: int = 200) -> HTMLResponse:
    """A page from its template, with the language, CSRF token and flash message set."""
    state = get_state(request)
    locale, catalog = translations(request, user)
    csrf = request.cookies.get(security.CSRF_COOKIE)
    fresh_csrf = not csrf
    if fresh_csrf:
        csrf = security.new_csrf_token()
    flash = request.cookies.get(FLASH_COOKIE)
    full = {
        "request": request,
        "user": user,
        "_": catalog.gettext,
        "ngettext": catalog.ngettext,
        "locale": locale,
        "csrf_token": csrf,
        "flash": unquote(flash)[:500] if flash else None,
        "fmt": Formatter(user.time_zone if user else "UTC"),
        **context,
    }
    response = state.templates.TemplateResponse(request, name, full, status_code=status_code)
    if fresh_csrf:
        set_cookie(request, response, security.CSRF_COOKIE, csrf or "", max_age=None)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    response.headers["Content-Language"] = locale
    response.headers["Cache-Control"] = "no-store"  # personal data and a CSRF token
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def set_cookie(request: Request, response: Any, name: str, value: str,
               max_age: int | None) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure when the request came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def redirect(request: Request, url: str, *, flash: str | None = None) -> RedirectResponse:
    """A 303 to a page, with an optional one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        set_cookie(request, response, FLASH_COOKIE, quote(flash[:500]), max_age=60)
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
