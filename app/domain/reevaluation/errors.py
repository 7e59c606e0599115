"""Why a re-evaluation (follow-up) round was refused.

Each refusal names the request field it is about (``period_start``, ``enterprise_ids``,
``questionnaire_version_id``, ``code``; ``round_id`` for the round being followed) and keeps its
English message template apart from the values, as ``app.domain.rectification.errors`` does:
the page and the API show it in the user's language (catalogue ``followup.po``), the CLI prints
``str``. The class decides the HTTP status through ``app.web.errors``.
"""

from __future__ import annotations

from app.errors import ConflictError, FieldError, NotFoundError


class FollowUpRefusedError(FieldError):
    """Bad input (400); nothing was saved."""


class FollowUpNotFoundError(FollowUpRefusedError, NotFoundError):
    """An enterprise or questionnaire version the caller cannot use here (404)."""


class FollowUpConflictError(FollowUpRefusedError, ConflictError):
    """The previous round's state or the body's rounds refuse it (409)."""
