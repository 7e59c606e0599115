"""Offline verification of a report PDF: PAdES signature, Ed25519-signed facts, attachments.

Used by ``tianping report verify`` and the web ``/verify`` upload alike. The registry status
(valid / revoked / expired / superseded) is a separate, online step (see
``app.domain.certificates.verification``); this module answers "is this file what the body
signed, and what does it certify?", naming every problem it finds.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reports.facts import (
    FactsInput,
    build_facts,
    fact_differences,
    scorecard_sha256,
    verify_facts,
)
from reports.pades import PadesResult, check_pdf_signature
from reports.render import CERTIFICATE_ATTACHMENT, SCORECARD_ATTACHMENT


@dataclass(frozen=True, slots=True)
class ReportVerification:
    pades: PadesResult
    facts: dict[str, Any] | None
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def number(self) -> str | None:
        return None if self.facts is None else str(self.facts.get("number"))


def attachments(pdf: bytes) -> dict[str, bytes]:
    """Embedded files of the PDF's latest revision, by file name."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out: dict[str, bytes] = {}
    names = reader.root.get("/Names")
    if names is None or "/EmbeddedFiles" not in names:
        return out
    stack = [names["/EmbeddedFiles"]]
    while stack:
        node = stack.pop()
        for kid in node.get("/Kids", []):
            stack.append(kid.get_object())
        pairs = list(node.get("/Names", []))
        for i in range(0, len(pairs) - 1, 2):
            spec = pairs[i + 1].get_object()
            stream = spec["/EF"]["/F"].get_object()
            out[str(pairs[i])] = stream.data
    return out


def _facts_input(facts: Mapping[str, Any]) -> FactsInput:
    return FactsInput(
        number=facts["number"],
        enterprise_code=facts["enterprise"]["code"],
        enterprise_name=facts["enterprise"]["name"],
        round_code=facts["round"]["code"],
        round_title=facts["round"]["title"],
        period_start=date.fromisoformat(facts["period"]["start"]),
        period_end=date.fromisoformat(facts["period"]["end"]),
        issue_date=date.fromisoformat(facts["issue_date"]),
        valid_until=date.fromisoformat(facts["valid_until"]),
        key_id=facts["key_id"],
    )


def _check_scorecard(raw: bytes, facts: Mapping[str, Any]) -> list[str]:
    try:
        card = json.loads(raw)
    except ValueError:
        return [f"the attached {SCORECARD_ATTACHMENT} is not valid JSON"]
    if scorecard_sha256(card) == facts.get("scorecard_sha256"):
        return []
    try:
        rebuilt = build_facts(card, _facts_input(facts))
    except (KeyError, ValueError, TypeError) as exc:
        return [f"the attached {SCORECARD_ATTACHMENT} was altered ({exc})"]
    changed = [p for p in fact_differences(facts, rebuilt) if p != "scorecard_sha256"]
    if changed:
        return [
            f"the attached {SCORECARD_ATTACHMENT} differs from the signed facts in: "
            + ", ".join(changed)
        ]
    return [
        f"the attached {SCORECARD_ATTACHMENT} was altered (its hash no longer matches the "
        "signed scorecard_sha256) outside the certified figures"
    ]


def verify_report_pdf(
    pdf: bytes,
    public_keys: Mapping[str, Ed25519PublicKey],
    trust_roots_pem: Sequence[bytes],
) -> ReportVerification:
    problems: list[str] = []
    pades = check_pdf_signature(pdf, trust_roots_pem)
    if not pades.ok:
        problems.append(f"PAdES: {pades.problem}")
    try:
        files = attachments(pdf)
    except Exception as exc:  # a mangled PDF can fail anywhere in the parser
        return ReportVerification(pades, None, (*problems, f"cannot read attachments ({exc})"))
    facts: dict[str, Any] | None = None
    cert_raw = files.get(CERTIFICATE_ATTACHMENT)
    if cert_raw is None:
        problems.append(
            f"the PDF has no {CERTIFICATE_ATTACHMENT} attachment (not a certified report)"
        )
    else:
        try:
            doc = json.loads(cert_raw)
            facts, signature = dict(doc["facts"]), str(doc["signature"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"the attached {CERTIFICATE_ATTACHMENT} is malformed")
        else:
            bad = verify_facts(facts, signature, public_keys)
            if bad:
                problems.append(f"Ed25519: {bad}")
    card_raw = files.get(SCORECARD_ATTACHMENT)
    if card_raw is None:
        problems.append(f"the PDF has no {SCORECARD_ATTACHMENT} attachment")
    elif facts is not None:
        problems += _check_scorecard(card_raw, facts)
    return ReportVerification(pades, facts, tuple(problems))


def compare_with_registry(
    facts: Mapping[str, Any], registry_facts: Mapping[str, Any] | None
) -> list[str]:
    """Problems when the PDF's facts differ from what the registry recorded at issuance."""
    if registry_facts is None:
        return []
    diff = fact_differences(registry_facts, facts)
    if diff:
        return ["the certified facts differ from the register's record in: " + ", ".join(diff)]
    return []
