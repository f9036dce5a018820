"""Settings: defaults, the TOML file, environment overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiekeep.errors import ConfigError
from tiekeep.settings import load_settings


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings["cadence.key.ideal"] == 14
    assert settings["cadence.regular.ideal"] == 30
    assert settings["cadence.supporting.ideal"] == 90
    assert settings.my_emails == []


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[me]\nemails = ["Me@Example.com"]\n[cadence.key]\nideal = 10\n'
                    '[smtp]\npassword = "hunter2"\n', encoding="utf-8")
    settings = load_settings(path, environ={"TIEKEEP_CADENCE_KEY_IDEAL": "7",
                                            "TIEKEEP_MY_EMAILS": "a@x.org, b@y.org"})
    assert settings["cadence.key.ideal"] == 7
    assert settings.sources["cadence.key.ideal"] == "TIEKEEP_CADENCE_KEY_IDEAL"
    assert settings.my_emails == ["a@x.org", "b@y.org"]
    assert settings.masked()["smtp.password"] == "********"


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[me]\nemails = [\"a@x.org\"\nlocale = 'en'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line"):
        load_settings(path, environ={})


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[cadence.key]\n\nideal = \"soon\"\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert "cadence.key.ideal" in error.value.message
    assert "line 3" in error.value.message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[smtp]\nhots = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'smtp.hots'"):
        load_settings(path, environ={})


def test_bad_environment_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TIEKEEP_SMTP_PORT"):
        load_settings(tmp_path / "none.toml", environ={"TIEKEEP_SMTP_PORT": "twenty-five"})
