"""Browser tests: the real app under uvicorn on a loopback port, driven by Playwright in
Debian's chromium. Screenshots go to test-artifacts/.

They run wherever chromium is installed. Without /usr/bin/chromium they are skipped locally,
but fail in CI (the CI variable is set), where they must run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, Account, add_contact, make_user
from tiekeep.core.db import Database
from tiekeep.core.schema import open_database
from tiekeep.services import interactions, values
from tiekeep.settings import load_settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (set CI=1 to make this a failure)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Database]]:
    """The app served by uvicorn in a thread, on a fresh SQLite database."""
    _require_chromium()
    import uvicorn

    from tiekeep.web.app import create_app

    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    database = open_database(str(path))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(load_settings(), database),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", database
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab (English, phone-sized when the test asks); a screenshot at the end."""
    context = chromium.new_context(locale="en-US", viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def expect(locator: Any) -> Any:
    """Playwright's auto-waiting assertions (imported lazily, like the browser)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(page: Any, base: str, account: Account) -> None:
    page.goto(base + "/")
    page.get_by_label("User name").fill(account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def test_login_search_open_contact_and_log_with_two(live: tuple[str, Database],
                                                    page: Any) -> None:
    base, db = live
    alice = make_user(db, "alice")
    add_contact(db, alice, "Anna Petrova", organization="Acme", personal_notes=
                "<script>window.pwned = 1</script> likes chess")
    add_contact(db, alice, "Boris Ivanov", organization="Initech")
    add_contact(db, alice, "Carla Diaz")
    _log_in(page, base, alice)

    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Search").fill("petro")
    expect(page.locator("#contact-rows tr")).to_have_count(1)
    _shot(page, "contacts-search")
    page.get_by_role("link", name="Anna Petrova").click()
    page.wait_for_url("**/contacts/*")
    expect(page.locator("dd.notes")).to_have_text("<script>window.pwned = 1</script> likes chess")
    assert page.evaluate("window.pwned") is None

    page.get_by_role("link", name="Log an interaction").click()
    page.get_by_label("Find a contact").fill("Boris")
    page.get_by_role("option", name="Boris Ivanov · Initech").click()
    page.get_by_label("Format").select_option("coffee")
    page.get_by_label("Topics (comma-separated)").fill("hiring")
    _shot(page, "log-form")
    page.get_by_role("button", name="Log it").click()
    page.wait_for_url("**/contacts/*")
    expect(page.get_by_role("status")).to_have_text("Logged: Anna Petrova, Boris Ivanov")
    timeline = page.locator(".timeline li").first
    expect(timeline).to_contain_text("coffee")
    expect(timeline).to_contain_text("Boris Ivanov")


def _met(db: Database, owner: Account, contact_id: int, days_ago: int) -> None:
    with db.transaction() as session:
        interactions.log(session, owner_id=owner.id, data=interactions.InteractionCreate(
            participant_ids=[contact_id], format="call",
            occurred_at=datetime.now(UTC) - timedelta(days=days_ago)))


def test_agenda_item_done_leaves_the_dashboard(live: tuple[str, Database], page: Any) -> None:
    base, db = live
    alice = make_user(db, "alice")
    anna = add_contact(db, alice, "Anna Petrova", tier="key")
    boris = add_contact(db, alice, "Boris Ivanov", tier="key")
    _met(db, alice, anna, 60)
    _met(db, alice, boris, 40)
    _log_in(page, base, alice)
    agenda = page.locator("ol.agenda")
    anna_item = agenda.locator(".item", has_text="Anna Petrova")
    expect(anna_item).to_be_visible()
    expect(agenda.locator(".item", has_text="Boris Ivanov")).to_be_visible()
    _shot(page, "dashboard-before-done")
    anna_item.get_by_role("button", name="Done: Anna Petrova").click()
    expect(anna_item).to_have_count(0)
    expect(agenda.locator(".item", has_text="Boris Ivanov")).to_be_visible()
    _shot(page, "dashboard-after-done")
    page.reload()
    expect(page.locator("ol.agenda .item", has_text="Boris Ivanov")).to_be_visible()
    expect(page.locator("ol.agenda .item", has_text="Anna Petrova")).to_have_count(0)


def test_import_a_vcard_switch_to_russian_and_see_a_chart(live: tuple[str, Database],
                                                          page: Any, tmp_path: Path) -> None:
    base, db = live
    alice = make_user(db, "alice")
    anna = add_contact(db, alice, "Anna Petrova")
    with db.transaction() as session:
        values.create(session, owner_id=alice.id, data=values.ValueCreate(
            contact_id=anna, direction="given", kind="information", description="a deck"))
    cards = tmp_path / "friends.vcf"
    cards.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vera Card\r\n"
                      b"EMAIL:vera@example.com\r\nEND:VCARD\r\n"
                      b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Oleg Card\r\nEND:VCARD\r\n")
    _log_in(page, base, alice)
    page.get_by_role("link", name="Import").click()
    page.get_by_label("What it is").select_option("vcard")
    page.get_by_label("File (a zip for an export folder)").set_input_files(str(cards))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/import/*")
    summary = page.locator("table.summary")
    expect(summary).to_contain_text("created")
    expect(summary.locator("tr", has_text="created").locator("td")).to_have_text("2")
    _shot(page, "import-summary")

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Language", exact=True).select_option("ru")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/settings")
    expect(page.get_by_role("link", name="Контакты")).to_be_visible()
    page.get_by_role("link", name="Сводка").click()
    chart = page.locator("figure.chart", has_text="Отдано")
    expect(chart.locator("svg")).to_be_visible()
    expect(chart.locator("rect.bar").first).to_be_visible()  # one exchange given: a bar
    _shot(page, "dashboard-russian-chart")
    page.get_by_role("link", name="Контакты").click()
    expect(page.locator("#contact-rows")).to_contain_text("Vera Card")
