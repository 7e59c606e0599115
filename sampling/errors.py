"""Exceptions raised by the sampling library.

Every class derives from :class:`SamplingError` (itself a ``ValueError``), which the CLI and the
web layer report as one line to the user. Messages say what is wrong, where (file, line,
column, stratum) and what to do about it.

* :class:`RegistryError` — the registry file as a whole cannot be read (missing file, unknown
  format, undecodable bytes, a required column not mapped, invalid rows when a clean frame is
  required).
* :class:`AllocationError` — a sample design is impossible or asks for less than the floor
  (e.g. ``min_fraction < 0.5``, a margin of error ``<= 0``).
* :class:`CoverageError` — a draw covers less than 50 % of some enterprise or stratum.
* :class:`DrawRecordError` — a draw or assignment record cannot be read (bad JSON, unknown
  schema or algorithm version).
* :class:`AssignmentError` — an assessor assignment is impossible (no eligible assessor
  because of conflicts of interest, no assessors, duplicate ids).
"""

from __future__ import annotations


class SamplingError(ValueError):
    """Base of every error the sampling library raises for bad input."""


class RegistryError(SamplingError):
    """The case registry file cannot be read or does not have the required columns."""


class AllocationError(SamplingError):
    """A sample size or allocation request is invalid or below the 50 % floor."""


class CoverageError(SamplingError):
    """A draw covers less than the required share of an enterprise or stratum."""


class DrawRecordError(SamplingError):
    """A draw or assignment record is malformed or of an unsupported version."""


class AssignmentError(SamplingError):
    """Assessors cannot be assigned as requested (conflicts, missing or duplicate ids)."""
