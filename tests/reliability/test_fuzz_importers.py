"""Importer fuzzing: every importer gets generated and mutated files (truncated, re-encoded,
with huge fields, binary junk, shuffled lines, and wrong JSON values), through the importing
service inside one transaction as `tiekeep import` runs it.

The result is an import, or a TiekeepError (one clear line for the user): never another
exception, which would be a traceback. A failed import leaves the database exactly as it was
before (every table compared, row by row), even when it had written batches already.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS
from tests.reliability.support import (
    ROOT,
    Dump,
    canonical_dump,
    dump_difference,
    record_figure,
)
from tiekeep.adapters.registry import IMPORTERS
from tiekeep.core.db import Database
from tiekeep.errors import TiekeepError
from tiekeep.services import users

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "30"))
# Inputs that crashed an importer are kept here (git ignores it) to reproduce the failure.
ARTIFACTS = ROOT / "test-artifacts" / "fuzz-importers"
MY_EMAIL = "me@example.com"
Seed = tuple[str, bytes]  # (file name, content)
Draw = Callable[[st.SearchStrategy[Any]], Any]


# --- seeds: real files of each kind -------------------------------------------------------------


def _corpus(pattern: str, limit: int = 12) -> list[Seed]:
    files = sorted(p for p in CORPUS.glob(pattern) if p.is_file())
    # Small files first: they parse fast, so more mutations are tried per second.
    return [(p.name, p.read_bytes()) for p in sorted(files, key=lambda p: p.stat().st_size)
            [:limit]]


def _zipped(folder: Path, name: str) -> Seed:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return name, buffer.getvalue()


def _backup_seed(tmp: Path) -> Seed:
    """A tiekeep JSON backup of a small account with a bit of everything."""
    from tests.factories import contact, interaction
    from tiekeep.core.schema import open_database
    from tiekeep.services import contacts, followups, importing, plans

    database = open_database(str(tmp / "backup-source.db"))
    try:
        with database.transaction() as session:
            owner = users.create(session, username="source")
            anna = contact(session, owner.id, "Anna Petrova", emails=["anna@example.org"],
                           organization="Acme", title="CTO", tags=["key"], birthday=None)
            boris = contact(session, owner.id, "Борис Иванов", phones=["+7 916 123 45 67"])
            interaction(session, owner.id, [anna, boris], "2025-03-04 10:00", format="lunch",
                        topics=["roadmap"], notes="notes", gave=[("information", "deck")],
                        next_steps=[("send it", None)])
            followups.create(session, owner_id=owner.id, contact_id=anna.id, text="call")
            plans.add(session, owner_id=owner.id, contact_id=boris.id, kind="topic",
                      text="the move")
            contacts.link(session, owner_id=owner.id, a_id=anna.id, b_id=boris.id)
            target = tmp / "backup.json"
            importing.export(session, owner_id=owner.id, kind="json", path=target)
        return "backup.json", target.read_bytes()
    finally:
        database.dispose()


def _mbox() -> Seed:
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    lines = []
    for n in range(6):
        sent = start + timedelta(hours=n)
        lines += [f"From someone@example.org {sent:%a %b %d %H:%M:%S %Y}",
                  f"From: {'Me <' + MY_EMAIL + '>' if n % 2 else 'Anna <anna@example.org>'}",
                  f"To: {'Anna <anna@example.org>' if n % 2 else 'Me <' + MY_EMAIL + '>'}",
                  f"Subject: =?utf-8?b?0J/RgNC40LLQtdGC?= {n}",
                  f"Date: {sent:%a, %d %b %Y %H:%M:%S +0000}",
                  f"Message-ID: <m{n}@example.org>", "", f"Body {n}", ""]
    return "generated.mbox", "\n".join(lines).encode()


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Seed]]:
    """Seed files per importer: the shared corpus, and files written here."""
    tmp = tmp_path_factory.mktemp("fuzz-seeds")
    slack = CORPUS / "slack"
    return {
        "vcard": _corpus("vcard/**/*.vcf"),
        "csv": _corpus("csv/roundcube/*.csv") + _corpus("csv/thunderbird/*.csv"),
        "linkedin": _corpus("csv/linkedin/*.csv"),
        "ical": _corpus("ical/**/*.ics"),
        "mail": _corpus("mail/**/*.eml", 8) + _corpus("mail/**/*.mbox", 3) + [_mbox()],
        "slack": [_zipped(slack / "slack-export-viewer-testarchive", "slack.zip"),
                  _zipped(slack / "teams-zulip-fixture" / "TeamsDataExport", "teams.zip")],
        "json": [_backup_seed(tmp)],
    }


# --- mutations ------------------------------------------------------------------------------------

TOKENS = [b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"\r", b"\n", b"\r\n", b'"', b",",
          b";", b":", b"=", b"\\", b"BEGIN:VCARD\r\n", b"END:VEVENT\r\n", b"From \n", b"{",
          b"]", b"null", b"\xef\xbb\xbf", b"=?utf-8?b?\xff?=", b"\t", b"<", b"&#0;"]
ENCODINGS = ["utf-16", "utf-16-be", "utf-32", "cp1251", "latin-1", "shift_jis", "koi8-r",
             "utf-8-sig", "ascii"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats()
    | st.text(max_size=20) | st.just("A" * 70_000) | st.just("2025-02-30T25:61:00"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6)


def _truncate(draw: Draw, data: bytes) -> bytes:
    return data[:draw(st.integers(0, len(data)))]


def _flip(draw: Draw, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(out) - 1))
        out[position] ^= draw(st.integers(1, 255))
    return bytes(out)


def _insert(draw: Draw, data: bytes) -> bytes:
    position = draw(st.integers(0, len(data)))
    junk = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=64))
    return data[:position] + junk * draw(st.integers(1, 3)) + data[position:]


def _huge(draw: Draw, data: bytes) -> bytes:
    """A field far past any limit: a long run inside a line, or a line of its own."""
    position = draw(st.integers(0, len(data)))
    size = draw(st.sampled_from([25_000, 70_000, 300_000, 1_200_000]))
    filler = draw(st.sampled_from([b"A", b"\xd0\x96", b"a@b.c,", b" ", b"=20"]))
    return data[:position] + filler * (size // len(filler)) + data[position:]


def _reencode(draw: Draw, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


def _lines(draw: Draw, data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data
    a = draw(st.integers(0, len(lines) - 1))
    b = draw(st.integers(0, len(lines) - 1))
    operation = draw(st.sampled_from(["drop", "duplicate", "swap", "reverse"]))
    if operation == "drop":
        del lines[a]
    elif operation == "duplicate":
        lines.insert(b, lines[a])
    elif operation == "swap":
        lines[a], lines[b] = lines[b], lines[a]
    else:
        lines[min(a, b):max(a, b)] = lines[min(a, b):max(a, b)][::-1]
    return b"".join(lines)


def _newlines(draw: Draw, data: bytes) -> bytes:
    old, new = draw(st.sampled_from([(b"\r\n", b"\n"), (b"\n", b"\r\n"), (b"\n", b"\r"),
                                     (b"\n", b"\n\n")]))
    return data.replace(old, new)


def _walk(value: Any, draw: Draw) -> Any:
    """Replace one value somewhere inside a JSON document."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        if draw(st.integers(0, 4)) == 0:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _walk(value[key], draw)}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _walk(value[index], draw), *value[index + 1:]]
    return draw(JSON_VALUES)


def _json_value(draw: Draw, data: bytes) -> bytes:
    """Wrong types and values in valid JSON: whole documents or JSON lines."""
    try:
        document = json.loads(data)
        return json.dumps(_walk(document, draw)).encode()
    except ValueError:
        pass
    lines = data.split(b"\n")
    index = draw(st.integers(0, max(len(lines) - 1, 0)))
    try:
        lines[index] = json.dumps(_walk(json.loads(lines[index]), draw)).encode()
    except (ValueError, IndexError):
        return data
    return b"\n".join(lines)


MUTATIONS = [_truncate, _flip, _insert, _huge, _reencode, _lines, _newlines, _json_value]


def _mutate_member(draw: Draw, data: bytes) -> bytes:
    """Mutate one file inside a zip, and zip it again."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in source.namelist() if not n.endswith("/")]
    chosen = draw(st.sampled_from(names))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            content = source.read(name)
            if name == chosen:
                for _ in range(draw(st.integers(1, 2))):
                    content = draw(st.sampled_from(MUTATIONS))(draw, content)
            archive.writestr(name, content)
    return buffer.getvalue()


@st.composite
def inputs(draw: Draw, seeds: list[Seed]) -> Seed:
    """A seed file, mutated one to three times; now and then pure junk."""
    name, data = draw(st.sampled_from(seeds))
    choice = draw(st.integers(0, 19))
    if choice == 0:
        return name, draw(st.binary(max_size=2048))
    if choice == 1:
        return name, draw(st.text(max_size=500)).encode("utf-8", "surrogatepass")
    if name.endswith(".zip") and choice < 12:
        return name, _mutate_member(draw, data)
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return name, data


# --- the property -------------------------------------------------------------------------------


def _importer_available(kind: str) -> None:
    try:
        IMPORTERS[kind].load()
    except (ImportError, AttributeError, KeyError):
        pytest.skip(f"the {kind} importer has not landed yet")


def _keep(kind: str, name: str, data: bytes) -> None:
    """Save an input that crashed an importer, named by its content."""
    import hashlib

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    (ARTIFACTS / f"{kind}-{digest}-{name}").write_bytes(data)


def _owner_for(kind: str, db: Database, owner_id: int, numbers: Iterator[int]) -> int:
    """The JSON backup restores into an empty account only: a fresh user each time."""
    if kind != "json":
        return owner_id
    with db.transaction() as session:
        return users.create(session, username=f"restore{next(numbers)}").id


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_importers_never_crash_and_never_write_part_of_a_file(
        kind: str, db: Database, db_url: str, owner_id: int,
        seeds: dict[str, list[Seed]], tmp_path: Path) -> None:
    from tiekeep.services import importing

    _importer_available(kind)
    assert seeds[kind], f"no seed files for {kind}"
    examples = EXAMPLES if db.dialect == "sqlite" else max(EXAMPLES // 3, 5)
    numbers = count()
    outcomes = {"imported": 0, "rejected": 0}

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(case=inputs(seeds[kind]), strict=st.booleans())
    def check(case: Seed, strict: bool) -> None:
        name, data = case
        folder = tmp_path / f"case{next(numbers)}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        owner = _owner_for(kind, db, owner_id, numbers)
        note(f"{name}, {len(data)} bytes, strict={strict}: {data[:200]!r}")
        before: Dump = canonical_dump(db_url)
        try:
            with db.transaction() as session:
                importing.run(session, owner_id=owner, kind=kind, path=path, strict=strict,
                              options={"my_emails": [MY_EMAIL]})
        except TiekeepError as exc:
            assert exc.message and "\n" not in exc.message.strip(), exc.message
            after = canonical_dump(db_url)
            assert after == before, "a failed import left writes behind:\n" + dump_difference(
                before, after)
            outcomes["rejected"] += 1
        except Exception:
            _keep(kind, name, data)
            raise
        else:
            outcomes["imported"] += 1

    check()
    record_figure("fuzz importers", kind, outcomes["imported"] + outcomes["rejected"])
