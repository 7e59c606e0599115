"""Scorecard JSON → report HTML → PDF/A-3b (WeasyPrint), charts from one warm Kaleido session.

:func:`render_report` is pure apart from the chart browser: same inputs, same pages. The PDF
carries two attachments: ``scorecard.json`` (the round's scorecard document, PDF/A-3
"Source") and ``certificate.json`` (the Ed25519-signed certified facts, "Data"). The PAdES
signature is applied afterwards by :mod:`reports.pades`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import segno

from reports.chart_export import ChartSession, shared_session
from reports.charts import all_figures
from reports.context import ReportContext
from reports.errors import ReportError
from reports.facts import enterprise_entry
from reports.fetcher import ASSET_SCHEME, AssetOnlyFetcher
from reports.i18n import (
    FLAGS,
    KPIS,
    LIKERT,
    QUADRANTS,
    TEXT,
    WEIGHT_METHODS,
    Lang,
    check_lang,
    dimension_name,
)
from reports.summary import summary_sentences

TEMPLATES = Path(__file__).parent / "templates"
SCORECARD_ATTACHMENT = "scorecard.json"
CERTIFICATE_ATTACHMENT = "certificate.json"
_WEASYPRINT_LOCK = threading.Lock()

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every value printed literally, whatever an enterprise is called
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{digits}f}"


def _pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * float(value):.{digits}f}%"


_env.filters["f"] = _fmt
_env.filters["pct"] = _pct


@dataclass(frozen=True, slots=True)
class RenderTiming:
    charts_seconds: float
    total_seconds: float


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_html(
    scorecard: Mapping[str, Any],
    enterprise_code: str,
    lang: Lang,
    context: ReportContext,
    charts: Mapping[str, str],
) -> str:
    """The report's HTML; ``charts`` maps chart name → SVG text."""
    lang = check_lang(lang)
    entry = enterprise_entry(scorecard, enterprise_code)
    names = context.names

    def name(code: str) -> str:
        return dimension_name(code, lang, names)

    weights = (scorecard.get("weights") or {}).get("weights") or {}
    table = (entry.get("drivers") or {}).get("table") or []
    ipa = {
        group: [name(r["dimension"]) for r in table if r.get("quadrant") == quadrant]
        for group, quadrant in (
            ("strengths", "keep up the good work"),
            ("priorities", "concentrate here"),
        )
    }
    cert = context.certificate
    return _env.get_template("report.html.j2").render(
        lang=lang,
        T={k: v[lang] for k, v in TEXT.items()},
        likert=LIKERT[lang],
        kpi_names={k: v[lang] for k, v in KPIS.items()},
        quadrants={k: v[lang] for k, v in QUADRANTS.items()},
        name=name,
        ctx=context,
        code=enterprise_code,
        e=entry,
        card=scorecard,
        weights=weights,
        ipa=ipa,
        methods={k: v[lang] for k, v in WEIGHT_METHODS.items()},
        flags={k: v[lang] for k, v in FLAGS.items()},
        conf_pct=round(100 * float(scorecard.get("confidence", 0.95))),
        summary=summary_sentences(scorecard, enterprise_code, lang, names),
        charts={k: _data_uri(v) for k, v in charts.items()},
        cert=cert,
        qr=_qr(context.verify_url) if cert else None,
        facts_json=json.dumps(cert.facts, ensure_ascii=False, sort_keys=True) if cert else "",
        grade=entry["grade"]["grade"] if isinstance(entry["grade"], Mapping) else entry["grade"],
    )


def html_to_pdf(html: str, attachments: Mapping[str, tuple[bytes, str, str]]) -> bytes:
    """WeasyPrint with the asset-only fetcher; PDF/A-3b with the given attachments
    (name → (content, description, relationship))."""
    from weasyprint import CSS, HTML, Attachment

    fetcher = AssetOnlyFetcher()
    atts = [
        Attachment(
            string=content,
            name=fname,
            description=desc,
            relationship=rel,
            url_fetcher=fetcher,
        )
        for fname, (content, desc, rel) in attachments.items()
    ]
    css = CSS(url=ASSET_SCHEME + "report.css", url_fetcher=fetcher)
    doc = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher)
    # WeasyPrint 70 opens its bundled sRGB profile for PDF/A and never closes it; silence only
    # that ResourceWarning. Warning filters are process-global, hence the lock (layout holds
    # the GIL anyway, so serialising it costs no parallelism).
    with _WEASYPRINT_LOCK, warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        pdf: bytes = doc.write_pdf(
            stylesheets=[css], attachments=atts, pdf_variant="pdf/a-3b", pdf_tags=False
        )
    return pdf


def prepare_report(
    scorecard: dict[str, Any],
    enterprise_code: str,
    lang: Lang,
    context: ReportContext,
    session: ChartSession,
) -> tuple[str, dict[str, tuple[bytes, str, str]], float]:
    """HTML (charts exported) and attachments of one report, and the chart export time."""
    lang = check_lang(lang)
    figures = all_figures(scorecard, enterprise_code, lang=lang, names=context.names)
    t0 = time.perf_counter()
    svgs = session.to_svg(figures)
    charts_s = time.perf_counter() - t0
    html = render_html(scorecard, enterprise_code, lang, context, svgs)
    atts: dict[str, tuple[bytes, str, str]] = {
        SCORECARD_ATTACHMENT: (
            json.dumps(scorecard, ensure_ascii=False, sort_keys=True).encode("utf-8"),
            "Scorecard document the report was rendered from",
            "Source",
        )
    }
    if context.certificate is not None:
        if context.certificate.facts.get("enterprise", {}).get("code") != enterprise_code:
            raise ReportError("the certificate's facts are for another enterprise")
        atts[CERTIFICATE_ATTACHMENT] = (
            json.dumps(context.certificate.to_dict(), ensure_ascii=False).encode("utf-8"),
            "Certified facts with their Ed25519 signature (RFC 8785 canonical JSON)",
            "Data",
        )
    return html, atts, charts_s


def render_report(
    scorecard: dict[str, Any],
    enterprise_code: str,
    lang: Lang,
    context: ReportContext,
    *,
    session: ChartSession | None = None,
    timing: list[RenderTiming] | None = None,
) -> bytes:
    """One enterprise's report as PDF/A-3b bytes (not yet PAdES-signed)."""
    started = time.perf_counter()
    html, atts, charts_s = prepare_report(
        scorecard, enterprise_code, lang, context, session or shared_session()
    )
    pdf = html_to_pdf(html, atts)
    if timing is not None:
        timing.append(RenderTiming(charts_s, time.perf_counter() - started))
    return pdf
