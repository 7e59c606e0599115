"""Refuse zip archives (XLSX workbooks) that would expand far beyond any real workbook.

A "zip bomb" is a small file whose entries decompress to gigabytes; reading it would exhaust
the memory or disk of the process. The sizes come from the zip directory, before anything is
decompressed (and :mod:`zipfile` never inflates an entry past its listed size, so a lying
directory gains nothing). Real workbooks compress XML some 5-30 times; even a sheet of one value
repeated a million times stays below ``MAX_RATIO``, while bombs reach ratios of 1000 and more.

The caller chooses the size limit (a case registry may be large, a questionnaire never is) and
turns :class:`ArchiveExpansionError` into its own error with its own advice.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

# Small entries may compress extremely well (an empty style sheet); only large ones count.
RATIO_FLOOR_BYTES = 16 << 20
MAX_RATIO = 200


class ArchiveExpansionError(ValueError):
    """The archive would expand too far: ``reason`` gives the figures, ``str`` adds the file."""

    def __init__(self, label: str, reason: str) -> None:
        self.label = label
        self.reason = reason
        super().__init__(f"{label}: {reason}")


def check_expansion(stream: BinaryIO, label: str, *, max_expanded_bytes: int) -> None:
    """Raise :class:`ArchiveExpansionError` if the archive in ``stream`` looks like a zip bomb.

    ``stream`` is left where it was. Anything that is not a zip passes: the workbook reader
    gives the clearer "not a readable XLSX" message.
    """
    position = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    finally:
        stream.seek(position)
    total = sum(e.file_size for e in entries)
    if total > max_expanded_bytes:
        raise ArchiveExpansionError(
            label,
            f"the workbook would expand to {total >> 20} MiB "
            f"(limit {max_expanded_bytes >> 20} MiB); refused",
        )
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise ArchiveExpansionError(
                label,
                f"part {entry.filename} expands {ratio} times (limit {MAX_RATIO}); "
                "refused as a possible zip bomb",
            )
