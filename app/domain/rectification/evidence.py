"""Evidence files: type decided by magic bytes, stored by content hash, written atomically.

The uploader's file name is only shown back (and given as the download name); on disk a file
is ``<data_dir>/evidence/<sha256>``, so names cannot traverse directories or collide, and the
same file uploaded twice is stored once. A file is first written to a temporary name in the
same directory and then renamed, so a crash never leaves a half-written evidence file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Protocol

from app.domain.rectification.errors import EvidenceRejectedError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
FIELD = "evidence"
EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, held in memory until it is stored."""

    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


def evidence_dir(data_dir: Path) -> Path:
    return data_dir / "evidence"


def sniff(content: bytes) -> str | None:
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    return None


def _display_name(filename: str) -> str:
    # Browsers send a bare name, but some send a path; keep the last part, printable only.
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return name[-255:]


def check_file(filename: str, stream: Readable, *, max_bytes: int) -> CheckedFile:
    """Read at most ``max_bytes`` (+1 to detect excess) and check size, extension and magic."""
    name = _display_name(filename)
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise EvidenceRejectedError(
            FIELD,
            "%(name)s is larger than the limit of %(mib)s MiB.",
            name=name,
            mib=f"{max_bytes / (1024 * 1024):g}",
        )
    if not content:
        raise EvidenceRejectedError(FIELD, "%(name)s is empty.", name=name)
    declared = EXTENSIONS.get(PurePath(name).suffix.lower())
    found = sniff(content)
    if declared is None or found is None or found != declared:
        raise EvidenceRejectedError(
            FIELD,
            "%(name)s is not a PDF, PNG or JPEG file (its content was checked, not only its name).",
            name=name,
        )
    return CheckedFile(filename=name, media_type=found, content=content)


def store(data_dir: Path, checked: CheckedFile) -> bool:
    """Write the file under its hash; True if it was new (the caller may remove it on failure)."""
    directory = evidence_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / checked.sha256
    if target.exists():
        return False
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(checked.content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def stored_path(data_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_dir(data_dir) / sha256
