"""Encoded registry batches, produced in this process or in a worker process.

A large import spends most of its CPU time reading, validating and encrypting rows, and the
rest in the database driver. On a machine with two or more cores, :class:`EncodedBatches`
runs the first part in a spawned worker (the whole file, in order, so duplicate detection,
line numbers, the SHA-256 and the report are exactly those of the in-process path) while the
importing process inserts the previous batch. The worker never touches the database: the
import stays one transaction in the importing process, so all-or-nothing is unchanged.

The worker writes to a pipe of bounded size, so at most a couple of batches are in flight
(memory stays flat). If the importing process dies — even by SIGKILL — the worker's next
write fails with a broken pipe and it exits; it cannot outlive the import by more than one
batch.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from app.domain.registry.encode import CaseEncoder, CaseTuple, EncodingContext
from app.errors import TianpingError
from sampling.registry import RegistryOptions, RegistryReport, RegistryStream, open_registry

#: Files smaller than this are encoded in-process: starting a worker (~0.3 s) would not pay.
PARALLEL_MIN_BYTES = 8 << 20


def worth_a_worker(source: Path) -> bool:
    return (os.cpu_count() or 1) > 1 and source.stat().st_size >= PARALLEL_MIN_BYTES


class EncodedBatches:
    """Context manager yielding lists of encoded case tuples from one registry file.

    ``bytes_read``/``size`` follow the reading position (for progress bars); :meth:`report`
    is available once every batch has been taken. Reading errors (bad header, undecodable
    bytes) are raised as the same :class:`~sampling.errors.RegistryError` either way.
    """

    def __init__(
        self,
        source: Path,
        options: RegistryOptions,
        ctx: EncodingContext,
        *,
        batch_rows: int,
        parallel: bool,
    ) -> None:
        self._source = source
        self._options = options
        self._ctx = ctx
        self._batch_rows = batch_rows
        self._parallel = parallel
        self._stream: RegistryStream | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._report: RegistryReport | None = None
        self.bytes_read = 0
        self.size: int | None = None

    def __enter__(self) -> EncodedBatches:
        if not self._parallel:
            self._stream = open_registry(self._source, self._options).__enter__()
            self.size = self._stream.size
            return self
        self._process, self._conn = _start_worker(
            (self._source, self._options, self._ctx, self._batch_rows)
        )
        try:
            kind, *payload = self._receive()
            if kind == "error":
                raise payload[0]
            self.size = payload[0]
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.__exit__(exc_type, exc, tb)
        self._stop()

    def __iter__(self) -> Iterator[list[CaseTuple]]:
        if self._stream is not None:
            encoder = CaseEncoder(self._ctx)
            for batch in self._stream.batches(self._batch_rows):
                self.bytes_read = self._stream.bytes_read
                yield encoder.encode(batch)
            self._report = self._stream.report()
            return
        while True:
            kind, *payload = self._receive()
            if kind == "batch":
                rows, self.bytes_read = payload
                yield rows
            elif kind == "done":
                self._report = payload[0]
                return
            else:
                raise payload[0]

    def report(self) -> RegistryReport:
        if self._report is None:
            raise RuntimeError("report() is available only after every batch has been taken")
        return self._report

    def _receive(self) -> tuple[Any, ...]:
        assert self._conn is not None
        assert self._process is not None
        try:
            data = self._conn.recv_bytes()
        except EOFError:
            code = self._process.wait(5)
            raise TianpingError(
                f"{self._source.name}: the registry reading process stopped unexpectedly "
                f"(exit code {code}); nothing was imported, try again"
            ) from None
        message: tuple[Any, ...] = pickle.loads(data)  # noqa: S301 (our own worker's batches)
        return message

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()  # a worker still writing gets a broken pipe and exits
            self._conn = None
        if self._process is not None:
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None


def _start_worker(job: tuple[Any, ...]) -> tuple[subprocess.Popen[bytes], Connection]:
    """A fresh interpreter running this module (not ``multiprocessing``'s spawn, which
    re-imports the caller's main script and fails in scripts without a main guard), with a
    pipe it writes batches to; the job itself goes through its stdin."""
    read_fd, write_fd = os.pipe()
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", __spec__.name if __spec__ else __name__, str(write_fd)],
            stdin=subprocess.PIPE,
            pass_fds=(write_fd,),
            env=env,
        )
    finally:
        os.close(write_fd)  # only the worker may hold the writing end, so its death is seen
    conn = Connection(read_fd, writable=False)
    assert process.stdin is not None
    try:
        process.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        process.stdin.close()
    except BrokenPipeError:
        pass  # it died at start-up; the first receive reports it
    return process, conn


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _work(
    conn: Connection,
    source: Path,
    options: RegistryOptions,
    ctx: EncodingContext,
    batch_rows: int,
) -> None:
    """The worker: read, validate and encode the whole file, sending batches in order."""
    try:
        with open_registry(source, options) as stream:
            _send(conn, ("ready", stream.size))
            encoder = CaseEncoder(ctx)
            for batch in stream.batches(batch_rows):
                _send(conn, ("batch", encoder.encode(batch), stream.bytes_read))
            _send(conn, ("done", stream.report()))
    except (BrokenPipeError, ConnectionResetError):
        return  # the importing process is gone; nothing to report to
    except Exception as exc:  # reported to the importing process, which raises it
        try:
            pickle.loads(pickle.dumps(exc))  # noqa: S301 (checks it survives the trip)
        except Exception:
            exc = TianpingError(f"{type(exc).__name__}: {exc}")
        try:
            _send(conn, ("error", exc))
        except (BrokenPipeError, ConnectionResetError):
            return
    finally:
        conn.close()


if __name__ == "__main__":
    _job = pickle.load(sys.stdin.buffer)  # noqa: S301 (sent by the importing process)
    _work(Connection(int(sys.argv[1]), readable=False), *_job)
