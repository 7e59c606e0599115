"""Plotly figures of one enterprise's scorecard — one definition per chart.

Pure functions ``(scorecard, enterprise_code, *, lang, names) → go.Figure``, shared by the PDF
report (exported to SVG) and the web portal (rendered as interactive figures). Styling is
for print: fixed sizes, 11–12 pt text, a CJK-capable font, greys plus one accent colour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go

from reports.facts import enterprise_entry
from reports.i18n import KPIS, LIKERT, QUADRANTS, Lang, dimension_name, t

FONT = "Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif"
ACCENT = "#1f4e79"
PEER = "#9aa5b1"
GOOD = "#2e7d32"
BAD = "#c62828"
WIDTH = 680
# Targets for the objective indicators (share of cases meeting each time limit; complaint rate
# at most). Defaults mirror common after-sales service standards; a plan may override them.
KPI_TARGETS: Mapping[str, tuple[str, float]] = {
    "first_response_24h": (">=", 0.95),
    "resolved_3_working_days": (">=", 0.90),
    "resolved_30_days": (">=", 0.98),
    "complaint_rate": ("<=", 0.05),
}

Names = Mapping[str, Mapping[str, str]] | None


def _layout(fig: go.Figure, height: int, **extra: Any) -> go.Figure:
    base: dict[str, Any] = {
        "width": WIDTH,
        "height": height,
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "margin": {"l": 150, "r": 30, "t": 30, "b": 50},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "showlegend": False,
    }
    fig.update_layout(**{**base, **extra})
    fig.update_xaxes(showline=True, linecolor="#888", gridcolor="#e5e5e5", zeroline=False)
    fig.update_yaxes(showline=True, linecolor="#888", gridcolor="#e5e5e5", zeroline=False)
    return fig


def _dims(scorecard: Mapping[str, Any], code: str) -> list[str]:
    return list(enterprise_entry(scorecard, code)["dimensions"])


def dimension_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """Dimension and composite estimates with their confidence intervals (error bars)."""
    entry = enterprise_entry(scorecard, enterprise_code)
    rows = [(d, entry["dimensions"][d]) for d in _dims(scorecard, enterprise_code)]
    rows.append(("composite", entry["composite"]))
    labels = [dimension_name(c, lang, names) for c, _ in rows][::-1]
    est = [float(e["estimate"]) for _, e in rows][::-1]
    hi = [float(e["ci_high"]) - float(e["estimate"]) for _, e in rows][::-1]
    lo = [float(e["estimate"]) - float(e["ci_low"]) for _, e in rows][::-1]
    colors = [ACCENT if c == "composite" else "#5b7fa6" for c, _ in rows][::-1]
    fig = go.Figure(
        go.Bar(
            x=est,
            y=labels,
            orientation="h",
            marker_color=colors,
            error_x={"type": "data", "array": hi, "arrayminus": lo, "color": "#222", "width": 4},
            text=[f"{v:.1f}" for v in est],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
        )
    )
    fig.update_xaxes(range=[0, 100], title_text=t("estimate", lang) + " (0–100)")
    return _layout(fig, 300)


def peer_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """The enterprise's composite among every enterprise of the round (peers anonymous)."""
    enterprise_entry(scorecard, enterprise_code)
    items = sorted(
        (
            (c, float(e["composite"]["estimate"]), e["composite"])
            for c, e in scorecard["enterprises"].items()
        ),
        key=lambda r: r[1],
    )
    peer_word = "同业" if lang == "zh" else "Peer"
    labels, colors = [], []
    k = 0
    for code, _, _ in items:
        if code == enterprise_code:
            labels.append(t("enterprise", lang) if lang == "en" else "本企业")
            colors.append(ACCENT)
        else:
            k += 1
            labels.append(f"{peer_word} {k}")
            colors.append(PEER)
    fig = go.Figure(
        go.Bar(
            x=[v for _, v, _ in items],
            y=labels,
            orientation="h",
            marker_color=colors,
            error_x={
                "type": "data",
                "array": [float(e["ci_high"]) - v for _, v, e in items],
                "arrayminus": [v - float(e["ci_low"]) for _, v, e in items],
                "color": "#444",
                "width": 3,
            },
        )
    )
    bench = enterprise_entry(scorecard, enterprise_code).get("benchmark", {}).get("composite")
    if bench and bench.get("peer_mean") is not None:
        fig.add_vline(
            x=float(bench["peer_mean"]),
            line={"color": BAD, "dash": "dash", "width": 1.5},
            annotation_text=t("peer_mean", lang) + f" {float(bench['peer_mean']):.1f}",
            annotation_position="top",
        )
    fig.update_xaxes(range=[0, 100], title_text=dimension_name("composite", lang, names))
    return _layout(fig, 40 + 24 * len(items) + 60, margin={"l": 90, "r": 30, "t": 40, "b": 50})


def trend_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """This round against the previous one, per dimension and composite."""
    entry = enterprise_entry(scorecard, enterprise_code)
    change = entry.get("change") or {}
    codes = [c for c in [*_dims(scorecard, enterprise_code), "composite"] if c in change]
    labels = [dimension_name(c, lang, names) for c in codes]
    cur = [
        float((entry["composite"] if c == "composite" else entry["dimensions"][c])["estimate"])
        for c in codes
    ]
    prev = [float(change[c]["previous"]) for c in codes]
    fig = go.Figure(
        [
            go.Bar(name=t("previous", lang), x=labels, y=prev, marker_color=PEER),
            go.Bar(
                name=t("current", lang),
                x=labels,
                y=cur,
                marker_color=ACCENT,
                text=[f"{float(change[c]['change']):+.1f}" for c in codes],
                textposition="outside",
            ),
        ]
    )
    fig.update_yaxes(range=[0, 105], title_text=t("estimate", lang))
    return _layout(
        fig,
        300,
        barmode="group",
        showlegend=True,
        legend={"orientation": "h", "y": 1.12, "x": 0},
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
    )


def item_distribution_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """Diverging stacked bars: dissatisfied answers to the left of zero, satisfied to the right,
    neutral split across it (weighted shares of raw answers)."""
    dist: Mapping[str, list[float]] = (
        enterprise_entry(scorecard, enterprise_code).get("item_distributions") or {}
    )
    items = list(dist)[::-1]
    labels = LIKERT[lang]
    colors = ("#b2182b", "#ef8a62", "#bdbdbd", "#67a9cf", "#2166ac")
    fig = go.Figure()
    share = {code: [100 * p for p in dist[code]] for code in items}
    for k, (lab, col) in enumerate(zip(labels, colors, strict=True)):
        if k < 2:
            xs = [-share[c][k] for c in items]
        elif k == 2:
            xs = [-share[c][2] / 2 for c in items]
        else:
            xs = [share[c][k] for c in items]
        fig.add_trace(go.Bar(name=lab, y=items, x=xs, orientation="h", marker_color=col))
        if k == 2:
            fig.add_trace(
                go.Bar(
                    name=lab,
                    y=items,
                    x=[share[c][2] / 2 for c in items],
                    orientation="h",
                    marker_color=col,
                    showlegend=False,
                )
            )
    fig.update_xaxes(range=[-60, 100], ticksuffix="%")
    return _layout(
        fig,
        60 + 18 * len(items) + 60,
        barmode="relative",
        showlegend=True,
        legend={"orientation": "h", "y": -0.08, "x": 0, "yanchor": "top"},
        margin={"l": 60, "r": 20, "t": 20, "b": 80},
    )


def importance_performance_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """Importance (share of explained variance) against performance, split at the means."""
    drivers = enterprise_entry(scorecard, enterprise_code).get("drivers") or {}
    table = drivers.get("table") or []
    x = [100 * float(r["importance"]) for r in table]
    y = [float(r["performance"]) for r in table]
    # Alternate labels above/below in order of importance so neighbours do not overprint.
    order = sorted(range(len(x)), key=lambda i: x[i])
    where = ["top center"] * len(x)
    for rank, i in enumerate(order):
        where[i] = "top center" if rank % 2 == 0 else "bottom center"
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=[dimension_name(r["dimension"], lang, names) for r in table],
            textposition=where,
            marker={"size": 11, "color": ACCENT},
            cliponaxis=False,
        )
    )
    if table:
        fig.add_vline(x=sum(x) / len(x), line={"color": "#888", "dash": "dot"})
        fig.add_hline(y=sum(y) / len(y), line={"color": "#888", "dash": "dot"})
        pad_y = max(2.0, (max(y) - min(y)) * 0.35)
        pad_x = max(2.0, (max(x) - min(x)) * 0.25)
        fig.update_yaxes(range=[min(y) - pad_y, max(y) + pad_y])
        fig.update_xaxes(range=[max(0.0, min(x) - pad_x), max(x) + pad_x])
        corners = (
            ("concentrate here", 1, 0),
            ("keep up the good work", 1, 1),
            ("low priority", 0, 0),
            ("possible overkill", 0, 1),
        )
        for key, right, top in corners:
            fig.add_annotation(
                x=1 if right else 0,
                y=1 if top else 0,
                xref="paper",
                yref="paper",
                xanchor="right" if right else "left",
                yanchor="top" if top else "bottom",
                text=QUADRANTS[key][lang],
                showarrow=False,
                font={"size": 10, "color": "#666"},
            )
    imp = "重要性（解释方差占比，%）" if lang == "zh" else "Importance (share of R², %)"
    fig.update_xaxes(title_text=imp)
    fig.update_yaxes(title_text=t("estimate", lang))
    return _layout(fig, 340, margin={"l": 60, "r": 30, "t": 20, "b": 50})


def kpi_chart(
    scorecard: Mapping[str, Any],
    enterprise_code: str,
    *,
    lang: Lang = "zh",
    names: Names = None,
    targets: Mapping[str, tuple[str, float]] = KPI_TARGETS,
) -> go.Figure:
    """Shares of cases meeting each time limit, with the standard's target marked."""
    kpis = enterprise_entry(scorecard, enterprise_code).get("kpis") or {}
    codes = [c for c in KPIS if c in kpis and kpis[c].get("estimate") is not None]
    vals = [100 * float(kpis[c]["estimate"]) for c in codes]
    ok = [_meets(vals[i] / 100, targets.get(c)) for i, c in enumerate(codes)]
    fig = go.Figure(
        go.Bar(
            x=vals,
            y=[KPIS[c][lang] for c in codes],
            orientation="h",
            marker_color=[GOOD if m is not False else BAD for m in ok],
            text=[f"{v:.1f}%" if v > 30 else f"    {v:.1f}%" for v in vals],
            # Long bars carry their value inside (clear of the target mark), short ones outside.
            textposition=["inside" if v > 30 else "outside" for v in vals],
            insidetextanchor="middle",
            textfont={"color": ["white" if v > 30 else "#222" for v in vals]},
            cliponaxis=False,
        )
    )
    for i, c in enumerate(codes):
        if c in targets:
            fig.add_shape(
                type="line",
                x0=100 * targets[c][1],
                x1=100 * targets[c][1],
                y0=i - 0.45,
                y1=i + 0.45,
                line={"color": "#222", "width": 2, "dash": "dash"},
            )
    fig.update_xaxes(range=[0, 112], ticksuffix="%")
    return _layout(fig, 60 + 50 * max(len(codes), 1), margin={"l": 190, "r": 30, "t": 20, "b": 40})


def _meets(value: float, target: tuple[str, float] | None) -> bool | None:
    if target is None:
        return None
    op, level = target
    return value >= level if op == ">=" else value <= level


def stratum_chart(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> go.Figure:
    """Composite per stratum value (e.g. channel); suppressed cells (< 5 respondents) omitted."""
    domains = enterprise_entry(scorecard, enterprise_code).get("domains") or {}
    labels, est, lo, hi = [], [], [], []
    for col, cells in domains.items():
        for value, cell in cells.items():
            if cell.get("suppressed"):
                continue
            c = cell["composite"]
            labels.append(f"{col}: {value}" if len(domains) > 1 else str(value))
            est.append(float(c["estimate"]))
            lo.append(float(c["estimate"]) - float(c["ci_low"]))
            hi.append(float(c["ci_high"]) - float(c["estimate"]))
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=est,
            marker_color="#5b7fa6",
            error_y={"type": "data", "array": hi, "arrayminus": lo, "color": "#222", "width": 4},
        )
    )
    fig.update_yaxes(range=[0, 100], title_text=dimension_name("composite", lang, names))
    return _layout(fig, 260, margin={"l": 60, "r": 20, "t": 20, "b": 40})


ChartFn = Callable[..., go.Figure]
# Order = order of appearance in the report; the web portal may pick any subset.
CHARTS: Mapping[str, ChartFn] = {
    "dimensions": dimension_chart,
    "peers": peer_chart,
    "trend": trend_chart,
    "strata": stratum_chart,
    "items": item_distribution_chart,
    "kpis": kpi_chart,
    "ipa": importance_performance_chart,
}


def all_figures(
    scorecard: Mapping[str, Any], enterprise_code: str, *, lang: Lang = "zh", names: Names = None
) -> dict[str, go.Figure]:
    return {k: fn(scorecard, enterprise_code, lang=lang, names=names) for k, fn in CHARTS.items()}
