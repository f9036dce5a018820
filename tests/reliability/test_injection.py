"""Input limits and injection: markup stays text in the browser, CSV exports cannot run
formulas, no module builds SQL from strings, and oversized input gets a clear error (413 or
422 with a JSON message on the API; exit code 2 and one line in the CLI)."""

from __future__ import annotations

import ast
import csv
import io
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cli_helpers import run
from tests.reliability.support import ROOT, record_figure, server
from tiekeep.core.db import Database
from tiekeep.core.schema import open_database
from tiekeep.services import contacts, followups, interactions, plans, users
from tiekeep.settings import load_settings

SRC = ROOT / "src" / "tiekeep"
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = {
    "name": 'Eve <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>',
    "notes": "<script>window.__xss=3</script><b>bold?</b>",
    "summary": "<iframe src=javascript:window.__xss=4></iframe>",
    "topic": "<svg onload=window.__xss=5>",
    "org": "</td><script>window.__xss=6</script>",
    "followup": "<a href=javascript:window.__xss=7>click</a>",
    "plan": "{{ 7*7 }} {% raw %}<script>window.__xss=8</script>",
    "value": "<style>body{display:none}</style>",
}
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]


def _hostile_account(db: Database, password: str | None = None) -> tuple[int, int, str]:
    """A user whose data is all markup; returns (owner id, contact id, API token)."""
    with db.transaction() as session:
        user = users.create(session, username="alice", password=password)
        token = users.create_token(session, owner_id=user.id, name="tests")
        contact = contacts.create(session, owner_id=user.id, data=contacts.ContactCreate(
            name=HOSTILE["name"], organization=HOSTILE["org"], personal_notes=HOSTILE["notes"],
            how_met=HOSTILE["summary"], tags=["<b>tag</b>"], interests=[HOSTILE["topic"]]))
        interactions.log(session, owner_id=user.id, data=interactions.InteractionCreate(
            participant_ids=[contact.id], occurred_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
            format="lunch", topics=[HOSTILE["topic"]], summary=HOSTILE["summary"],
            notes=HOSTILE["notes"], gave=[("information", HOSTILE["value"])]))
        followups.create(session, owner_id=user.id, contact_id=contact.id,
                         text=HOSTILE["followup"])
        plans.add(session, owner_id=user.id, contact_id=contact.id, kind="topic",
                  text=HOSTILE["plan"])
        return user.id, contact.id, token


# --- the browser ------------------------------------------------------------------------------


def _browser_available() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs the browser tests, but /usr/bin/chromium is missing")
        pytest.skip("no /usr/bin/chromium")


@pytest.fixture
def hostile_server(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, int]]:
    path = tmp_path / "xss.db"
    shutil.copy(sqlite_template, path)
    database = open_database(str(path))
    try:
        _, contact_id, _ = _hostile_account(database, password="correct horse battery")
    finally:
        database.dispose()
    with server(str(path)) as base:
        yield base, contact_id


@pytest.mark.browser
@pytest.mark.slow
def test_markup_in_notes_and_names_shows_as_text_in_the_browser(
        hostile_server: tuple[str, int]) -> None:
    _browser_available()
    from playwright.sync_api import sync_playwright

    base, contact_id = hostile_server
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(base + "/login")
            page.fill("#username", "alice")
            page.fill("#password", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            checked = 0
            for path in ("/", "/contacts", f"/contacts/{contact_id}", "/contacts?q=Eve",
                         "/log"):
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                page.wait_for_load_state("networkidle")
                assert page.evaluate("window.__xss") is None, path
                assert page.locator("img[src='x'], iframe, svg[onload], "
                                    "a[href^='javascript']").count() == 0, path
                scripts = page.evaluate(
                    "[...document.scripts].map(s => s.src || s.textContent).join(' ')")
                assert "__xss" not in scripts, path
                checked += 1
            # Live search replaces the rows with the server's HTML (innerHTML): still text.
            page.goto(base + "/contacts")
            search = page.locator("form[data-live] input[name=q]")
            if search.count():
                search.fill("Eve")
                page.wait_for_timeout(600)
                assert page.evaluate("window.__xss") is None
            page.goto(base + f"/contacts/{contact_id}")
            text = page.inner_text("body")
            for key in ("notes", "summary", "followup"):
                assert HOSTILE[key] in text, f"{key} is not shown as text"
            assert "<img src=x" in text and "<script>window.__xss=2</script>" in text
        finally:
            browser.close()
    assert dialogs == []
    record_figure("injection", "pages checked in the browser", checked)


# --- CSV exports --------------------------------------------------------------------------------


def _formula_contacts(db: Database) -> int:
    with db.transaction() as session:
        owner = users.create(session, username="alice")
        for n, formula in enumerate(FORMULAS):
            contacts.create(session, owner_id=owner.id, data=contacts.ContactCreate(
                name=f"{formula} {n}" if formula[0] in "\t\r" else formula,
                organization=formula, title=formula, personal_notes=formula,
                how_met=formula, location=formula, tags=[f"t{n}"],
                phones=["+1 415 555 0100"], emails=[f"f{n}@example.org"]))
        return owner.id


def _assert_formula_safe(text: str) -> int:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    neutralised = [cell for cell in cells if cell[:1] == "'" and cell[1:2] in "=+-@\t\r"]
    assert len(neutralised) >= len(FORMULAS) * 5
    return len(cells)


def test_csv_export_neutralises_formulas_in_the_cli(db: Database, db_url: str,
                                                    tmp_path: Path) -> None:
    _formula_contacts(db)
    target = tmp_path / "contacts.csv"
    result = run(db_url, "export", "csv", str(target))
    assert result.exit_code == 0, result.stderr
    _assert_formula_safe(target.read_text(encoding="utf-8-sig"))


def test_csv_export_neutralises_formulas_in_the_api(db: Database) -> None:
    from tiekeep.web.app import create_app

    owner_id = _formula_contacts(db)
    with db.transaction() as session:
        token = users.create_token(session, owner_id=owner_id, name="tests")
    with TestClient(create_app(load_settings(), db),
                    headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.get("/api/v1/exports/csv")
    assert response.status_code == 200, response.text
    _assert_formula_safe(response.content.decode("utf-8-sig"))


# --- no SQL from strings ------------------------------------------------------------------------

# Where SQL is put together from pieces, and why that is safe: the pieces are dialect
# constants or names from the schema, never input. (path under src/tiekeep, function)
SQL_BUILDERS_ALLOWED = {
    ("core/search.py", "append_words"): "the id column's name, chosen by dialect",
    ("core/search.py", "remove"): "the id column's name, chosen by dialect",
    ("core/db.py", "_on_connect"): "PRAGMA busy_timeout with a module constant",
    ("core/db.py", "bulk_cache"): "PRAGMA cache_size with a module constant, then the integer "
                                  "it read back (PRAGMA takes no bound parameters)",
    ("services/demo.py", "_fix_sequences"): "table names from the ORM metadata",
}
SQL_WORDS = ("select ", "insert into", "update ", "delete from", "create table",
             "create index", "drop table", "alter table", "pragma ", " where ", "set ")
SQL_SINKS = {"text", "exec_driver_sql", "execute", "executemany", "executescript",
             "literal_column"}


def _built_string(node: ast.AST) -> bool:
    """An f-string with values, a concatenation or %-formatting, or a .format() call."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def _literal_text(node: ast.AST) -> str:
    return " ".join(n.value for n in ast.walk(node)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)).lower()


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, without those of the functions defined inside it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _sql_builders(root: Path = SRC) -> list[tuple[str, str, int, str]]:
    """(file, function, line, code) of each place that hands a built string to SQL."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [n for n in ast.walk(tree)
                         if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            assigned: dict[str, list[ast.AST]] = {}
            for node in _own_nodes(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            for node in _own_nodes(function):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = (node.func.attr if isinstance(node.func, ast.Attribute)
                        else node.func.id if isinstance(node.func, ast.Name) else "")
                if name not in SQL_SINKS:
                    continue
                argument = node.args[0]
                sources = assigned.get(argument.id, []) if isinstance(argument, ast.Name) \
                    else [argument]
                for source in sources:
                    if _built_string(source) and any(w in _literal_text(source)
                                                     for w in SQL_WORDS):
                        found.append((path.relative_to(root).as_posix(), function.name,
                                      node.lineno, ast.unparse(source)[:120]))
    return found


def test_no_module_builds_sql_from_strings() -> None:
    builders = _sql_builders()
    unexpected = [b for b in builders if (b[0], b[1]) not in SQL_BUILDERS_ALLOWED]
    assert unexpected == [], "SQL built from strings; use bound parameters"
    record_figure("injection", "modules scanned for SQL built from strings",
                  len(list(SRC.rglob("*.py"))))


def test_the_sql_scan_finds_what_it_should(tmp_path: Path) -> None:
    """The scanner itself: it sees f-strings, concatenation and .format() handed to SQL."""
    (tmp_path / "bad.py").write_text(
        "def bad(session, name):\n"
        "    session.execute(text(f\"SELECT * FROM contacts WHERE name = '{name}'\"))\n"
        "    query = 'DELETE FROM tags WHERE name = ' + name\n"
        "    session.execute(query)\n"
        "    session.exec_driver_sql('UPDATE users SET locale = {}'.format(name))\n"
        "    session.execute(text('SELECT 1 WHERE x = :name'), {'name': name})\n"
        "    print(f'select {name} from the list')\n")
    assert sorted(line for _, _, line, _ in _sql_builders(tmp_path)) == [2, 4, 5]


@pytest.mark.slow
@pytest.mark.parametrize("text", ["Robert'); DROP TABLE contacts;--", '" OR 1=1 --', "%", "_",
                                  "\\", 'NEAR("a" "b")', "a* OR b*", "^x", "-- comment",
                                  "' UNION SELECT password_hash FROM users --"])
def test_sql_metacharacters_are_just_text(db_url: str, text: str) -> None:
    added = run(db_url, "contact", "add", f"Name {text}", "--notes", text, "--json")
    assert added.exit_code == 0, added.stderr
    for query in (text, f"Name {text}"):
        found = run(db_url, "contact", "search", query, "--json")
        assert found.exit_code in (0, 2), found.stderr
        assert "Traceback" not in found.stderr
    shown = run(db_url, "contact", "show", f"Name {text}", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["name"] == " ".join(f"Name {text}".split())
    assert len(run(db_url, "contact", "list", "--json").json()) == 1


# --- limits: the API ---------------------------------------------------------------------------


@pytest.fixture
def api(db: Database) -> Iterator[TestClient]:
    from tiekeep.web.app import create_app

    with db.transaction() as session:
        user = users.create(session, username="alice")
        token = users.create_token(session, owner_id=user.id, name="tests")
    with TestClient(create_app(load_settings(), db),
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The smallest valid-looking value of a schema."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _sample(spec, options[0]) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: _sample(spec, prop) for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}))] * max(schema.get("minItems", 0), 1)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return {"date": "2026-01-05", "date-time": "2026-01-05T10:00:00+00:00"}.get(
        schema.get("format", ""), "x" * max(schema.get("minLength", 1), 1))


def _bounded_fields(spec: dict[str, Any], schema: dict[str, Any], prefix: str = "",
                    seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, int]]:
    """(dotted path, 'string' or 'array', limit) of each limited field of a request body."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return
        seen = seen | {name}
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            yield from _bounded_fields(spec, option, prefix, seen)
    if schema.get("type") == "object":
        for name, prop in schema.get("properties", {}).items():
            yield from _bounded_fields(spec, prop, f"{prefix}.{name}".lstrip("."), seen)
    elif schema.get("type") == "string" and "maxLength" in schema and prefix:
        yield prefix, "string", int(schema["maxLength"])
    elif schema.get("type") == "array" and prefix:
        if "maxItems" in schema:
            yield prefix, "array", int(schema["maxItems"])
        yield from _bounded_fields(spec, schema.get("items", {}), prefix + ".0", seen)


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a dotted path, building valid containers on the way."""
    parts = path.split(".")
    node: Any = body
    for part, following in zip(parts, parts[1:], strict=False):
        if part.isdigit():
            while len(node) <= int(part):
                node.append({})
            node = node[int(part)]
        else:
            if part not in node or not isinstance(node[part], dict | list):
                node[part] = [] if following.isdigit() else {}
            node = node[part]
    last = parts[-1]
    if last.isdigit():
        node[:] = [value]
    else:
        node[last] = value


def _oversized_requests(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """For every JSON request body of the API and each limited field in it: a body with that
    field one past its limit. (method, path, field, body)"""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            for field, kind, limit in _bounded_fields(spec, schema):
                body = _sample(spec, schema)
                if kind == "string":
                    value: Any = "y" * (limit + 1)
                else:
                    value = [_sample(spec, _item_schema(spec, schema, field))] * (limit + 1)
                _set(body, field, value)
                yield method.upper(), path, field, body


def _item_schema(spec: dict[str, Any], schema: dict[str, Any], field: str) -> dict[str, Any]:
    node = _resolve(spec, schema)
    for part in field.split("."):
        node = _resolve(spec, node)
        if "anyOf" in node:
            node = next(s for s in node["anyOf"] if s.get("type") != "null")
            node = _resolve(spec, node)
        node = node["items"] if part.isdigit() else node["properties"][part]
    node = _resolve(spec, node)
    if "anyOf" in node:
        node = next(s for s in node["anyOf"] if s.get("type") != "null")
    return _resolve(spec, node).get("items", {})


def test_every_request_field_of_the_api_has_a_limit(api: TestClient) -> None:
    """Every string and list in a request (body, query, path) declares a bound."""
    spec = api.get("/openapi.json").json()
    unbounded = []

    def visit(schema: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name in seen:
                return
            seen = seen | {name}
        schema = _resolve(spec, schema)
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                visit(option, where, seen)
        kind = schema.get("type")
        # A file (binary, contentMediaType) is bounded by the upload cap instead.
        if kind == "string" and not ({"maxLength", "enum", "const", "pattern",
                                      "contentMediaType"} & set(schema)) \
                and schema.get("format") not in ("date", "date-time", "binary"):
            unbounded.append(where)
        if kind == "array":
            if "maxItems" not in schema:
                unbounded.append(where + "[]")
            visit(schema.get("items", {}), where + "[]", seen)
        for name, prop in schema.get("properties", {}).items():
            visit(prop, f"{where}.{name}", seen)

    operations = 0
    for path, ops in spec["paths"].items():
        for method, operation in ops.items():
            operations += 1
            for content_type, content in operation.get("requestBody", {}).get(
                    "content", {}).items():
                visit(content["schema"], f"{method.upper()} {path} {content_type}", frozenset())
            for parameter in operation.get("parameters", []):
                visit(parameter["schema"], f"{method.upper()} {path} ?{parameter['name']}",
                      frozenset())
    assert unbounded == []
    assert operations > 10


def test_each_limit_of_the_api_answers_422_with_a_message(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    checked = 0
    failures = []
    for method, path, field, body in _oversized_requests(spec):
        url = path.replace("{contact_id}", "1").replace("{followup_id}", "1").replace(
            "{item_id}", "1").replace("{kind}", "csv").replace("{job_id}", "x")
        response = api.request(method, url, json=body)
        detail = response.json().get("detail") if response.headers.get(
            "content-type", "").startswith("application/json") else None
        if response.status_code != 422 or not isinstance(detail, str) \
                or field.split(".")[0] not in detail:
            failures.append((method, path, field, response.status_code, response.text[:200]))
        checked += 1
    assert failures == []
    assert checked > 20
    record_figure("limits", "API field limits checked (422 with a message)", checked)


def test_a_request_body_over_the_cap_gets_413_json(api: TestClient) -> None:
    huge = {"name": "x", "personal_notes": "y" * (3 * 1024 * 1024)}
    response = api.post("/api/v1/contacts", json=huge)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_an_upload_over_the_cap_gets_413_json(db: Database,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tiekeep.web.app import create_app

    monkeypatch.setenv("TIEKEEP_WEB_MAX_UPLOAD_MB", "1")
    with db.transaction() as session:
        user = users.create(session, username="alice")
        token = users.create_token(session, owner_id=user.id, name="tests")
    with TestClient(create_app(load_settings(), db),
                    headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post("/api/v1/imports", data={"kind": "vcard"},
                               files={"file": ("big.vcf", b"B" * (1024 * 1024 + 10),
                                               "text/vcard")})
    assert response.status_code == 413, response.text
    assert "web.max_upload_mb" in response.json()["detail"]


# --- limits: the CLI ---------------------------------------------------------------------------

HUGE = "z" * 100_001
CLI_FIELDS: list[tuple[str, list[str]]] = [
    ("contact add NAME", ["contact", "add", HUGE]),
    ("contact add --org", ["contact", "add", "Anna", "--org", HUGE]),
    ("contact add --dept", ["contact", "add", "Anna", "--dept", HUGE]),
    ("contact add --title", ["contact", "add", "Anna", "--title", HUGE]),
    ("contact add --location", ["contact", "add", "Anna", "--location", HUGE]),
    ("contact add --how-met", ["contact", "add", "Anna", "--how-met", HUGE]),
    ("contact add --interest", ["contact", "add", "Anna", "--interest", HUGE]),
    ("contact add --notes", ["contact", "add", "Anna", "--notes", HUGE]),
    ("contact add --tag", ["contact", "add", "Anna", "--tag", HUGE]),
    ("contact add --email", ["contact", "add", "Anna", "--email", HUGE + "@example.org"]),
    ("contact edit --name", ["contact", "edit", "1", "--name", HUGE]),
    ("contact edit --location", ["contact", "edit", "1", "--location", HUGE]),
    ("contact edit --interest", ["contact", "edit", "1", "--interest", HUGE]),
    ("contact edit --goals", ["contact", "edit", "1", "--goals", HUGE]),
    ("contact edit --notes", ["contact", "edit", "1", "--notes", HUGE]),
    ("contact edit --alias", ["contact", "edit", "1", "--alias", HUGE]),
    ("log --notes", ["log", "--with", "1", "--notes", HUGE]),
    ("log --summary", ["log", "--with", "1", "--summary", HUGE]),
    ("log --topic", ["log", "--with", "1", "--topic", HUGE]),
    ("log --next", ["log", "--with", "1", "--next", HUGE]),
    ("log --gave", ["log", "--with", "1", "--gave", "information:" + HUGE]),
    ("log TEXT", ["log", "lunch with Zed Zedson about " + HUGE, "--yes"]),
    ("role --title", ["role", "1", "--title", HUGE]),
    ("role --org", ["role", "1", "--org", HUGE]),
    ("value add SPEC", ["value", "add", "1", "given", "information:" + HUGE]),
    ("followup add TEXT", ["followup", "add", "1", HUGE]),
    ("plan add TEXT", ["plan", "add", "1", HUGE]),
    ("resource add --title", ["resource", "add", "https://example.org/a", "--title", HUGE]),
    ("resource add --notes", ["resource", "add", "https://example.org/b", "--notes", HUGE]),
    ("resource add URL", ["resource", "add", "https://example.org/" + HUGE]),
    ("user add --display-name", ["user", "add", "bob", "--display-name", HUGE]),
    ("token create NAME", ["token", "create", HUGE]),
    ("goal add DESCRIPTION", ["goal", "add", HUGE, "--metric", "size.total",
                              "--target", "10"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("label", "args"), CLI_FIELDS,
                         ids=[label for label, _ in CLI_FIELDS])
def test_each_cli_text_field_has_a_limit_with_one_clear_line(db: Database, db_url: str,
                                                            label: str,
                                                            args: list[str]) -> None:
    from tests.reliability.support import canonical_dump

    with db.transaction() as session:
        owner = users.create(session, username="alice")
        contacts.create(session, owner_id=owner.id, data=contacts.ContactCreate(name="Anna"))
    before = canonical_dump(db_url)
    result = run(db_url, *args, input="\n")
    assert result.exit_code == 2, f"{label}: exit {result.exit_code}, stored a 100 kB value"
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert len(result.stderr) < 400, "the message repeats the value"
    assert canonical_dump(db_url) == before
