"""Keep the garbage collector's full passes short in a long-running server process.

A server worker holds a few hundred thousand long-lived objects from its start (modules,
the ORM's mappers, compiled templates and routes, the questionnaire cache). Python's full
(generation 2) collection walks all of them every time it runs, and under load it ran every
few seconds and took 300–390 ms here, collecting nothing, while every request of that
process (and, through the shared write lock, of the others) waited: that was the survey
submit's 99th-percentile latency. :func:`gc.freeze` moves what exists at start-up into a
permanent generation that collections skip; objects made later are collected as before.
Server processes only (``tianping serve`` and the demo's server): a test process creating
hundreds of apps should not pin their cycles.
"""

from __future__ import annotations

import gc

from litestar import Litestar


def _freeze() -> None:
    gc.collect()  # what is garbage now should not be kept for good
    gc.freeze()


def freeze_heap_at_startup(app: Litestar) -> Litestar:
    """Freeze the heap once the app has started (its lifespan hooks have run)."""
    app.on_startup.append(_freeze)
    return app
