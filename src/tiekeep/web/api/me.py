"""/api/v1/me: the account of the caller: preferences, password and calendar URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tiekeep.core.models import User
from tiekeep.services import accounts
from tiekeep.web import schemas
from tiekeep.web.deps import CurrentUser, ReadSession, WriteSession

router = APIRouter(prefix="/me", tags=["account"])


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username,
            "display_name": user.display_name or user.username, "locale": user.locale or "",
            "time_zone": user.time_zone, "phone_region": user.phone_region,
            "has_password": bool(user.password_hash)}


def calendar_url(request: Request, token: str | None) -> str | None:
    """The subscription URL of a calendar token (None when it is off)."""
    if not token:
        return None
    return str(request.url_for("calendar_feed", token=token))


@router.get("", response_model=schemas.UserPublic)
def get_me(user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """Who you are, and your preferences."""
    return user_dict(accounts.get_user(session, user_id=user.id))


@router.patch("", response_model=schemas.UserPublic)
def update_me(body: schemas.PreferencesUpdate, user: CurrentUser,
              session: WriteSession) -> dict[str, Any]:
    """Change language ('' follows the browser), time zone, shown name or phone region
    ('' unsets it)."""
    return user_dict(accounts.update_preferences(
        session, user_id=user.id, locale=body.locale, time_zone=body.time_zone,
        display_name=body.display_name, phone_region=body.phone_region))


@router.put("/password", status_code=204)
def change_password(body: schemas.PasswordChange, user: CurrentUser,
                    session: WriteSession) -> None:
    """Set a new password (give the current one if you have one); every session ends."""
    accounts.set_password(session, user_id=user.id, new_password=body.new_password,
                          current_password=body.current_password)


@router.get("/calendar", response_model=schemas.CalendarPublic)
def get_calendar(request: Request, user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """The secret calendar subscription URL, or null when it is off."""
    return {"url": calendar_url(request, accounts.get_user(session,
                                                           user_id=user.id).calendar_token)}


@router.post("/calendar", response_model=schemas.CalendarPublic)
def rotate_calendar(request: Request, user: CurrentUser,
                    session: WriteSession) -> dict[str, Any]:
    """Make a new calendar URL; the old one stops working."""
    return {"url": calendar_url(request, accounts.rotate_calendar_token(session,
                                                                        user_id=user.id))}


@router.delete("/calendar", response_model=schemas.CalendarPublic)
def revoke_calendar(user: CurrentUser, session: WriteSession) -> dict[str, Any]:
    """Turn the calendar subscription off."""
    accounts.revoke_calendar_token(session, user_id=user.id)
    return {"url": None}
