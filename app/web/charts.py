"""Portal charts: the report's Plotly figure definitions, serialised for the browser.

Figures travel as JSON in a ``<script type="application/json">`` block and are drawn by
``/static/js/portal.js`` with the bundled ``plotly.min.js`` — no inline script (CSP).

Building the Plotly figures costs ~80 ms per page (most of the scorecard page's time, see
``benchmarks/results/portal.md``) while an issued scorecard never changes, so the JSON is kept
in a small LRU cache keyed by the SHA-256 of the document itself (plus enterprise and language):
equal inputs give equal output, and nothing can be served for a document it was not built from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from reports import charts

log = logging.getLogger("tianping.web")

PORTAL_CHARTS = {
    "dimensions": charts.dimension_chart,
    "peers": charts.peer_chart,
    "trend": charts.trend_chart,
    "items": charts.item_distribution_chart,
    "ipa": charts.importance_performance_chart,
}


def _has_points(trace: Any) -> bool:
    for axis in ("x", "y", "values"):
        points = getattr(trace, axis, None)
        if points is not None and len(points) > 0:
            return True
    return False


CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
_cache_lock = threading.Lock()


def chart_json(document: Mapping[str, Any], enterprise_code: str, lang: str) -> str:
    """All portal figures as one JSON object ``{name: figure}`` (figures without data left out)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    key = (hashlib.sha256(canonical.encode("utf-8")).hexdigest(), enterprise_code, lang)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    built = _build(document, enterprise_code, lang)
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def _build(document: Mapping[str, Any], enterprise_code: str, lang: str) -> str:
    figures: dict[str, Any] = {}
    for name, build in PORTAL_CHARTS.items():
        try:
            fig = build(document, enterprise_code, lang=lang)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
            # Missing parts (no previous round, too few answers) just leave the chart out.
            log.info("portal chart %s skipped: %s", name, type(exc).__name__)
            continue
        if not any(_has_points(trace) for trace in fig.data):
            # Traces without points (no previous round, no driver table) draw empty axes.
            continue
        fig.update_layout(width=None, autosize=True)
        figures[name] = json.loads(fig.to_json())
    # No "<" inside the JSON script block, so nothing in the data can end the element early.
    return json.dumps(figures, ensure_ascii=False).replace("<", "\\u003c")
