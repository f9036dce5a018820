"""The mail digest: the agenda as one mail (plain text and HTML), once per period.

The period is the day (``digest.schedule = "daily"``, key ``2026-11-25``) or the ISO week
(``"weekly"``, key ``2026-W48``). A ``Notification`` row per period counts the attempts and
keeps the last error; it is marked sent only once the SMTP server accepted the mail, so a
failed digest goes out on the next run of the same period. A period already sent is not
sent again; an empty agenda sends nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiekeep.core.models import Notification, utcnow
from tiekeep.errors import InvalidInput
from tiekeep.services import agenda, agenda_text, parsing

KIND = "digest"
SCHEDULES = ("daily", "weekly")
DIGEST_LIMIT = 30


@dataclass
class Digest:
    """One rendered digest."""

    period_key: str
    subject: str
    text: str
    html: str
    items: list[agenda.AgendaItem]

    def message(self, *, sender: str, to: str) -> EmailMessage:
        """The mail: plain text with an HTML alternative."""
        message = EmailMessage()
        message["Subject"] = self.subject
        message["From"] = sender
        message["To"] = to
        message["Date"] = formatdate(localtime=False)
        domain = sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(idstring=f"digest-{self.period_key}", domain=domain)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


def period_key(schedule: str, today: date) -> str:
    """The period a digest sent today belongs to."""
    if schedule == "daily":
        return today.isoformat()
    if schedule == "weekly":
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}"
    raise InvalidInput(f"digest.schedule must be daily or weekly, not '{schedule}'")


def recipient(settings: Any) -> str:
    """digest.to, else the first of me.emails."""
    to = str(settings["digest.to"] or "").strip()
    if not to:
        if not settings.my_emails:
            raise InvalidInput("say where the digest goes: set digest.to or me.emails")
        to = settings.my_emails[0]
    return parsing.email(to)


def prepare(session: Session, *, owner_id: int, today: date, config: agenda.AgendaConfig,
            schedule: str = "daily", limit: int = DIGEST_LIMIT) -> Digest:
    """Build and render the digest of today's agenda."""
    key = period_key(schedule, today)
    items = agenda.build(session, owner_id=owner_id, today=today, config=config, limit=limit)
    return render(items, today=today, period=key, schedule=schedule, locale=config.locale)


def sent_at(session: Session, *, owner_id: int, period: str) -> Notification | None:
    """The notification of a digest already sent for this period, if any."""
    return session.scalar(select(Notification).where(
        Notification.owner_id == owner_id, Notification.kind == KIND,
        Notification.period_key == period, Notification.sent_at.is_not(None)))


def record_attempt(session: Session, *, owner_id: int, period: str,
                   error: str | None) -> Notification:
    """Count one attempt to send the period's digest; mark it sent if there was no error."""
    row = session.scalar(select(Notification).where(
        Notification.owner_id == owner_id, Notification.kind == KIND,
        Notification.period_key == period).order_by(Notification.id).limit(1))
    if row is None:
        row = Notification(owner_id=owner_id, kind=KIND, period_key=period, attempts=0)
        session.add(row)
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error
    if error is None:
        row.sent_at = utcnow()
    session.flush()
    return row


# --- rendering ---------------------------------------------------------------------------

_WORDS = {
    "en": {"daily": "today", "weekly": "this week", "title": "Your agenda for {day}",
           "subject": "tiekeep: {n} to reach {when} ({day})", "talk": "Talk about",
           "footer": "Run `tiekeep today` for the full agenda.", "share": "share"},
    "ru": {"daily": "сегодня", "weekly": "на этой неделе", "title": "Ваш план на {day}",
           "subject": "tiekeep: {n} — связаться {when} ({day})", "talk": "О чём поговорить",
           "footer": "Полный список: `tiekeep today`.", "share": "поделиться"},
}


def render(items: list[agenda.AgendaItem], *, today: date, period: str, schedule: str,
           locale: str = "en") -> Digest:
    """The digest as plain text and HTML."""
    words = _WORDS.get(locale, _WORDS["en"])
    day = agenda_text.day_label(today, locale) + f" {today.year}"
    subject = words["subject"].format(n=len(items), when=words[schedule], day=day)
    title = words["title"].format(day=day)
    lines = [title, ""]
    rows = []
    for number, item in enumerate(items, start=1):
        talk = [_suggestion(s, words["share"]) for s in item.suggestions[:4]]
        lines.append(f"{number:2d}. {item.contact_name} — {item.reason}")
        if talk:
            lines.append(f"    {words['talk']}: " + "; ".join(talk))
        rows.append(
            "<tr><td style=\"padding:4px 8px;vertical-align:top\">"
            f"{number}</td><td style=\"padding:4px 8px;vertical-align:top\">"
            f"<strong>{html.escape(item.contact_name)}</strong></td>"
            f"<td style=\"padding:4px 8px\">{html.escape(item.reason)}"
            + (f"<br><small>{html.escape(words['talk'])}: "
               f"{html.escape('; '.join(talk))}</small>" if talk else "")
            + "</td></tr>")
    lines += ["", words["footer"]]
    body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(subject)}"
            f"</title></head><body style=\"font-family:sans-serif\"><h2>{html.escape(title)}"
            f"</h2><table>{''.join(rows)}</table><p><small>{html.escape(words['footer'])}"
            "</small></p></body></html>")
    return Digest(period_key=period, subject=subject, text="\n".join(lines) + "\n", html=body,
                  items=items)


def _suggestion(suggestion: dict[str, Any], share: str) -> str:
    if suggestion["kind"] == "resource":
        url = f" <{suggestion['url']}>" if suggestion.get("url") else ""
        return f"{share} “{suggestion['text']}”{url}"
    return str(suggestion["text"])
