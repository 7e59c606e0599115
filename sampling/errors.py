"""Exceptions raised by the sampling library."""

from __future__ import annotations


class SamplingError(ValueError):
    """Base of every error the sampling library raises for bad input."""
