"""Printable QR codes for paper receipts: one card per invitation on an A4 PDF.

Cards carry the survey link as a QR code and a sequence number only (no personal data). The
PDF is built from inline SVG; WeasyPrint gets a URL fetcher that refuses every URL.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import segno
from weasyprint import HTML

from app.domain.fieldwork.invitations import IssuedInvitation
from app.errors import TianpingError

_CSS = """
@page { size: A4; margin: 10mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 0; }
.card { display: inline-block; width: 60mm; height: 62mm; box-sizing: border-box;
  border: 0.3mm dashed #888; padding: 3mm; text-align: center; vertical-align: top; }
.card svg { width: 40mm; height: 40mm; }
.card p { margin: 1mm 0; font-size: 8pt; }
"""


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise TianpingError(f"the QR sheet loads no external resource (asked for {url[:60]!r})")


def qr_sheet_pdf(
    issued: Sequence[IssuedInvitation], *, link_base: str, title: str, out: Path
) -> int:
    """Write the sheet to ``out``; returns the number of cards."""
    cards = []
    for number, inv in enumerate(issued, start=1):
        link = f"{link_base.rstrip('/')}/s/{inv.token}"
        svg = segno.make(link, error="m").svg_inline(scale=4, border=1)
        cards.append(
            f'<div class="card">{svg}<p>{html.escape(title)}</p>'
            f"<p>扫码评价 · Scan to rate · #{number}</p></div>"
        )
    document = (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{_CSS}</style></head>"
        f"<body>{''.join(cards)}</body></html>"
    )
    HTML(string=document, url_fetcher=_refuse).write_pdf(out)
    return len(cards)
