"""The sample files the import benchmarks read, generated once into bench/data.

Each generator writes what real exporters write for its format, at any size, from a fixed
seed: the same arguments always give the same file.
"""

from __future__ import annotations

import base64
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import TODAY

NOW = datetime.fromisoformat(TODAY).replace(tzinfo=UTC)

GIVEN = ["Anna", "Ivan", "Maria", "John", "Olga", "Peter", "Elena", "Jürgen", "Анна", "Иван",
         "Мария", "Sofia", "Liam", "Noah", "Emma", "Yuki", "Chen", "Fatima", "Omar", "Lea"]
FAMILY = ["Petrova", "Smith", "Groß", "Петров", "Иванова", "Müller", "García", "Kim", "Rossi",
          "Novak", "Dubois", "Tanaka", "Nowak", "Silva", "Jensen", "Okafor", "Haddad", "Berg"]
ORGS = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vehement", "Stark", "Wayne"]
TITLES = ["Engineer", "Head of Sales", "CTO", "Product Manager", "Designer", "Analyst"]


def _person(rng: random.Random, i: int) -> dict[str, str]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return {"given": given, "family": family, "email": f"p{i}@example.org",
            "phone": f"+49 30 {rng.randrange(1000000, 9999999)}", "org": rng.choice(ORGS),
            "title": rng.choice(TITLES), "bday": f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}"
            f"-1{rng.randrange(0, 9)}", "tag": rng.choice(["friend", "work", "alumni"])}


def make_vcards(path: Path, count: int) -> None:
    """Cards like address books write them: folded notes, categories, some with photos."""
    rng = random.Random(7)
    photo = base64.b64encode(rng.randbytes(1500)).decode()
    with path.open("w", encoding="utf-8", newline="") as out:
        for i in range(count):
            p = _person(rng, i)
            lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:bench-{i}",
                     f"FN:{p['given']} {p['family']}", f"N:{p['family']};{p['given']};;;",
                     f"EMAIL;TYPE=INTERNET:{p['email']}", f"TEL;TYPE=CELL:{p['phone']}",
                     f"ORG:{p['org']};Sales", f"TITLE:{p['title']}", f"BDAY:{p['bday']}",
                     f"CATEGORIES:{p['tag']}", f"URL:https://example.org/{i}",
                     "NOTE:Met at a conference\\, talked about the roadmap and hiring plans f",
                     " or next year."]
            if i % 10 == 0:
                lines.append("PHOTO;ENCODING=b;TYPE=JPEG:" + photo[:60])
                lines += [" " + photo[j:j + 74] for j in range(60, len(photo), 74)]
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


def make_google_csv(path: Path, count: int) -> None:
    rng = random.Random(7)
    header = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title",
              "Organization Department", "Birthday", "Notes", "Labels", "E-mail 1 - Label",
              "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Website 1 - Label",
              "Website 1 - Value"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(count):
            p = _person(rng, i)
            writer.writerow([p["given"], "", p["family"], p["org"], p["title"], "Sales",
                             p["bday"], "Met at a conference", f"* myContacts ::: {p['tag']}",
                             "* Work", p["email"], "Mobile", p["phone"], "Profile",
                             f"https://www.linkedin.com/in/p{i}"])


def make_connections(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write('Notes:\n"When exporting your connection data, some emails are missing."\n\n')
        writer = csv.writer(out)
        writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company",
                         "Position", "Connected On"])
        for i in range(count):
            p = _person(rng, i)
            writer.writerow([p["given"], p["family"], f"https://www.linkedin.com/in/p{i}",
                             p["email"] if i % 3 else "", p["org"], p["title"],
                             f"{rng.randrange(1, 28):02d} Mar 2023"])


def make_calendar(path: Path, events: int) -> None:
    """A calendar of one-off meetings and weekly series with attendees, in Berlin time."""
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 8, 0)
    with path.open("w", newline="") as out:
        out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tiekeep bench//EN\r\n"
                  "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n"
                  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nDTSTART:19700329T020000\r\n"
                  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
                  "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                  "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
                  "END:STANDARD\r\nEND:VTIMEZONE\r\n")
        for i in range(events):
            begin = start + timedelta(hours=rng.randrange(0, 2 * 365 * 24))
            end = begin + timedelta(minutes=rng.choice((30, 45, 60)))
            lines = [
                "BEGIN:VEVENT", f"UID:bench-{i}@tiekeep", "DTSTAMP:20240101T000000Z",
                f"DTSTART;TZID=Europe/Berlin:{begin:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}",
                f"SUMMARY:Meeting {i} about topic {rng.randrange(500)}",
                "LOCATION:" + rng.choice(("Room 4", "https://meet.google.com/abc-defg-hij",
                                          "tel:+4930123456", "Cafe")),
                "ORGANIZER;CN=Me:mailto:me@example.com",
                "ATTENDEE;PARTSTAT=ACCEPTED;CN=Me:mailto:me@example.com",
            ]
            for person in rng.sample(range(2000), rng.randrange(1, 5)):
                lines.append(f"ATTENDEE;PARTSTAT=ACCEPTED;CN=Person {person}:"
                             f"mailto:p{person}@example.com")
            if i % 10 == 0:  # one in ten is a weekly series of ten with one exception
                lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
                skipped = begin + timedelta(weeks=3)
                lines.append(f"EXDATE;TZID=Europe/Berlin:{skipped:%Y%m%dT%H%M%S}")
            lines.append("END:VEVENT")
            out.write("\r\n".join(lines) + "\r\n")
        out.write("END:VCALENDAR\r\n")


def make_mbox(path: Path, megabytes: int) -> None:
    """An mbox of replies, mass mail and messages with base64 attachments."""
    rng = random.Random(7)
    attachment = base64.encodebytes(rng.randbytes(30_000)).decode()
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()
    target = megabytes * 1024 * 1024
    with path.open("w", newline="\n") as out:
        i = 0
        while out.tell() < target:
            sender = f"Person {i % 700} <p{i % 700}@example.com>" if i % 3 else "Me <me@x.com>"
            to = ", ".join(f"p{rng.randrange(700)}@example.com"
                           for _ in range(rng.randrange(1, 6)))
            body = " ".join(rng.choice(words) for _ in range(rng.randrange(50, 800)))
            date = NOW - timedelta(minutes=7 * i)
            out.write(f"From p{i % 700}@example.com {date:%a %b %d %H:%M:%S %Y}\n"
                      f"From: {sender}\nTo: {to}\nCc: Team <team@example.com>\n"
                      f"Subject: =?utf-8?q?Re:_=D0=9F=D0=BB=D0=B0=D0=BD_{i}?=\n"
                      f"Date: {date:%a, %d %b %Y %H:%M:%S} +0000\n"
                      f"Message-ID: <m{i}@example.com>\n"
                      f"In-Reply-To: <m{max(0, i - 1)}@example.com>\n"
                      f"References: <m0@example.com> <m{max(0, i - 1)}@example.com>\n"
                      "MIME-Version: 1.0\n")
            if i % 10 == 0:
                out.write('Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
                          "Content-Type: text/plain; charset=utf-8\n\n"
                          f"{body}\n--b1\nContent-Type: application/octet-stream\n"
                          "Content-Transfer-Encoding: base64\n\n"
                          f"{attachment}--b1--\n\n")
            else:
                out.write(f"Content-Type: text/plain; charset=utf-8\n\n{body}\n\n")
            i += 1
