"""Report rendering speed: one full report with a warm chart browser, and a round of 50.

    .venv/bin/python benchmarks/report_bench.py [--reports 50] [--workers 2] [--out FILE]

Peers measured in the same run:
* chart export through the warm session vs. Kaleido's one-shot API (a browser start per
  chart, what a naive implementation does);
* the 50-report batch with ``--workers`` threads vs. the per-report time of one-at-a-time.
Every report is the full document (≥ 8 pages, 7 charts), Ed25519-signed facts, PDF/A-3b with
the scorecard attached, PAdES-signed. Targets (issue 8): ≤ 4 s per report, ≤ 90 s for 50.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.keys_store import KeyStore
from reports.batch import RenderJob, render_many, render_signed
from reports.chart_export import ChartSession, browser_path
from reports.charts import all_figures
from reports.context import ReportContext
from reports.facts import FactsInput, build_facts, sign_facts
from reports.render import RenderTiming

FIXTURE = Path(__file__).resolve().parents[1] / "tests/unit/reports/data/scorecard_2026q4.json"


def _job(card: dict, code: str, keys: KeyStore, out: Path, i: int) -> RenderJob:
    kid, key = keys.private_key()
    info = FactsInput(
        f"TP-BENCH-{i:03d}", code, f"企业{code}", "BENCH", "基准测试轮次",
        date(2026, 10, 1), date(2026, 11, 30), date(2026, 12, 10), date(2027, 12, 10), kid,
    )  # fmt: skip
    signed = sign_facts(build_facts(card, info), key, kid)
    ctx = ReportContext(
        "天平评价中心", info.enterprise_name, "BENCH", info.round_title, info.period_start,
        info.period_end, info.issue_date, info.valid_until, certificate=signed,
    )  # fmt: skip
    return RenderJob(code, "zh", ctx, out / f"{info.number}.pdf")


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process with its finished workers, and of its live descendants (the
    Chromium processes, from /proc), to separate cost from waiting for a shared CPU."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    me = os.getpid()
    children = 0.0
    for pid in used:
        p = parent.get(pid, 0)
        while p and p != me:
            p = parent.get(p, 0)
        if p == me and pid != me:
            children += used[pid]
    own = os.times()  # children_*: worker processes already exited and reaped
    return own.user + own.system + own.children_user + own.children_system, children


def _oneshot_charts(card: dict, code: str) -> float:
    import kaleido

    started = time.perf_counter()
    for fig in all_figures(card, code, lang="zh").values():
        kaleido.calc_fig_sync(
            fig,
            opts={"format": "svg", "width": fig.layout.width, "height": fig.layout.height},
            kopts={"path": browser_path(), "mathjax": False},
        )
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="Append a markdown summary here.")
    args = ap.parse_args()
    card = json.loads(FIXTURE.read_text("utf-8"))
    codes = sorted(card["enterprises"])
    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    keys = KeyStore(tmp / "keys")
    keys.init("天平评价中心")
    signer = keys.pades_signer()
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    load = os.getloadavg()
    say(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} at start "
        "(the machine is shared; wall times include waiting for the CPU)"
    )
    t0 = time.perf_counter()
    session = ChartSession().open()
    say(f"chart browser start (once per process): {time.perf_counter() - t0:.2f} s")
    try:
        render_signed(card, _job(card, codes[0], keys, tmp, 0), signer, session)  # warm-up
        single: list[RenderTiming] = []
        walls = []
        for i in range(3):
            t = time.perf_counter()
            job = _job(card, codes[i % len(codes)], keys, tmp, 900 + i)
            render_signed(card, job, signer, session, single)
            walls.append(time.perf_counter() - t)
        one = statistics.median(walls)
        share = statistics.median(s.charts_seconds / s.total_seconds for s in single)
        pages = 0
        from pyhanko.pdf_utils.reader import PdfFileReader

        with (tmp / "TP-BENCH-900.pdf").open("rb") as fh:
            pages = int(PdfFileReader(fh, strict=False).root["/Pages"]["/Count"])
        say(
            f"one full report ({pages} pages, 7 charts, signed): {one:.2f} s median of 3 "
            f"(target ≤ 4 s); chart export {100 * share:.0f} % of render time"
        )
        warm_charts = statistics.median(s.charts_seconds for s in single)
        cold = _oneshot_charts(card, codes[0])
        say(
            f"7 charts: warm session {warm_charts:.2f} s vs. browser-per-chart {cold:.2f} s "
            f"→ {cold / warm_charts:.1f}× faster"
        )
        jobs = [_job(card, codes[i % len(codes)], keys, tmp, i) for i in range(args.reports)]
        timing: list[RenderTiming] = []
        cpu0 = _cpu_seconds()
        t = time.perf_counter()
        render_many(card, jobs, signer, session=session, workers=args.workers, timing=timing)
        batch = time.perf_counter() - t
        cpu1 = _cpu_seconds()
        py = (cpu1[0] - cpu0[0]) / args.reports
        chrome = (cpu1[1] - cpu0[1]) / args.reports
        cores = os.cpu_count() or 1
        share_b = sum(s.charts_seconds for s in timing) / sum(s.total_seconds for s in timing)
        say(
            f"{args.reports} reports, {args.workers} workers: {batch:.1f} s "
            f"({batch / args.reports:.2f} s per report; target ≤ 90 s for 50) — "
            f"{one * args.reports / batch:.2f}× one-at-a-time; chart export {100 * share_b:.0f} %"
            " of per-report render time"
        )
        say(
            f"CPU per report: {py:.2f} s Python (layout, PDF, signing, worker start-up) + "
            f"{chrome:.2f} s Chromium "
            f"(charts); on an idle {cores}-core machine {args.reports} reports need ≈ "
            f"{args.reports * (py + chrome) / cores:.0f} s of wall time at best"
        )
        say(f"load average at end {os.getloadavg()[0]:.1f}")
    finally:
        session.close()
    if args.out:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(f"* {line}" for line in lines) + "\n")


if __name__ == "__main__":
    main()
