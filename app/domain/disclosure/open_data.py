"""Open data of a public round: one row per enterprise, stable column names (docs/web.md).

Only what the public results page shows: no respondent-level data, no personal data. CSV text
cells that a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from app.domain.disclosure.results import PublicResults

FORMAT_VERSION = "tianping-open-results/1"

# The public contract: add columns at the end, never rename or reorder.
COLUMNS: tuple[str, ...] = (
    "round_code",
    "round_title",
    "period_start",
    "period_end",
    "follows_round_code",
    "enterprise_code",
    "enterprise_name",
    "grade",
    "composite",
    "composite_ci_low",
    "composite_ci_high",
    "confidence",
    "responded",
    "certificate_number",
    "certificate_status",
    "certificate_valid_until",
    "reevaluated_in_round_code",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``) is prefixed with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows(results: PublicResults) -> list[dict[str, Any]]:
    r = results.round
    follows = results.follows.code if results.follows else None
    out = []
    for e in results.results:
        out.append(
            {
                "round_code": r.code,
                "round_title": r.title,
                "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(),
                "follows_round_code": follows,
                "enterprise_code": e.enterprise_code,
                "enterprise_name": e.enterprise_name,
                "grade": e.grade,
                "composite": _round(e.composite),
                "composite_ci_low": _round(e.composite_ci_low),
                "composite_ci_high": _round(e.composite_ci_high),
                "confidence": results.confidence,
                "responded": e.responded,
                "certificate_number": e.certificate_number,
                "certificate_status": e.certificate_status,
                "certificate_valid_until": (
                    e.certificate_valid_until.isoformat() if e.certificate_valid_until else None
                ),
                "reevaluated_in_round_code": e.reevaluated_in.code if e.reevaluated_in else None,
            }
        )
    return out


def _round(value: float | None) -> float | None:
    # Two decimals: finer digits than the sampling error are noise, not information.
    return None if value is None else round(value, 2)


def to_csv(results: PublicResults) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(results):
        writer.writerow({k: "" if v is None else guard_cell(v) for k, v in row.items()})
    return buf.getvalue()


def to_json(results: PublicResults) -> str:
    doc = {"format": FORMAT_VERSION, "columns": list(COLUMNS), "results": rows(results)}
    return json.dumps(doc, ensure_ascii=False, indent=1)
