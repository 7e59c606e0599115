"""SVG export of Plotly figures through ONE warm Chromium (Kaleido) session.

Starting Chromium costs seconds; exporting a chart in a warm session costs ~0.1 s. A
:class:`ChartSession` owns a background thread running an asyncio loop with one open
``kaleido.Kaleido`` browser (``tabs`` tabs render in parallel) and is reused for every chart of
every report. The browser is Debian's Chromium (``/usr/bin/chromium``, or ``$BROWSER_PATH``);
nothing is ever downloaded, and MathJax (a CDN fetch) is disabled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import plotly.graph_objects as go

from reports.errors import ReportError

DEFAULT_BROWSER = "/usr/bin/chromium"

# Kaleido's browser driver narrates its temporary-directory clean-up at INFO on stderr, also
# at interpreter exit; keep only its warnings and errors.
for _name in ("choreographer", "kaleido", "logistro"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def browser_path() -> str:
    path = os.environ.get("BROWSER_PATH") or DEFAULT_BROWSER
    if not Path(path).is_file():
        raise ReportError(
            f"no Chromium at {path}; install Debian's chromium package or set BROWSER_PATH"
        )
    return path


RELOAD_EVERY = 200


def _reusing_kaleido(base: type) -> type:
    """Kaleido reloads a tab (re-parsing the 4 MB plotly.js) after *every* figure, which is
    most of the browser's CPU per chart. Plotly's image export renders into a detached,
    purged node, so a tab can be reused; we reload only every ``RELOAD_EVERY`` figures to
    bound memory. Overrides a private hook of kaleido 1.x (pinned in uv.lock)."""

    class ReusingKaleido(base):  # type: ignore[misc]
        async def _return_kaleido_tab(self, tab: Any) -> None:
            uses = getattr(tab, "_tianping_uses", 0) + 1
            if uses >= RELOAD_EVERY:
                uses = 0
                await tab.reload()
            tab._tianping_uses = uses
            await self.tabs_ready.put(tab)

    return ReusingKaleido


@dataclass
class ExportStats:
    charts: int = 0
    seconds: float = 0.0


@dataclass
class ChartSession:
    """A warm Kaleido browser; use as a context manager or call :meth:`close`."""

    tabs: int = 2
    timeout: float = 60.0
    stats: ExportStats = field(default_factory=ExportStats)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _kaleido: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def open(self) -> ChartSession:
        with self._lock:
            if self._kaleido is not None:
                return self
            import kaleido

            path = browser_path()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="chart-session", daemon=True)
            thread.start()

            async def start() -> Any:
                k = _reusing_kaleido(kaleido.Kaleido)(
                    n=self.tabs, path=path, mathjax=False, timeout=self.timeout
                )
                await k.open()
                return k

            try:
                self._kaleido = asyncio.run_coroutine_threadsafe(start(), loop).result(120)
            except Exception as exc:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                loop.close()
                raise ReportError(f"cannot start the chart browser ({path}): {exc}") from exc
            self._loop, self._thread = loop, thread
        return self

    def close(self) -> None:
        with self._lock:
            if self._kaleido is None or self._loop is None:
                return
            fut = asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop)
            try:
                fut.result(30)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    self._thread.join(10)
                self._loop.close()
                self._kaleido, self._loop, self._thread = None, None, None

    def __enter__(self) -> ChartSession:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def to_svg(self, figures: Mapping[str, go.Figure]) -> dict[str, str]:
        """Export several figures concurrently (over the session's tabs); name → SVG text."""
        self.open()
        assert self._loop is not None
        started = time.perf_counter()

        async def one(fig: go.Figure) -> bytes:
            opts = {"format": "svg", "width": fig.layout.width, "height": fig.layout.height}
            out: bytes = await self._kaleido.calc_fig(fig, opts=opts)
            return out

        async def every() -> list[bytes]:
            return list(await asyncio.gather(*(one(f) for f in figures.values())))

        fut: Future[list[bytes]] = asyncio.run_coroutine_threadsafe(every(), self._loop)
        try:
            svgs = fut.result(self.timeout * max(1, len(figures)))
        except Exception as exc:
            raise ReportError(f"chart export failed: {exc}") from exc
        self.stats.charts += len(figures)
        self.stats.seconds += time.perf_counter() - started
        return {name: svg.decode("utf-8") for name, svg in zip(figures, svgs, strict=True)}


_shared: ChartSession | None = None
_shared_lock = threading.Lock()


def shared_session() -> ChartSession:
    """The process-wide warm session (opened on first use, closed at interpreter exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            import atexit

            _shared = ChartSession()
            atexit.register(_shared.close)
        return _shared
