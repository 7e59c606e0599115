"""Exception hierarchy of the application layer.

Every error a user can cause derives from :class:`TianpingError`; its message says what is
wrong *and* what to do about it. The CLI prints it as one line (exit 1) and the web layer maps
it to an HTTP status in one place (``app.web.errors``). Domain packages (``questionnaires``,
``sampling``, ``scoring``, ``reports``) define their own bases, listed in
:data:`app.cli.errors.USER_ERRORS`, because they must not import ``app``.
"""

from __future__ import annotations

from typing import Any


class TianpingError(Exception):
    """Base of all application-level errors a user can cause."""


class FieldError(TianpingError):
    """Bad input for one named field; nothing was saved.

    The English message template is kept apart from its values, so the web layer can show it
    translated next to that field (and the API as ``field: message`` in the caller's language);
    ``str`` is the English text for the CLI and logs.
    """

    def __init__(self, field: str, message: str, **values: Any) -> None:
        self.field = field
        self.message = message
        self.values = values
        super().__init__(f"{field}: {message % values if values else message}")


class ConfigurationError(TianpingError):
    """A setting is missing, unknown or malformed."""


class DatabaseError(TianpingError):
    """The database is unreachable, of the wrong version, or not migrated."""


class DatabaseUnavailableError(DatabaseError):
    """The database is down, read-only, full or too busy: nothing was saved; retry later."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "the database is unavailable or read-only at the moment; nothing was saved. "
            "Please try again in a few minutes."
        )


class StorageFullError(DatabaseUnavailableError):
    """The database's disk (or quota) is full: nothing was saved; retrying works once freed."""

    def __init__(self) -> None:
        super().__init__(
            "the database's storage is full; nothing was saved. Please try again later: an "
            "administrator has to free disk space first."
        )


class NotFoundError(TianpingError):
    """The object does not exist *for this caller* (also used to hide other tenants' ids)."""


class PermissionDeniedError(TianpingError):
    """The caller is authenticated but may not do this."""


class ConflictError(TianpingError):
    """The request conflicts with the current state (duplicate, already done, stale)."""


class IllegalTransitionError(ConflictError):
    """An evaluation round was asked to move to a state its lifecycle does not allow."""
