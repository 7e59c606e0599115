"""Exceptions raised by the report library."""

from __future__ import annotations


class ReportError(ValueError):
    """Base of every error the report library raises for bad input."""
