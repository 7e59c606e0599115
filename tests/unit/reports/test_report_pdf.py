"""Rendered, signed reports: PDF/A-3b with attachments; signatures verify; tampering of a byte,
a number in the attached JSON or the page order is detected and named."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from app.keys_store import KeyStore
from reports.batch import RenderJob, render_many
from reports.chart_export import ChartSession
from reports.facts import build_facts, sign_facts
from reports.pades import sign_pdf
from reports.render import render_report
from reports.verify import attachments, verify_report_pdf
from tests.unit.reports.conftest import ENTERPRISE, SignedReport, facts_input, make_context


def _verify(pdf: bytes, keys: KeyStore) -> Any:
    return verify_report_pdf(pdf, keys.public_keys(), keys.trust_roots())


def test_signed_report_verifies(signed_report: SignedReport, keys: KeyStore) -> None:
    result = _verify(signed_report.pdf, keys)
    assert result.ok, result.problems
    assert result.pades.ok
    assert result.number == signed_report.signed.facts["number"]
    assert result.facts == signed_report.signed.facts


def test_report_is_pdfa3b_with_attachments_and_enough_pages(signed_report: SignedReport) -> None:
    pdf = signed_report.pdf
    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    xmp = root["/Metadata"].get_object().data
    assert re.search(rb"pdfaid:part.{1,3}3", xmp), xmp[:400]
    assert re.search(rb"pdfaid:conformance.{1,3}B", xmp)
    assert "/OutputIntents" in root
    files = attachments(pdf)
    assert json.loads(files["scorecard.json"]) == signed_report.scorecard
    assert json.loads(files["certificate.json"])["signature"] == signed_report.signed.signature
    assert root["/Pages"]["/Count"] >= 8


def test_a_single_changed_byte_is_detected(signed_report: SignedReport, keys: KeyStore) -> None:
    pdf = bytearray(signed_report.pdf)
    pdf[len(pdf) // 2] ^= 0x01
    result = _verify(bytes(pdf), keys)
    assert not result.ok
    assert any("changed after signing" in p or "PAdES" in p for p in result.problems)


def test_changed_number_in_attached_json_is_named(
    signed_report: SignedReport, keys: KeyStore, charts: ChartSession
) -> None:
    # The forger changes the composite in the scorecard, keeps the signed facts, renders a
    # new PDF and even PAdES-signs it with the body's own certificate (an insider without the
    # Ed25519 key): the changed number is found and named.
    forged = json.loads(json.dumps(signed_report.scorecard))
    forged["enterprises"][ENTERPRISE]["composite"]["estimate"] += 3.0
    pdf = render_report(
        forged, ENTERPRISE, "zh", make_context(signed_report.signed), session=charts
    )
    pdf = sign_pdf(pdf, keys.pades_signer())
    result = _verify(pdf, keys)
    assert result.pades.ok
    assert not result.ok
    assert any("composite.estimate" in p for p in result.problems), result.problems


def test_facts_signed_by_an_unknown_key_are_rejected(
    scorecard: dict[str, Any], keys: KeyStore, charts: ChartSession, tmp_path: Any
) -> None:
    rogue = KeyStore(tmp_path / "rogue")
    rogue.init("Rogue body")
    kid, key = rogue.private_key()
    signed = sign_facts(build_facts(scorecard, facts_input(kid)), key, kid)
    pdf = render_report(scorecard, ENTERPRISE, "en", make_context(signed), session=charts)
    pdf = sign_pdf(pdf, rogue.pades_signer())
    result = _verify(pdf, keys)
    assert any("does not know" in p for p in result.problems)
    assert any("trusted" in p for p in result.problems)


def test_swapped_pages_are_detected(signed_report: SignedReport, keys: KeyStore) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_report.pdf), strict=False)
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    refs = [kids.raw_get(i) for i in range(len(kids))]
    swapped = generic.ArrayObject([refs[1], refs[0], *refs[2:]])
    pages[generic.NameObject("/Kids")] = swapped
    writer.update_container(pages)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    result = _verify(out.getvalue(), keys)
    assert not result.pades.ok
    assert not result.ok


def test_unsigned_draft_is_not_a_certified_report(
    scorecard: dict[str, Any], keys: KeyStore, charts: ChartSession
) -> None:
    pdf = render_report(scorecard, ENTERPRISE, "en", make_context(None), session=charts)
    result = _verify(pdf, keys)
    assert any("no PAdES signature" in p for p in result.problems)
    assert any("not a certified report" in p for p in result.problems)


def test_batch_rendering_in_worker_processes_signs_every_report(
    scorecard: dict[str, Any], keys: KeyStore, charts: ChartSession, tmp_path: Any
) -> None:
    kid, key = keys.private_key()
    jobs = []
    for i, code in enumerate(["E001", "E002", "E003"]):
        info = replace(facts_input(kid), number=f"TP-BATCH-{i}", enterprise_code=code)
        signed = sign_facts(build_facts(scorecard, info), key, kid)
        ctx = replace(make_context(signed), enterprise_name=code)
        jobs.append(RenderJob(code, "en", ctx, tmp_path / f"{code}.pdf"))
    results = render_many(scorecard, jobs, keys.pades_signer(), session=charts, workers=2)
    assert [path for path, _ in results] == [j.out for j in jobs]
    for (path, digest), job in zip(results, jobs, strict=True):
        pdf = path.read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == digest
        result = _verify(pdf, keys)
        assert result.ok, result.problems
        assert result.facts is not None
        assert result.facts["enterprise"]["code"] == job.enterprise_code
