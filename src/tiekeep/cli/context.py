"""The object every command receives: settings, consoles, and the lazily opened database."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import typer
from rich.console import Console

from tiekeep.cli import settle_heap
from tiekeep.settings import Settings, default_data_dir

if TYPE_CHECKING:
    from tiekeep.core.db import Database


@dataclass
class AppContext:
    """What a command needs from its environment; tests build one with their own streams."""

    settings: Settings
    db_target: str = ""
    user_name: str = ""
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: Console = field(default_factory=lambda: Console(highlight=False))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    _db: Database | None = None
    _owner: tuple[int, str] | None = None

    @property
    def database_target(self) -> str:
        """The --db value, else TIEKEEP_DB / the config's db, else the user data directory."""
        if self.db_target:
            return self.db_target
        if configured := self.settings.get("db"):
            return str(configured)
        folder = default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / "tiekeep.db")

    def db(self) -> Database:
        """Open the database on first use (creating or upgrading its schema)."""
        if self._db is None:
            from tiekeep.core.schema import open_database

            self._db = open_database(self.database_target)
            settle_heap()
        return self._db

    def owner_id(self) -> int:
        """The id of the user the CLI acts as (see services.users.resolve_cli_user)."""
        return self.owner()[0]

    def owner(self) -> tuple[int, str]:
        """(id, username) of the acting user, resolved once."""
        if self._owner is None:
            from tiekeep.services import users

            # Read first: only a fresh installation needs a write (to create its first user).
            with self.db().reading() as session:
                user = users.find_cli_user(session, username=self.user_name or None)
                if user is not None:
                    self._owner = (user.id, user.username)
            if self._owner is None:
                with self.db().transaction() as session:
                    user = users.resolve_cli_user(session, username=self.user_name or None)
                    self._owner = (user.id, user.username)
        return self._owner

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def get(ctx: typer.Context) -> AppContext:
    """The AppContext of the running command."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext), "the root callback sets the context"
    return obj
