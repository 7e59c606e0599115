"""Refuse XLSX files (zip archives) that would expand far beyond any real workbook.

A "zip bomb" is a small upload whose entries decompress to gigabytes; reading it would exhaust
memory or disk of the web worker. The sizes come from the zip directory, before anything is
decompressed. Real workbooks compress XML some 5-30 times; even a sheet of one value repeated
a million times stays below ``MAX_RATIO``, while bombs reach ratios of 1000 and more.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from sampling.errors import RegistryError

# Excel's own limit (1,048,576 rows x 16,384 columns) never needs more than this in practice.
MAX_EXPANDED_BYTES = 4 << 30
# Small entries may compress extremely well (an empty style sheet); only large ones count.
RATIO_FLOOR_BYTES = 16 << 20
MAX_RATIO = 200


def check_expansion(stream: BinaryIO, label: str) -> None:
    """Raise :class:`RegistryError` if the archive in ``stream`` looks like a zip bomb."""
    position = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the workbook reader gives the clear "not a readable XLSX" message
    finally:
        stream.seek(position)
    total = sum(e.file_size for e in entries)
    if total > MAX_EXPANDED_BYTES:
        raise RegistryError(
            f"{label}: the workbook would expand to {total >> 20} MiB (limit "
            f"{MAX_EXPANDED_BYTES >> 20} MiB); refused. Split it or save it as CSV"
        )
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise RegistryError(
                f"{label}: part {entry.filename} expands {ratio} times (limit {MAX_RATIO}); "
                "refused as a possible zip bomb. Re-save the workbook from Excel/WPS or save "
                "it as CSV"
            )
