"""The in-process rate limiter: sliding window, retry-after, bounded memory."""

from __future__ import annotations

from app.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_window_and_retry_after() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.hit("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b")
    assert limiter.retry_after("a") == 60
    clock.now += 30
    assert limiter.retry_after("a") == 30
    clock.now += 30.5
    assert limiter.retry_after("a") == 0.0
    assert limiter.hit("a")


def test_memory_is_bounded() -> None:
    limiter = RateLimiter(1, 60, max_keys=100)
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter._hits) == 100
    assert limiter.hit("k0")  # evicted, so counted afresh


def test_reset_forgets_a_key() -> None:
    limiter = RateLimiter(1, 60)
    assert limiter.hit("x")
    assert not limiter.hit("x")
    limiter.reset("x")
    assert limiter.hit("x")
