"""Exceptions raised by the questionnaire library."""

from __future__ import annotations


class QuestionnaireError(ValueError):
    """Base of every error the questionnaire library raises for bad input."""
