"""Databases at an earlier schema revision, for the migration tests."""

from __future__ import annotations

from tiekeep.core import schema
from tiekeep.core.db import Database, make_engine, normalize_url


def at_revision(url: str, revision: str) -> Database:
    """The database at this URL brought to ``revision`` (created, or downgraded)."""
    from alembic import command

    db = Database(make_engine(normalize_url(url)))
    current = schema.current_revision(db)
    with db.engine.begin() as connection:
        config = schema._alembic_config(connection)
        if current is None:
            command.upgrade(config, revision)  # type: ignore[arg-type]
        elif current != revision:
            command.downgrade(config, revision)  # type: ignore[arg-type]
    return db
