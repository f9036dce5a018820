"""Contacts CSV from Google Contacts, Outlook, Thunderbird, or tiekeep's own export.

The dialect is told apart by the header; each names the same facts differently (Outlook's
"Title" is "Mr.", its job is "Job Title"; Google packs several values in one cell with
" ::: "; Thunderbird splits a birthday in three columns). One row is one contact; rows
without a name, an email or a phone are skipped, and the file is read as a stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tiekeep.adapters import textio
from tiekeep.adapters.records import ContactRecord, Record, SkippedRecord
from tiekeep.errors import ImportRejected

NO_YEAR = 1604
PROGRESS_EVERY = 500
_GOOGLE_EMAIL = re.compile(r"^e-?mail \d+ - value$")
_GOOGLE_PHONE = re.compile(r"^phone \d+ - value$")
_GOOGLE_SITE = re.compile(r"^website \d+ - value$")
_OUTLOOK_EMAIL = re.compile(r"^e-?mail(?: \d)? address$")
_OUTLOOK_PHONE = re.compile(r"^(?:primary|home|mobile|business|company main|other|car|radio|"
                            r"assistant's|callback) phone(?: \d)?$")
_DATE_FORMS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%m/%d/%y", "%d/%m/%Y", "%Y/%m/%d")



class Row:
    """One record's fields, looked up by column name through indices computed once."""

    __slots__ = ("fields", "index", "plans")

    def __init__(self, index: dict[str, int], fields: list[str],
                 plans: dict[re.Pattern[str], list[int]]) -> None:
        self.index = index
        self.fields = fields
        self.plans = plans  # the columns each pattern matches, found once per file

    def get(self, key: str) -> str:
        position = self.index.get(key)
        return self.fields[position] if position is not None and position < len(
            self.fields) else ""

    def matching(self, pattern: re.Pattern[str]) -> list[str]:
        """The non-empty values of every column whose name matches."""
        if pattern not in self.plans:
            self.plans[pattern] = [i for k, i in self.index.items() if pattern.match(k)]
        return [v for i in self.plans[pattern] if i < len(self.fields)
                and (v := self.fields[i].strip())]


def read(path: Path, *, options: Mapping[str, Any]) -> Iterator[Record]:
    """Yield one ContactRecord per row (SkippedRecords for rows that name nobody)."""
    progress = options.get("progress")
    with textio.open_lines(path) as lines:
        rows = iter(textio.CsvRows(lines, str(path)))
        header = next(rows, None)
        if header is None:
            raise ImportRejected(f"{path}: the file is empty")
        names = [h.strip().lower() for h in header[1]]
        convert = _dialect(path, names)
        index: dict[str, int] = {}
        for position, name in enumerate(names):
            index.setdefault(name, position)
        plans: dict[re.Pattern[str], list[int]] = {}
        count = 0
        for number, fields in rows:
            if not any(fields) or not any(f.strip() for f in fields):
                continue
            yield convert(Row(index, fields, plans), f"{path.name}, line {number}")
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(lines.position())


def _dialect(path: Path, names: list[str]) -> Callable[[Row, str], Record]:
    """The converter for this header, or ImportRejected naming what the file looks like."""
    have = set(names)
    if {"first name", "last name", "connected on"} <= have or (names and names[0] == "notes:") \
            or {"conversation id", "from", "date"} <= have:
        raise ImportRejected(f"{path}: line 1: this is a LinkedIn export; import it with: "
                             "tiekeep import linkedin FILE")
    if {"name", "emails", "phones"} <= have:
        return _tiekeep
    if any(_GOOGLE_EMAIL.match(n) for n in names) or "organization 1 - name" in have \
            or "organization name" in have:
        return _google
    if any(_OUTLOOK_EMAIL.match(n) for n in names) and ("job title" in have
                                                        or "business phone" in have):
        return _outlook
    if "primary email" in have or {"display name", "birth year"} <= have:
        return _thunderbird
    shown = textio.preview(",".join(names[:6]), 60)
    raise ImportRejected(f"{path}: line 1: not a Google, Outlook or Thunderbird contacts CSV "
                         f"(header: '{shown}')")


def _get(row: Row, *keys: str) -> str:
    for key in keys:
        value = row.get(key).strip()
        if value:
            return value
    return ""


def _joined(*parts: str) -> str:
    return " ".join(p for p in (" ".join(x.split()) for x in parts) if p)


def _finish(record: ContactRecord) -> Record:
    """The record, or a SkippedRecord when it names nobody."""
    candidates = [record.name, _joined(record.given_name or "", record.family_name or ""),
                  *record.emails[:1], *record.phones[:1], record.organization or ""]
    # The first that says something: punctuation alone is not a name.
    record.name = next((c for c in candidates if any(ch.isalnum() for ch in c)), "")
    if not record.name:
        return SkippedRecord(record.where, "no name, email or phone")
    record.emails = list(dict.fromkeys(record.emails))
    record.phones = list(dict.fromkeys(record.phones))
    return record


def _date(text: str, record: ContactRecord) -> None:
    """A birthday in any of the forms these exports use; --MM-DD has no year."""
    value = text.strip()
    if not value or value in ("0/0/00", "00.00.00", "0000-00-00"):
        return
    if match := re.fullmatch(r"--(\d{1,2})-(\d{1,2})", value):
        try:
            record.birthday = date(NO_YEAR, int(match.group(1)), int(match.group(2)))
            record.birthday_has_year = False
            return
        except ValueError:
            pass
    try:  # the ISO form first: it is the common one, and strptime is slow
        record.birthday = date.fromisoformat(value)
        return
    except ValueError:
        pass
    for form in _DATE_FORMS:
        try:
            record.birthday = datetime.strptime(value, form).date()
            return
        except ValueError:
            continue
    record.dropped.append(f"birthday '{value[:30]}' is not a date; left out")


def _split(value: str, separator: str) -> list[str]:
    return [v.strip() for v in value.split(separator) if v.strip()]


def _google(row: Row, where: str) -> Record:
    given = _get(row, "first name", "given name")
    family = _get(row, "last name", "family name")
    middle = _get(row, "middle name", "additional name")
    record = ContactRecord(
        name=_get(row, "name") or _joined(given, middle, family), where=where,
        given_name=given or None, family_name=family or None,
        organization=_get(row, "organization name", "organization 1 - name") or None,
        title=_get(row, "organization title", "organization 1 - title") or None,
        department=_get(row, "organization department", "organization 1 - department")
        or None,
        notes=_get(row, "notes") or None,
    )
    for value in row.matching(_GOOGLE_EMAIL):
        record.emails += _split(value, ":::")
    for value in row.matching(_GOOGLE_PHONE):
        record.phones += _split(value, ":::")
    for value in row.matching(_GOOGLE_SITE):
        record.urls += [("linkedin" if "linkedin.com/" in u.lower() else "website", u)
                        for u in _split(value, ":::")]
    groups = _split(_get(row, "labels", "group membership"), ":::")
    # Every Google contact is in "My Contacts"; that says nothing about the person.
    record.tags = [g.removeprefix("* ").strip() for g in groups
                   if g.removeprefix("* ").strip().lower() not in ("my contacts", "mycontacts")]
    city = _get(row, "address 1 - city")
    country = _get(row, "address 1 - country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    _date(_get(row, "birthday"), record)
    return _finish(record)


def _outlook(row: Row, where: str) -> Record:
    given, family = _get(row, "first name"), _get(row, "last name")
    record = ContactRecord(
        name=_joined(given, _get(row, "middle name"), family, _get(row, "suffix")),
        given_name=given or None, family_name=family or None, where=where,
        organization=_get(row, "company") or None, title=_get(row, "job title") or None,
        department=_get(row, "department") or None, notes=_get(row, "notes") or None,
    )
    record.emails += row.matching(_OUTLOOK_EMAIL)
    record.phones += row.matching(_OUTLOOK_PHONE)
    if site := _get(row, "web page"):
        record.urls.append(("linkedin" if "linkedin.com/" in site.lower() else "website", site))
    record.tags = _split(_get(row, "categories"), ";")
    city = _get(row, "business city", "home city")
    country = _get(row, "business country/region", "business country", "home country/region",
                   "home country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    _date(_get(row, "birthday"), record)
    return _finish(record)


def _thunderbird(row: Row, where: str) -> Record:
    given, family = _get(row, "first name"), _get(row, "last name")
    record = ContactRecord(
        name=_get(row, "display name") or _joined(given, family), where=where,
        given_name=given or None, family_name=family or None,
        emails=[e for e in (_get(row, "primary email"), _get(row, "secondary email")) if e],
        phones=[p for p in (_get(row, "work phone"), _get(row, "home phone"),
                            _get(row, "mobile number")) if p],
        organization=_get(row, "organization") or None, title=_get(row, "job title") or None,
        department=_get(row, "department") or None, notes=_get(row, "notes") or None,
        urls=[("linkedin" if "linkedin.com/" in u.lower() else "website", u)
              for u in (_get(row, "web page 1"), _get(row, "web page 2")) if u],
    )
    city = _get(row, "work city", "home city")
    country = _get(row, "work country", "home country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    year, month, day = (_get(row, k) for k in ("birth year", "birth month", "birth day"))
    if month and day:
        text = f"{year}-{month.zfill(2)}-{day.zfill(2)}" if year else f"--{month}-{day}"
        _date(text, record)
    return _finish(record)


def _tiekeep(row: Row, where: str) -> Record:
    """tiekeep's own CSV export: neutralised formula cells lose their leading quote."""
    def cell(key: str) -> str:
        value = _get(row, key)
        return value[1:] if value[:2] in ("'=", "'+", "'-", "'@") else value

    record = ContactRecord(
        name=cell("name"), where=where, given_name=cell("given_name") or None,
        family_name=cell("family_name") or None, emails=_split(cell("emails"), ";"),
        phones=_split(cell("phones"), ";"), organization=cell("organization") or None,
        department=cell("department") or None, title=cell("title") or None,
        location=cell("location") or None, tags=_split(cell("tags"), ";"),
        notes=cell("notes") or None, how_met=cell("how_met") or None,
        urls=[("linkedin", u) for u in _split(cell("linkedin"), ";")],
    )
    _date(cell("birthday"), record)
    if met := cell("met_on"):
        try:
            record.met_on = date.fromisoformat(met)
        except ValueError:
            record.dropped.append(f"met_on '{met[:30]}' is not a date; left out")
    return _finish(record)
