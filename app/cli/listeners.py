"""One listening socket per worker process (``SO_REUSEPORT``), so the kernel spreads
connections evenly across the workers.

uvicorn's multi-process mode binds one socket in the parent and hands it to every worker. Each
worker's event loop accepts everything pending when it wakes, so a burst of new connections
(a load test, clients coming back after a network blip, a proxy opening its keep-alive pool)
mostly lands on whichever worker woke first, and stays there: measured with 64 persistent
clients, one worker took nine in ten submissions while the other idled. With ``SO_REUSEPORT``
each worker listens on its own socket bound to the same address, and the kernel assigns every
new connection to one of them by a hash of its addresses.

uvicorn's supervisor (restarts, signals, health checks) stays as it is: the parent holds a
socket bound with ``SO_REUSEPORT`` but never listening (it reserves the address, so a port in
use fails at once in the parent, and takes no connections), and each worker, when it unpickles
that socket, binds and listens on a fresh one instead of sharing the parent's.
"""

from __future__ import annotations

import socket
from typing import Any


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bound(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def worker_listener(host: str, port: int, backlog: int) -> socket.socket:
    """In a worker: its own socket on the shared address, listening."""
    sock = _bound(host, port)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


class PerWorkerSocket(socket.socket):
    """The parent's placeholder: bound, never listening; becomes a new listener per worker."""

    backlog: int

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (worker_listener, (host, port, self.backlog))


def reserve(host: str, port: int, backlog: int) -> PerWorkerSocket:
    """Bind the address in the parent (raises OSError if it is taken) without listening."""
    # First without SO_REUSEPORT: another server of the same user (an older instance still
    # running) would otherwise be joined silently and share the connections.
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    plain = _bound(host, port)
    sock = PerWorkerSocket(plain.family, plain.type, fileno=plain.detach())
    sock.backlog = backlog
    return sock
