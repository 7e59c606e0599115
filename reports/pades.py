"""PAdES signature of the whole PDF (pyHanko) and its validation.

Validation is judged by pyHanko's ``bottom_line`` (cryptographic integrity, trust chain to a
configured root, and no disallowed modification after signing) — never by ``valid`` alone,
which only says the digest matches.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports.errors import ReportError

FIELD_NAME = "TianpingSignature"


@dataclass(frozen=True, slots=True)
class PadesSigner:
    """The evaluation body's signing key and certificate (PEM), plus intermediate CAs."""

    key_pem: bytes
    cert_pem: bytes
    chain_pem: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class PadesResult:
    ok: bool
    problem: str | None
    signer: str | None = None
    signed_at: str | None = None


def sign_pdf(
    pdf: bytes, signer: PadesSigner, *, reason: str = "", location: str = "", name: str = ""
) -> bytes:
    """Append a PAdES B-B signature (incremental update) to ``pdf``."""
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        key = load_private_key_from_pemder_data(signer.key_pem, passphrase=None)
        cert = _load_cert(signer.cert_pem)
        chain = [_load_cert(c) for c in signer.chain_pem]
    except (ValueError, TypeError) as exc:
        raise ReportError(f"cannot load the PAdES signing key or certificate: {exc}") from None
    cms_signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason or None,
        location=location or None,
        name=name or None,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signers.sign_pdf(writer, meta, signer=cms_signer, output=out)
    return out.getvalue()


def _load_cert(pem: bytes) -> Any:
    from asn1crypto import pem as asn1pem
    from asn1crypto import x509

    data = pem
    if asn1pem.detect(pem):
        _, _, data = asn1pem.unarmor(pem)
    return x509.Certificate.load(data)


def check_pdf_signature(pdf: bytes, trust_roots_pem: Sequence[bytes]) -> PadesResult:
    """Validate the (single) PAdES signature against the given trust roots."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        return PadesResult(False, f"the file is not a readable PDF ({exc})")
    if not sigs:
        return PadesResult(False, "the PDF carries no PAdES signature")
    if len(sigs) > 1:
        return PadesResult(False, f"the PDF carries {len(sigs)} signatures; expected exactly one")
    roots = [_load_cert(p) for p in trust_roots_pem]
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(sigs[0], vc)
    except Exception as exc:  # pyHanko raises many kinds on mangled signature data
        return PadesResult(False, f"the PAdES signature cannot be validated ({exc})")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    if status.bottom_line:
        return PadesResult(True, None, signer, when)
    if not status.intact:
        why = "the PDF was changed after signing: its bytes no longer match the signed digest"
    elif not status.valid:
        why = "the PAdES signature value is invalid"
    elif not status.trusted:
        why = "the PAdES signer's certificate does not chain to a trusted evaluation-body root"
    else:
        why = f"the PDF was modified after signing ({status.modification_level})"
    return PadesResult(False, why, signer, when)
