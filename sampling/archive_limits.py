"""Refuse registry workbooks (XLSX) that would expand far beyond any real one: the shared zip
bomb guard (:mod:`archives.expansion`) with the registry's limit and advice."""

from __future__ import annotations

from typing import BinaryIO

from archives.expansion import MAX_RATIO as MAX_RATIO  # re-exported: the ratio limit
from archives.expansion import ArchiveExpansionError
from archives.expansion import check_expansion as check_archive
from sampling.errors import RegistryError

# Excel's own limit (1,048,576 rows x 16,384 columns) never needs more than this in practice.
MAX_EXPANDED_BYTES = 4 << 30


def check_expansion(stream: BinaryIO, label: str) -> None:
    """Raise :class:`RegistryError` if the archive in ``stream`` looks like a zip bomb."""
    try:
        check_archive(stream, label, max_expanded_bytes=MAX_EXPANDED_BYTES)
    except ArchiveExpansionError as exc:
        raise RegistryError(
            f"{exc}. Re-save the workbook from Excel/WPS, split it or save it as CSV"
        ) from None
