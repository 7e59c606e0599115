"""Raw rows from CSV and XLSX registry files, streamed, with the file's SHA-256.

This layer knows about bytes, encodings and spreadsheet cells; it knows nothing about the
meaning of the columns (that is :mod:`sampling.registry`). Rows come out as
``(line, cells)`` where ``line`` is the number the user sees (header = line 1; the first line
of a record for multi-line quoted CSV fields; the sheet row for XLSX).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import warnings
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Literal, cast

from sampling.archive_limits import check_expansion
from sampling.errors import RegistryError

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

Cell = str | datetime
FileFormat = Literal["csv", "xlsx"]

_DETECT_BYTES = 1 << 16
_HASH_CHUNK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"


class _HashingReader(io.RawIOBase):
    """Raw stream that hashes every byte it hands out and counts them (for progress bars)."""

    def __init__(self, inner: BinaryIO, prefix: bytes, digest: hashlib._Hash) -> None:
        super().__init__()
        self._inner = inner
        self._prefix = prefix
        self._digest = digest
        self.bytes_read = len(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            # The detection chunk was hashed when it was read; serve it before the rest.
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._inner.read(len(buffer))
        self._digest.update(data)
        self.bytes_read += len(data)
        buffer[: len(data)] = data
        return len(data)


def detect_encoding(chunk: bytes) -> str:
    """``utf-8-sig`` when the chunk is valid UTF-8 (with or without BOM), else ``gb18030``.

    The chunk may end inside a multi-byte character, so the decoder is told it is not final.
    """
    if chunk.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(chunk, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise RegistryError(
            f"unknown encoding {name!r}; use utf-8, gb18030 or leave it out to detect"
        ) from exc


def detect_format(source: Path | BinaryIO, label: str) -> FileFormat:
    """Format from the file name (``.csv``, ``.xlsx``/``.xlsm``), else from the zip magic."""
    if isinstance(source, Path):
        suffix = source.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        if suffix in (".csv", ".txt"):
            return "csv"
        raise RegistryError(f"{label}: unsupported file type {suffix!r}; save it as .csv or .xlsx")
    head = source.read(4)
    source.seek(0)
    return "xlsx" if head == _ZIP_MAGIC else "csv"


class RawRows:
    """Context manager streaming ``(line, cells)`` rows of one CSV or XLSX file.

    ``header`` is available once entered; ``sha256`` once the rows are exhausted (it covers
    the whole file, byte for byte). ``bytes_read``/``size`` drive progress bars (CSV only).
    """

    def __init__(
        self,
        source: Path | BinaryIO,
        *,
        encoding: str | None = None,
        sheet: str | None = None,
        label: str | None = None,
    ) -> None:
        self.label = label or (source.name if isinstance(source, Path) else "registry")
        self._source = source
        self._requested_encoding = _check_encoding(encoding) if encoding else None
        self._sheet = sheet
        self._digest = hashlib.sha256()
        self._owned: BinaryIO | None = None
        self._reader: _HashingReader | None = None
        self._workbook: object | None = None
        self._rows: Iterator[tuple[int, list[Cell]]] = iter(())
        self._finished = False
        self.header: list[str] = []
        self.encoding: str | None = None
        self.size: int | None = None

    def __enter__(self) -> RawRows:
        try:
            stream = self._open()
            fmt = detect_format(self._source, self.label)
            self._rows = self._open_csv(stream) if fmt == "csv" else self._open_xlsx(stream)
            first = next(self._rows, None)
        except BaseException:
            self.close()
            raise
        if first is None:
            self.close()
            raise RegistryError(f"{self.label}: the file is empty; line 1 must hold the headers")
        self.header = [str(cell).strip() for cell in first[1]]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[int, list[Cell]]]:
        yield from self._rows
        self._finished = True

    @property
    def bytes_read(self) -> int:
        return self._reader.bytes_read if self._reader else 0

    @property
    def sha256(self) -> str:
        if not self._finished:
            raise RuntimeError("sha256 is known only after every row has been read")
        return self._digest.hexdigest()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()  # type: ignore[attr-defined]
            self._workbook = None
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def _open(self) -> BinaryIO:
        if isinstance(self._source, Path):
            try:
                self._owned = self._source.open("rb")
                self.size = self._source.stat().st_size
            except OSError as exc:
                raise RegistryError(f"{self.label}: cannot open the file ({exc.strerror})") from exc
            return self._owned
        return self._source

    def _open_csv(self, stream: BinaryIO) -> Iterator[tuple[int, list[Cell]]]:
        prefix = stream.read(_DETECT_BYTES)
        self._digest.update(prefix)
        self.encoding = self._requested_encoding or detect_encoding(prefix)
        self._reader = _HashingReader(stream, prefix, self._digest)
        text = io.TextIOWrapper(
            io.BufferedReader(self._reader, _DETECT_BYTES), encoding=self.encoding, newline=""
        )
        return self._csv_rows(csv.reader(text))

    def _csv_rows(self, reader: _CsvReader) -> Iterator[tuple[int, list[Cell]]]:
        previous_end = 0
        try:
            for cells in reader:
                # csv.reader hands out a new list per row: no copy needed
                yield previous_end + 1, cast("list[Cell]", cells)
                previous_end = reader.line_num
        except UnicodeDecodeError as exc:
            line = self._bad_line() or previous_end + 1
            raise RegistryError(
                f"{self.label}, line {line}: bytes that are not {self.encoding} "
                "text; give the right encoding (e.g. --encoding gb18030) or re-save as UTF-8"
            ) from exc
        except csv.Error as exc:
            raise RegistryError(f"{self.label}, line {previous_end + 1}: {exc}") from exc

    def _bad_line(self) -> int | None:
        """The first line that does not decode (decoding runs ahead of the csv reader, so
        the reader's position is not the culprit); None if the file cannot be re-read."""
        stream = self._owned or self._source
        if not isinstance(stream, io.IOBase) or not stream.seekable():
            return None
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")("strict")
        for number, raw in enumerate(stream, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
        return None

    def _open_xlsx(self, stream: BinaryIO) -> Iterator[tuple[int, list[Cell]]]:
        # openpyxl needs random access to the zip, so the hash is a separate sequential pass.
        while chunk := stream.read(_HASH_CHUNK):
            self._digest.update(chunk)
        stream.seek(0)
        check_expansion(stream, self.label)
        import openpyxl  # local import: CSV-only users do not pay for it

        try:
            with warnings.catch_warnings():
                # Files from other tools often lack a default style; harmless for reading.
                warnings.simplefilter("ignore", UserWarning)
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            raise RegistryError(
                f"{self.label}: not a readable XLSX workbook ({exc}); re-save it from Excel/WPS"
            ) from exc
        self._workbook = workbook
        if self._sheet is not None and self._sheet not in workbook.sheetnames:
            names = ", ".join(workbook.sheetnames)
            raise RegistryError(f"{self.label}: no sheet {self._sheet!r}; the sheets are {names}")
        worksheet = workbook[self._sheet] if self._sheet else workbook.worksheets[0]
        return self._xlsx_rows(worksheet)

    @staticmethod
    def _xlsx_rows(worksheet: object) -> Iterator[tuple[int, list[Cell]]]:
        rows = worksheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
        # Read-only sheets yield empty tuples for missing rows, so enumeration is the sheet row.
        for number, values in enumerate(rows, start=1):
            yield number, [_cell_text(value) for value in values]


def _cell_text(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float; case ids like 100234 must not become 100234.0.
        return str(int(value))
    return str(value)
