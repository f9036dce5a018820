"""Settings, declared once with their defaults and help.

Values come from one TOML file in the user config directory (``config.toml``), and each
can be overridden by an environment variable ``TIEKEEP_<KEY>`` (dots become underscores).
Nothing is read at import time: ``load_settings()`` is called by ``main()`` or ``create_app()``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiekeep.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: its dotted key, default, type, help text and environment variable."""

    key: str
    default: Any
    help: str
    type: type = str
    secret: bool = False
    env: str = ""

    @property
    def env_name(self) -> str:
        return self.env or "TIEKEEP_" + self.key.upper().replace(".", "_").replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "", "Database: a SQLite path or any SQLAlchemy URL. Default: tiekeep.db "
            "in the user data directory."),
    Setting("user", "", "The user the CLI acts as. Default: the installation's first user."),
    Setting("me.emails", [], "Your own email addresses; importers use them to tell your side.",
            list, env="TIEKEEP_MY_EMAILS"),
    Setting("me.time_zone", "", "Your IANA time zone, e.g. Europe/Berlin. Default: the system's."),
    Setting("me.locale", "en", "Language of the web pages and mails: en or ru."),
    Setting("cadence.key.ideal", 14, "Days after which a key tie is due.", int),
    Setting("cadence.key.max", 21, "Days after which a key tie is urgent.", int),
    Setting("cadence.regular.ideal", 30, "Days after which a regular tie is due.", int),
    Setting("cadence.regular.max", 45, "Days after which a regular tie is urgent.", int),
    Setting("cadence.supporting.ideal", 90, "Days after which a supporting tie is due.", int),
    Setting("cadence.supporting.max", 135, "Days after which a supporting tie is urgent.", int),
    Setting("cadence.max_factor", 1.5, "Maximum interval as a multiple of a cadence override.",
            float),
    Setting("qualifying.max_attendees", 8, "Meetings or mails with more people than this do not "
            "reset a cadence.", int),
    Setting("qualifying.excluded_formats", ["social_post"], "Formats that never reset a cadence.",
            list),
    Setting("agenda.date_horizon_days", 7, "How many days ahead birthdays and anniversaries show.",
            int),
    Setting("agenda.project_followup_days", 30, "Days after a project ends to follow up.", int),
    Setting("digest.schedule", "daily", "How often the mail digest goes out: daily or weekly."),
    Setting("digest.to", "", "Where the digest is sent. Default: your first own email."),
    Setting("smtp.host", "localhost", "SMTP server for the digest."),
    Setting("smtp.port", 25, "SMTP port.", int),
    Setting("smtp.security", "none", "none, starttls or ssl."),
    Setting("smtp.username", "", "SMTP login, if the server needs one."),
    Setting("smtp.password", "", "SMTP password.", secret=True),
    Setting("smtp.sender", "tiekeep@localhost", "The From address of the digest."),
    Setting("web.host", "127.0.0.1", "Address `tiekeep serve` listens on."),
    Setting("web.port", 8130, "Port `tiekeep serve` listens on.", int),
    Setting("web.secret_key", "", "Key that signs session cookies. Default: one stored in the "
            "database.", secret=True),
    Setting("web.max_upload_mb", 200, "Largest file an import upload may be, in MiB.", int),
)

_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass
class Settings:
    """The effective settings: declared defaults, then the file, then the environment."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some keys replaced (keys use underscores for dots)."""
        values = dict(self.values)
        for name, value in overrides.items():
            values[name.replace("__", ".")] = value
        return Settings(values, dict(self.sources), self.path)

    @property
    def my_emails(self) -> list[str]:
        return [e.strip().lower() for e in self.values["me.emails"] if e.strip()]

    def masked(self) -> dict[str, Any]:
        """Every value, with secrets masked, for `config show`."""
        out = {}
        for s in SETTINGS:
            value = self.values[s.key]
            out[s.key] = "********" if s.secret and value else value
        return out


def default_config_path() -> Path:
    """The config file: $TIEKEEP_CONFIG, else config.toml in the user config directory."""
    if explicit := os.environ.get("TIEKEEP_CONFIG"):
        return Path(explicit)
    from platformdirs import user_config_dir

    return Path(user_config_dir("tiekeep")) / "config.toml"


def default_data_dir() -> Path:
    """Where the embedded database lives by default."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tiekeep"))


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in _BY_KEY:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _line_of(text: str, key: str) -> int | None:
    """The line that sets a dotted key, so an error can point at it."""
    leaf = re.escape(key.rsplit(".", 1)[-1])
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*(\"?){leaf}\1\s*=", line):
            return number
    return None


def _coerce(setting: Setting, value: Any, where: str) -> Any:
    """Check a value against its declared type, converting environment strings."""
    kind = setting.type
    try:
        if isinstance(value, str) and kind is not str:
            if kind is list:
                return [part.strip() for part in value.split(",") if part.strip()]
            if kind is bool:
                if value.lower() in {"1", "true", "yes", "on"}:
                    return True
                if value.lower() in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            return kind(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is list and isinstance(value, list):
            return [str(v) for v in value]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(value)
        return value
    except ValueError:
        raise ConfigError(
            f"{where}: '{setting.key}' must be {kind.__name__}, not {value!r}"
        ) from None


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the declared settings from the TOML file and the environment."""
    environ = os.environ if environ is None else environ
    path = path or default_config_path()
    values = {s.key: s.default for s in SETTINGS}
    sources = {s.key: "default" for s in SETTINGS}
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        for key, value in _flatten(data).items():
            line = _line_of(text, key)
            where = f"{path}, line {line}" if line else str(path)
            setting = _BY_KEY.get(key)
            if setting is None:
                raise ConfigError(f"{where}: unknown setting '{key}'")
            values[key] = _coerce(setting, value, where)
            sources[key] = str(path)
    for setting in SETTINGS:
        raw = environ.get(setting.env_name)
        if raw is not None:
            values[setting.key] = _coerce(setting, raw, setting.env_name)
            sources[setting.key] = setting.env_name
    return Settings(values, sources, path)
