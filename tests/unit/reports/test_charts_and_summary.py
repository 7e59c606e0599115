"""Chart definitions (data, not pixels) and the plain-words summary."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reports.charts import (
    CHARTS,
    dimension_chart,
    item_distribution_chart,
    kpi_chart,
    peer_chart,
    stratum_chart,
    trend_chart,
)
from reports.summary import summary_sentences
from tests.unit.reports.conftest import ENTERPRISE


def test_dimension_chart_has_estimates_and_ci_error_bars(scorecard: dict[str, Any]) -> None:
    entry = scorecard["enterprises"][ENTERPRISE]
    bar = dimension_chart(scorecard, ENTERPRISE, lang="en").data[0]
    # Plotly draws categories bottom-up: reversed, the first dimension is on top and the
    # composite at the bottom.
    rows = [*entry["dimensions"].values(), entry["composite"]][::-1]
    assert next(iter(bar.y)) == "Composite score"
    assert list(bar.x) == pytest.approx([r["estimate"] for r in rows])
    assert list(bar.error_x.arrayminus) == pytest.approx(
        [r["estimate"] - r["ci_low"] for r in rows]
    )
    assert list(bar.error_x.array) == pytest.approx([r["ci_high"] - r["estimate"] for r in rows])


def test_chart_labels_follow_the_language(scorecard: dict[str, Any]) -> None:
    assert "服务态度" in dimension_chart(scorecard, ENTERPRISE, lang="zh").data[0].y
    assert "Service attitude" in dimension_chart(scorecard, ENTERPRISE, lang="en").data[0].y


def test_peer_chart_highlights_only_the_enterprise(scorecard: dict[str, Any]) -> None:
    fig = peer_chart(scorecard, ENTERPRISE, lang="zh")
    bar = fig.data[0]
    assert len(bar.x) == len(scorecard["enterprises"])
    assert list(bar.y).count("本企业") == 1
    # peers are anonymous: no enterprise code appears
    assert not any(str(label).startswith("E0") for label in bar.y)


def test_trend_chart_compares_with_previous_round(scorecard: dict[str, Any]) -> None:
    change = scorecard["enterprises"][ENTERPRISE]["change"]
    fig = trend_chart(scorecard, ENTERPRISE, lang="en")
    prev, cur = fig.data
    dims = list(scorecard["enterprises"][ENTERPRISE]["dimensions"])
    assert list(prev.y) == pytest.approx([change[c]["previous"] for c in [*dims, "composite"]])
    assert len(cur.y) == len(change)


def test_stratum_chart_omits_suppressed_cells(scorecard: dict[str, Any]) -> None:
    card = copy.deepcopy(scorecard)
    cells = card["enterprises"][ENTERPRISE]["domains"]["channel"]
    cells["onsite"] = {"suppressed": True}
    fig = stratum_chart(card, ENTERPRISE, lang="en")
    assert "onsite" not in list(fig.data[0].x)
    assert len(fig.data[0].x) == len(cells) - 1


def test_item_distribution_diverges_around_zero(scorecard: dict[str, Any]) -> None:
    fig = item_distribution_chart(scorecard, ENTERPRISE, lang="en")
    very_bad = fig.data[0]
    very_good = fig.data[-1]
    assert all(x <= 0 for x in very_bad.x)
    assert all(x >= 0 for x in very_good.x)


def test_kpi_chart_marks_unmet_targets(scorecard: dict[str, Any]) -> None:
    card = copy.deepcopy(scorecard)
    card["enterprises"][ENTERPRISE]["kpis"]["first_response_24h"]["estimate"] = 0.5
    fig = kpi_chart(card, ENTERPRISE, lang="en")
    labels = list(fig.data[0].y)
    colour = fig.data[0].marker.color[labels.index("First response within 24 h")]
    assert colour == "#c62828"
    assert len(fig.layout.shapes) == len(labels)  # one target line per indicator


def test_every_chart_builds_for_every_enterprise(scorecard: dict[str, Any]) -> None:
    for code in scorecard["enterprises"]:
        for name, fn in CHARTS.items():
            assert fn(scorecard, code, lang="zh").data, name


def test_summary_counts_peers_below(scorecard: dict[str, Any]) -> None:
    bench = scorecard["enterprises"]["E005"]["benchmark"]["composite"]
    below = round(bench["percentile_rank"] * bench["peers"] / 100)
    en = summary_sentences(scorecard, "E005", "en")
    assert f"It scores higher than {below} of {bench['peers']} peers in this round." in en
    zh = summary_sentences(scorecard, "E005", "zh")
    assert any(f"高于其中 {below} 家" in s for s in zh)


def test_summary_names_significant_dimensions(scorecard: dict[str, Any]) -> None:
    card = copy.deepcopy(scorecard)
    bench = card["enterprises"][ENTERPRISE]["benchmark"]
    for _code, b in bench.items():
        b["p_holm"] = 0.5
    bench["responsiveness"].update(p_holm=0.001, difference=4.0)
    text = " ".join(summary_sentences(card, ENTERPRISE, "en"))
    assert "Significantly above the industry benchmark in responsiveness." in text
    assert "below" not in text.replace("higher than", "")
