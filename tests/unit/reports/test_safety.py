"""Escaping in the templates and the asset-only URL fetcher (DESIGN §6)."""

from __future__ import annotations

from typing import Any

import pytest

from reports.charts import CHARTS
from reports.fetcher import AssetOnlyFetcher
from reports.render import html_to_pdf, render_html
from tests.unit.reports.conftest import ENTERPRISE, make_context

NO_CHARTS = dict.fromkeys(CHARTS, "<svg xmlns='http://www.w3.org/2000/svg'/>")
HOSTILE = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>']


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_enterprise_name_prints_literally(scorecard: dict[str, Any], name: str, lang: str) -> None:
    html = render_html(scorecard, ENTERPRISE, lang, make_context(None, name=name), NO_CHARTS)  # type: ignore[arg-type]
    assert name not in html
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;") in html


def test_stratum_values_and_findings_are_escaped(scorecard: dict[str, Any]) -> None:
    card = {**scorecard, "enterprises": dict(scorecard["enterprises"])}
    entry = dict(card["enterprises"][ENTERPRISE])
    cells = dict(entry["domains"]["channel"])
    cells["<b>evil</b>"] = {"suppressed": True}
    entry["domains"] = {"channel": cells}
    card["enterprises"][ENTERPRISE] = entry
    html = render_html(card, ENTERPRISE, "en", make_context(None), NO_CHARTS)
    assert "<b>evil</b>" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://169.254.169.254/latest/meta-data",
        "ftp://example.com/a",
        "tianping-asset:../../../../etc/passwd",
        "tianping-asset:/../render.py",
    ],
)
def test_fetcher_refuses_anything_but_bundled_assets(url: str) -> None:
    fetcher = AssetOnlyFetcher()
    with pytest.raises(ValueError, match="refuses"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_bundled_css_and_data_uris() -> None:
    fetcher = AssetOnlyFetcher()
    css = fetcher.fetch("tianping-asset:report.css")
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGk=")
    assert data.read() == b"hi"


def test_pdf_rendering_never_reads_local_files(tmp_path: Any) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text>TOPSECRET</text></svg>', "utf-8"
    )
    html = (
        f'<html><body><p>x</p><img src="{secret.as_uri()}">'
        f'<link rel="stylesheet" href="{secret.as_uri()}"></body></html>'
    )
    pdf = html_to_pdf(html, {})
    assert pdf.startswith(b"%PDF")
    assert b"TOPSECRET" not in pdf


def test_complaint_classes_are_named_in_the_reports_language(scorecard: dict) -> None:  # type: ignore[type-arg]
    # The KPI table's per-class rows once printed the code ("general") in Chinese reports.
    html = render_html(scorecard, ENTERPRISE, "zh", make_context(None), NO_CHARTS)  # type: ignore[arg-type]
    assert "投诉平均处理时长 (一般投诉)" in html
    assert "(general)" not in html
