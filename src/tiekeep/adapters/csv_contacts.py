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
_NO_YEAR = re.compile(r"--(\d{1,2})-(\d{1,2})")
_DATE_FORMS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%m/%d/%y", "%d/%m/%Y", "%Y/%m/%d")


class Row:
    """One record's fields, looked up by column name."""

    __slots__ = ("columns", "fields")

    def __init__(self, columns: textio.Columns, fields: list[str]) -> None:
        self.columns = columns
        self.fields = fields

    def get(self, *keys: str) -> str:
        """The first non-empty value of these columns, stripped ("" if none has one)."""
        fields = self.fields
        for position in self.columns[keys]:
            if position < len(fields) and (value := fields[position].strip()):
                return value
        return ""

    def matching(self, pattern: re.Pattern[str]) -> list[str]:
        """The non-empty values of every column whose name matches."""
        fields = self.fields
        return [v for i in self.columns.matching(pattern) if i < len(fields)
                and (v := fields[i].strip())]


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
        columns = textio.Columns(names)
        label = path.name
        count = 0
        for number, fields in rows:
            if not any(fields) or not any(f.strip() for f in fields):
                continue
            yield convert(Row(columns, fields), f"{label}, line {number}")
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


def _joined(*parts: str) -> str:
    """The parts, each with its runs of white space made one space, joined by spaces."""
    return " ".join(" ".join(parts).split())


def _says_something(text: str) -> bool:
    return any(ch.isalnum() for ch in text)  # punctuation alone is not a name


def _finish(record: ContactRecord) -> Record:
    """The record, or a SkippedRecord when it names nobody."""
    if not _says_something(record.name):
        candidates = (_joined(record.given_name or "", record.family_name or ""),
                      *record.emails[:1], *record.phones[:1], record.organization or "")
        record.name = next((c for c in candidates if _says_something(c)), "")
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
    if match := _NO_YEAR.fullmatch(value):
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
    if separator not in value:  # the common case: one value, or none
        return [value.strip()] if value.strip() else []
    return [v.strip() for v in value.split(separator) if v.strip()]


def _google(row: Row, where: str) -> Record:
    given = row.get("first name", "given name")
    family = row.get("last name", "family name")
    middle = row.get("middle name", "additional name")
    record = ContactRecord(
        name=row.get("name") or _joined(given, middle, family), where=where,
        given_name=given or None, family_name=family or None,
        organization=row.get("organization name", "organization 1 - name") or None,
        title=row.get("organization title", "organization 1 - title") or None,
        department=row.get("organization department", "organization 1 - department")
        or None,
        notes=row.get("notes") or None,
    )
    for value in row.matching(_GOOGLE_EMAIL):
        record.emails += _split(value, ":::")
    for value in row.matching(_GOOGLE_PHONE):
        record.phones += _split(value, ":::")
    for value in row.matching(_GOOGLE_SITE):
        record.urls += [("linkedin" if "linkedin.com/" in u.lower() else "website", u)
                        for u in _split(value, ":::")]
    groups = _split(row.get("labels", "group membership"), ":::")
    # Every Google contact is in "My Contacts"; that says nothing about the person.
    record.tags = [g.removeprefix("* ").strip() for g in groups
                   if g.removeprefix("* ").strip().lower() not in ("my contacts", "mycontacts")]
    city = row.get("address 1 - city")
    country = row.get("address 1 - country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    _date(row.get("birthday"), record)
    return _finish(record)


def _outlook(row: Row, where: str) -> Record:
    given, family = row.get("first name"), row.get("last name")
    record = ContactRecord(
        name=_joined(given, row.get("middle name"), family, row.get("suffix")),
        given_name=given or None, family_name=family or None, where=where,
        organization=row.get("company") or None, title=row.get("job title") or None,
        department=row.get("department") or None, notes=row.get("notes") or None,
    )
    record.emails += row.matching(_OUTLOOK_EMAIL)
    record.phones += row.matching(_OUTLOOK_PHONE)
    if site := row.get("web page"):
        record.urls.append(("linkedin" if "linkedin.com/" in site.lower() else "website", site))
    record.tags = _split(row.get("categories"), ";")
    city = row.get("business city", "home city")
    country = row.get("business country/region", "business country", "home country/region",
                   "home country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    _date(row.get("birthday"), record)
    return _finish(record)


def _thunderbird(row: Row, where: str) -> Record:
    given, family = row.get("first name"), row.get("last name")
    record = ContactRecord(
        name=row.get("display name") or _joined(given, family), where=where,
        given_name=given or None, family_name=family or None,
        emails=[e for e in (row.get("primary email"), row.get("secondary email")) if e],
        phones=[p for p in (row.get("work phone"), row.get("home phone"),
                            row.get("mobile number")) if p],
        organization=row.get("organization") or None, title=row.get("job title") or None,
        department=row.get("department") or None, notes=row.get("notes") or None,
        urls=[("linkedin" if "linkedin.com/" in u.lower() else "website", u)
              for u in (row.get("web page 1"), row.get("web page 2")) if u],
    )
    city = row.get("work city", "home city")
    country = row.get("work country", "home country")
    record.location = ", ".join(p for p in (city, country) if p) or None
    year, month, day = (row.get(k) for k in ("birth year", "birth month", "birth day"))
    if month and day:
        text = f"{year}-{month.zfill(2)}-{day.zfill(2)}" if year else f"--{month}-{day}"
        _date(text, record)
    return _finish(record)


def _tiekeep(row: Row, where: str) -> Record:
    """tiekeep's own CSV export: neutralised formula cells lose their leading quote."""
    def cell(key: str) -> str:
        value = row.get(key)
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
