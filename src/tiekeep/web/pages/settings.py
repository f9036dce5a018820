"""Settings: language, time zone, shown name, phone region, password, and the calendar URL
(with revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from tiekeep.services import accounts, parsing
from tiekeep.web import i18n, security
from tiekeep.web.api.me import calendar_url, user_dict
from tiekeep.web.deps import CurrentUser, ReadSession, StateDep, WriteSession
from tiekeep.web.rendering import redirect, render, set_cookie, translations

router = APIRouter()


def _back(request: Request, message: str) -> Response:
    return redirect(request, str(request.url_for("settings_page")), flash=message)


@router.get("/settings", name="settings_page")
def settings_page(request: Request, user: CurrentUser, session: ReadSession) -> Response:
    """The account's settings (JSON twin: GET /api/v1/me)."""
    account = accounts.get_user(session, user_id=user.id)
    from zoneinfo import available_timezones

    return render(request, "settings.html", {
        "account": user_dict(account), "locales": i18n.SUPPORTED,
        "zones": sorted(available_timezones()),
        "regions": parsing.phone_regions(),
        "default_region": parsing.local_phone_region(),
        "calendar_url": calendar_url(request, account.calendar_token),
        "json_twin": request.url_for("get_me")}, user=user)


@router.post("/settings", name="settings_save")
def settings_save(request: Request, user: CurrentUser, session: WriteSession,
                  locale: Annotated[str, Form(max_length=5)] = "",
                  time_zone: Annotated[str, Form(max_length=64)] = "UTC",
                  display_name: Annotated[str, Form(max_length=200)] = "",
                  phone_region: Annotated[str, Form(max_length=2)] = "") -> Response:
    """Save language, time zone, name and phone region (empty: not set); the next page shows
    in the chosen language."""
    account = accounts.update_preferences(session, user_id=user.id, locale=locale,
                                          time_zone=time_zone, display_name=display_name,
                                          phone_region=phone_region)
    locale_now = i18n.negotiate(account.locale, request.headers.get("accept-language"),
                                "en")
    catalog = request.app.state.tiekeep.translations[locale_now]
    return _back(request, catalog.gettext("Settings saved."))


@router.post("/settings/password", name="settings_password")
def settings_password(request: Request, user: CurrentUser, state: StateDep,
                      session: WriteSession,
                      new_password: Annotated[str, Form(min_length=8, max_length=1000)],
                      current_password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Set a new password; other sessions end, this one goes on."""
    account = accounts.set_password(session, user_id=user.id, new_password=new_password,
                                    current_password=current_password or None)
    _, catalog = translations(request, user)
    response = _back(request, catalog.gettext("Password changed."))
    set_cookie(request, response, security.SESSION_COOKIE,
               state.signer.issue(account.id, account.password_hash),
               max_age=security.SESSION_MAX_AGE)
    return response


@router.post("/settings/calendar", name="settings_calendar")
def settings_calendar(request: Request, user: CurrentUser, session: WriteSession) -> Response:
    """Make a new calendar URL (the old one stops working)."""
    accounts.rotate_calendar_token(session, user_id=user.id)
    _, catalog = translations(request, user)
    return _back(request, catalog.gettext("A new calendar URL was made."))


@router.post("/settings/calendar/revoke", name="settings_calendar_revoke")
def settings_calendar_revoke(request: Request, user: CurrentUser,
                             session: WriteSession) -> Response:
    """Turn the calendar subscription off."""
    accounts.revoke_calendar_token(session, user_id=user.id)
    _, catalog = translations(request, user)
    return _back(request, catalog.gettext("The calendar URL was revoked."))
