"""Executive summary in plain words, from the scorecard's benchmark and change blocks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.facts import enterprise_entry
from reports.i18n import Lang, dimension_name

ALPHA = 0.05


def _join(words: list[str], lang: Lang) -> str:
    if lang == "zh":
        return "、".join(words)
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def summary_sentences(
    scorecard: Mapping[str, Any],
    enterprise_code: str,
    lang: Lang,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    e = enterprise_entry(scorecard, enterprise_code)
    comp = e["composite"]
    grade = e["grade"]["grade"] if isinstance(e["grade"], Mapping) else e["grade"]
    conf = round(100 * float(scorecard.get("confidence", 0.95)))
    out: list[str] = []
    if lang == "zh":
        out.append(
            f"综合得分 {comp['estimate']:.1f} 分（{conf}% 置信区间 {comp['ci_low']:.1f}–"
            f"{comp['ci_high']:.1f}），评价等级 {grade}。"
        )
    else:
        out.append(
            f"The composite score is {comp['estimate']:.1f} ({conf}% confidence interval "
            f"{comp['ci_low']:.1f}–{comp['ci_high']:.1f}), grade {grade}."
        )
    bench = e.get("benchmark") or {}
    cb = bench.get("composite")
    if cb and cb.get("peers"):
        peers = int(cb["peers"])
        below = round(float(cb["percentile_rank"]) * peers / 100)
        out.append(
            f"在同轮 {peers} 家同业企业中，得分高于其中 {below} 家。"
            if lang == "zh"
            else f"It scores higher than {below} of {peers} peers in this round."
        )
    above = [d for d, b in bench.items() if d != "composite" and _significant(b, +1)]
    below_d = [d for d, b in bench.items() if d != "composite" and _significant(b, -1)]
    if above:
        words = [dimension_name(d, lang, names) for d in above]
        out.append(
            f"在{_join(words, lang)}方面显著高于行业基准。"
            if lang == "zh"
            else f"Significantly above the industry benchmark in {_join(words, lang).lower()}."
        )
    if below_d:
        words = [dimension_name(d, lang, names) for d in below_d]
        out.append(
            f"在{_join(words, lang)}方面显著低于行业基准。"
            if lang == "zh"
            else f"Significantly below the industry benchmark in {_join(words, lang).lower()}."
        )
    if not above and not below_d and bench:
        out.append(
            "各维度与行业基准均无显著差异。"
            if lang == "zh"
            else "No dimension differs significantly from the industry benchmark."
        )
    change = (e.get("change") or {}).get("composite")
    if change:
        sig = change["ci_low"] > 0 or change["ci_high"] < 0
        d = float(change["change"])
        if lang == "zh":
            trend = "上升" if d > 0 else "下降"
            tail = "，变化具有统计显著性。" if sig else "，变化在抽样误差范围内。"
            out.append(f"与上一轮相比综合得分{trend} {abs(d):.1f} 分{tail}")
        else:
            trend = "up" if d > 0 else "down"
            tail = (
                "; the change is statistically significant."
                if sig
                else "; the change is within sampling error."
            )
            out.append(
                f"Compared with the previous round the composite is {trend} "
                f"{abs(d):.1f} points{tail}"
            )
    if (e.get("grade") or {}).get("borderline"):
        out.append(
            "综合得分的置信区间跨越等级界限，等级判定为临界。"
            if lang == "zh"
            else "The composite's interval straddles a grade threshold: the grade is borderline."
        )
    return out


def _significant(b: Mapping[str, Any], sign: int) -> bool:
    p = b.get("p_holm")
    return p is not None and float(p) < ALPHA and sign * float(b.get("difference", 0)) > 0
