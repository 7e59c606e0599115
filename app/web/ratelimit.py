"""In-process sliding-window rate limiter (login, password reset, survey submissions).

Each worker process keeps its own counts: with N uvicorn workers a client may get up to N times
the limit. That is acceptable for brute-force damping; a shared store would be needed for exact
global limits (see docs/web.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    """Allow at most ``limit`` hits per ``key`` in any ``window_seconds`` window.

    Memory is bounded: at most ``max_keys`` keys are tracked (least recently used evicted) and
    each key holds at most ``limit`` timestamps.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.limit = limit
        self.window_seconds = window_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = deque(maxlen=self.limit)
            self._hits[key] = hits
            while len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        cutoff = now - self.window_seconds
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def hit(self, key: str) -> bool:
        """Record one attempt for ``key``; True if it is allowed, False if over the limit."""
        with self._lock:
            now = self._clock()
            hits = self._prune(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may hit again (0.0 if it may now)."""
        with self._lock:
            now = self._clock()
            hits = self._hits.get(key)
            if not hits:
                return 0.0
            cutoff = now - self.window_seconds
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[0] + self.window_seconds - now)

    def reset(self, key: str) -> None:
        """Forget ``key`` (e.g. after a successful login)."""
        with self._lock:
            self._hits.pop(key, None)
