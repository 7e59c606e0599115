"""Errors a user can cause while recording findings, plans and evidence.

Each names the form field it is about and keeps its English message template apart from the
values, so the web layer can show it translated next to that field (the CLI prints ``str``).
"""

from __future__ import annotations

from typing import Any

from app.errors import TianpingError


class RectificationInputError(TianpingError):
    """Bad input for one field; nothing was saved."""

    def __init__(self, field: str, message: str, **values: Any) -> None:
        self.field = field
        self.message = message
        self.values = values
        super().__init__(f"{field}: {message % values if values else message}")


class EvidenceRejectedError(RectificationInputError):
    """An uploaded evidence file is of a forbidden type, empty or over the size limit."""
