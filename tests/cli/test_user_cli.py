"""`tiekeep user set` and `user list`: the CLI user's preferences, the phone region first."""

from __future__ import annotations

from tests.cli_helpers import run

UNKNOWN_XX = "error: unknown phone region 'XX' (expected a country code such as DE or US)\n"


def test_local_numbers_follow_the_users_phone_region(db_url: str) -> None:
    changed = run(db_url, "user", "set", "--phone-region", "de", "--json")
    assert changed.exit_code == 0, changed.stderr
    assert changed.json()["phone_region"] == "DE"

    added = run(db_url, "contact", "add", "Anna Schmidt", "--phone", "030 1234567",
                "--phone", "+1 650 253 0000", "--json")
    assert added.exit_code == 0, added.stderr
    assert added.json()["phones"] == ["+49301234567", "+16502530000"]

    run(db_url, "user", "set", "--phone-region", "RU")
    edited = run(db_url, "contact", "edit", "Anna", "--phone", "8 (916) 123-45-67")
    assert edited.exit_code == 0, edited.stderr
    shown = run(db_url, "contact", "show", "Anna", "--json").json()
    assert shown["phones"] == ["+49301234567", "+16502530000", "+79161234567"]


def test_an_unknown_region_changes_nothing(db_url: str) -> None:
    first = run(db_url, "user", "set", "--phone-region", "DE", "--time-zone", "Europe/Berlin")
    assert first.exit_code == 0, first.stderr
    before = run(db_url, "user", "list", "--json").json()
    assert [(u["phone_region"], u["time_zone"]) for u in before] == [("DE", "Europe/Berlin")]

    refused = run(db_url, "user", "set", "--time-zone", "Asia/Tokyo", "--phone-region", "XX")
    assert refused.exit_code == 2
    assert refused.stderr == UNKNOWN_XX
    assert refused.stdout == ""
    assert run(db_url, "user", "list", "--json").json() == before


def test_a_refused_first_setting_leaves_no_user_behind(db_url: str) -> None:
    refused = run(db_url, "user", "set", "--phone-region", "XX")
    assert (refused.exit_code, refused.stderr) == (2, UNKNOWN_XX)
    assert run(db_url, "user", "list", "--json").json() == []


def test_set_needs_something_to_change(db_url: str) -> None:
    result = run(db_url, "user", "set")
    assert result.exit_code == 2
    assert result.stderr == ("error: nothing to change (give --phone-region, --time-zone "
                             "or --locale)\n")


def test_user_list_shows_the_region_or_its_default(db_url: str) -> None:
    run(db_url, "user", "add", "olga", input="long enough password\n")
    run(db_url, "user", "set", "--phone-region", "", "--locale", "ru", user="olga")
    rows = run(db_url, "user", "list", "--json").json()
    assert [(r["username"], r["phone_region"], r["locale"]) for r in rows] == [
        ("olga", None, "ru")]
    table = run(db_url, "user", "list").stdout
    assert "US (default)" in table  # the tests' locale names no territory
    shown = run(db_url, "user", "set", "--phone-region", "ru", user="olga")
    assert shown.stdout == "olga: phone region RU, time zone UTC, language ru\n"
