"""Opening a database: bring its schema up to date, or refuse one that is newer than us.

The schema version is Alembic's. A fresh database is created at the head revision; an older
one is upgraded on open; one stamped with a revision this tiekeep does not know was written
by a newer release and is refused with a clear message.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError

from tiekeep.core.db import Database, make_engine, normalize_url
from tiekeep.errors import DatabaseError, SchemaTooNew

# The newest revision in core/migrations/versions; checked on every open without loading
# Alembic, which is imported only when there is something to migrate.
HEAD = "0004"
MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection: object) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(db: Database) -> str | None:
    """The revision the database is stamped with, or None for an empty one."""
    with db.engine.connect() as connection:
        # The common case, a database at some revision, needs one cheap query.
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
            return row[0] if row else None
        except (OperationalError, SADatabaseError):
            connection.rollback()
        if not inspect(connection).has_table("alembic_version"):
            if inspect(connection).get_table_names():
                raise DatabaseError("the database has tables but is not a tiekeep database")
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def upgrade(db: Database) -> None:
    """Apply every migration the database lacks, in one transaction."""
    from alembic import command

    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")  # type: ignore[arg-type]


def open_database(target: str) -> Database:
    """Open (creating or upgrading as needed) the database at a path or URL."""
    url = normalize_url(target)
    db = Database(make_engine(url))
    try:
        revision = current_revision(db)
        if revision == HEAD:
            return db
        if revision is not None and revision not in known_revisions():
            raise SchemaTooNew(
                f"the database was written by a newer tiekeep (schema {revision}); "
                "upgrade tiekeep to open it"
            )
        upgrade(db)
    except (OperationalError, SADatabaseError) as exc:
        db.dispose()
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open database {_safe(url)}: {reason}") from None
    except Exception:
        db.dispose()
        raise
    return db


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
