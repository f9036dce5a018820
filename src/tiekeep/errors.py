"""One exception hierarchy for tiekeep.

Services raise these; the CLI turns them into one line on stderr and exit code 2,
the web layer into a 4xx JSON body.
"""

from __future__ import annotations

from collections.abc import Sequence


class TiekeepError(Exception):
    """Base class of every error tiekeep reports to its user."""

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(TiekeepError):
    """A value given by the user is malformed (a date, an email, a phone, a choice)."""

    http_status = 422


class NotFound(TiekeepError):
    """The referenced object does not exist, or belongs to someone else."""

    http_status = 404


class Ambiguous(TiekeepError):
    """A reference matches several objects; the candidates are listed."""

    http_status = 409

    def __init__(self, reference: str, candidates: Sequence[str]) -> None:
        shown = "; ".join(candidates[:8])
        more = f" (+{len(candidates) - 8} more)" if len(candidates) > 8 else ""
        super().__init__(f"'{reference}' is ambiguous: {shown}{more}")
        self.reference = reference
        self.candidates = list(candidates)


class Conflict(TiekeepError):
    """An edit collided with another one (optimistic concurrency), or a unique value exists."""

    http_status = 409


class ImportRejected(TiekeepError):
    """A file cannot be imported; the message names the file and the line or record."""

    http_status = 422


class DatabaseError(TiekeepError):
    """The database cannot be opened or used."""

    http_status = 503


class SchemaTooNew(DatabaseError):
    """The database was written by a newer tiekeep whose schema this one does not know."""


class ConfigError(TiekeepError):
    """The configuration file or an environment override is malformed."""


class PermissionDenied(TiekeepError):
    """The caller is not allowed to do this."""

    http_status = 403


# Exit codes of the CLI, named once.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
