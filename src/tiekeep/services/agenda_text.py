"""The human reason of each agenda item, in English or Russian (``me.locale``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiekeep.services.agenda import AgendaItem

TIERS = {
    "en": {"key": "key tie", "regular": "regular tie", "supporting": "supporting tie",
           "dormant": "dormant tie"},
    "ru": {"key": "ключевая связь", "regular": "регулярная связь",
           "supporting": "поддерживающая связь", "dormant": "спящая связь"},
}
MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian form of a noun after the number n (1 день, 2 дня, 5 дней)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def days(n: int, locale: str) -> str:
    """"5 days" / "5 дней"."""
    if locale == "ru":
        return f"{n} {plural_ru(n, 'день', 'дня', 'дней')}"
    return f"{n} day" if n == 1 else f"{n} days"


def years(n: int, locale: str) -> str:
    if locale == "ru":
        return f"{n} {plural_ru(n, 'год', 'года', 'лет')}"
    return f"{n} year" if n == 1 else f"{n} years"


def day_label(day: date, locale: str) -> str:
    """"Sat 28 Nov" / "28 ноября"."""
    if locale == "ru":
        return f"{day.day} {MONTHS_RU[day.month - 1]}"
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"


def when(days_until: int, day: date, locale: str) -> str:
    """"today", "tomorrow", "in 3 days (Sat 28 Nov)"."""
    if locale == "ru":
        if days_until == 0:
            return "сегодня"
        if days_until == 1:
            return "завтра"
        return f"через {days(days_until, locale)} ({day_label(day, locale)})"
    if days_until == 0:
        return "today"
    if days_until == 1:
        return "tomorrow"
    return f"in {days(days_until, locale)} ({day_label(day, locale)})"


def role_text(details: dict[str, Any]) -> str:
    """"CTO · Engineering · Globex"."""
    parts = [details.get("title"), details.get("department"), details.get("organization")]
    return " · ".join(p for p in parts if p) or "—"


def reason(item: AgendaItem, locale: str = "en") -> str:
    """One line saying why the item is on the agenda."""
    ru = locale == "ru"
    d = item.details
    if item.kind == "overdue":
        tier = TIERS["ru" if ru else "en"].get(item.tier, item.tier)
        if ru:
            text = (f"Нет контакта с момента добавления, {days(d['days_since'], locale)}"
                    if d["never_met"] else
                    f"Последний контакт {days(d['days_since'], locale)} назад")
            text += f"; {tier}, раз в {days(d['cadence'], locale)}"
            if item.urgent:
                text += f" — дольше максимума в {days(d['cadence_max'], locale)}"
        else:
            text = (f"No contact since added {days(d['days_since'], locale)} ago"
                    if d["never_met"] else
                    f"Last contact {days(d['days_since'], locale)} ago")
            text += f"; {tier}, every {days(d['cadence'], locale)}"
            if item.urgent:
                text += f" — past the {d['cadence_max']}-day maximum"
        if d.get("last_contact") and d["last_contact"] != d.get("last_qualifying"):
            text += (" (с тех пор только большие встречи или рассылки)" if ru else
                     " (since then only large meetings, mass mails or posts)")
        return text
    if item.kind == "followup":
        late = d["days_late"]
        if ru:
            status = "сегодня" if late == 0 else f"просрочено на {days(late, locale)}"
            return f"Следующий шаг ({status}): {d['text']}"
        status = "due today" if late == 0 else f"{days(late, locale)} late"
        return f"Follow-up {status}: {d['text']}"
    if item.kind == "date":
        assert item.due is not None
        at = when(d["days_until"], item.due, locale)
        what = d["date_kind"]
        if what == "birthday":
            age = d.get("age")
            if ru:
                return f"День рождения {at}" + (f" — исполняется {years(age, locale)}"
                                                 if age else "")
            return f"Birthday {at}" + (f" — turns {age}" if age else "")
        if what == "work":
            if ru:
                return (f"{years(d['years'], locale)} в роли {role_text(d)} — {at}")
            return f"{years(d['years'], locale)} in their role ({role_text(d)}) {at}"
        if ru:
            return f"{years(d['years'], locale)} со дня знакомства — {at}"
        return f"{years(d['years'], locale)} since you met, {at}"
    if item.kind == "role_change":
        since = d.get("started") or "?"
        if ru:
            return f"Новая роль: {role_text(d)} с {since} — поздравьте"
        return f"New role: {role_text(d)} since {since} — congratulate"
    if item.kind == "project_ended":
        if ru:
            return f"Проект закончился {d['project_end']} — пора напомнить о себе"
        return f"Project ended {d['project_end']} — time to follow up"
    if item.kind == "give_first":
        if ru:
            return (f"За 12 месяцев получено {d['received']}, отдано {d['given']} — "
                    "дайте первым")
        return (f"Received {d['received']}, gave {d['given']} in the last 12 months — "
                "give first")
    return item.kind
