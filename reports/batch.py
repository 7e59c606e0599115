"""Render, PAdES-sign and write many reports of one round, overlapping the work.

This process exports every report's charts through one warm :class:`ChartSession` and fills
the HTML; worker processes do the CPU-heavy layout, PDF writing and PAdES signing in
parallel (WeasyPrint holds the GIL, so threads would not use the second core).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from reports.chart_export import ChartSession, shared_session
from reports.context import ReportContext
from reports.pades import PadesSigner, sign_pdf
from reports.render import RenderTiming, html_to_pdf, prepare_report, render_report


@dataclass(frozen=True, slots=True)
class RenderJob:
    enterprise_code: str
    lang: Literal["zh", "en"]
    context: ReportContext
    out: Path


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_signed(
    document: dict[str, Any],
    job: RenderJob,
    signer: PadesSigner | None,
    session: ChartSession,
    timing: list[RenderTiming] | None = None,
) -> tuple[Path, str]:
    pdf = render_report(
        document, job.enterprise_code, job.lang, job.context, session=session, timing=timing
    )
    if signer is not None:
        pdf = sign_pdf(
            pdf,
            signer,
            reason=f"Certificate {job.context.number}",
            name=job.context.body_name,
        )
    job.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(job.out, pdf)
    return job.out, hashlib.sha256(pdf).hexdigest()


def _pdf_worker(
    html: str,
    atts: dict[str, tuple[bytes, str, str]],
    signer: PadesSigner | None,
    reason: str,
    name: str,
    out: Path,
) -> tuple[Path, str, float]:
    """Runs in a worker process: layout + PDF (the CPU-heavy, GIL-bound part) and signing."""
    started = time.perf_counter()
    pdf = html_to_pdf(html, atts)
    if signer is not None:
        pdf = sign_pdf(pdf, signer, reason=reason, name=name)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, pdf)
    return out, hashlib.sha256(pdf).hexdigest(), time.perf_counter() - started


def render_many(
    document: dict[str, Any],
    jobs: Sequence[RenderJob],
    signer: PadesSigner | None,
    *,
    session: ChartSession | None = None,
    workers: int = 2,
    timing: list[RenderTiming] | None = None,
) -> list[tuple[Path, str]]:
    """(path, SHA-256 of the final PDF) per job, in job order."""
    chart_session = session or shared_session()
    if workers <= 1 or len(jobs) <= 2:
        return [render_signed(document, j, signer, chart_session, timing) for j in jobs]
    # Layout holds the GIL, so threads cannot use a second core: ``workers`` processes
    # (spawned: this process runs the chart browser's threads, which must not be forked) do
    # layout, PDF and signing while this process exports the next reports' charts.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = []
        charts_s: list[float] = []
        for j in jobs:
            html, atts, secs = prepare_report(
                document, j.enterprise_code, j.lang, j.context, chart_session
            )
            charts_s.append(secs)
            reason = f"Certificate {j.context.number}"
            futures.append(
                pool.submit(_pdf_worker, html, atts, signer, reason, j.context.body_name, j.out)
            )
        results = [f.result() for f in futures]
    if timing is not None:
        timing.extend(RenderTiming(c, c + r[2]) for c, r in zip(charts_s, results, strict=True))
    return [(path, digest) for path, digest, _ in results]
