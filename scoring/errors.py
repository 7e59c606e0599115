"""Exceptions raised by the scoring library."""

from __future__ import annotations


class ScoringError(ValueError):
    """Base of every error the scoring library raises for bad input."""
