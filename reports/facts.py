"""Certified facts (DESIGN §5): what the certificate states, canonicalised and Ed25519-signed.

The facts are a small JSON object; the signature is over its RFC 8785 canonical form, so any
verifier in any language reproduces the exact signed bytes. Numbers are rounded to the
precision printed in the report (2 decimals) before signing, so the printed figures *are*
the signed figures and a reader can compare them by eye.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reports.errors import ReportError

FACTS_VERSION = 1
_ESTIMATE_KEYS = ("estimate", "se", "ci_low", "ci_high")


@dataclass(frozen=True, slots=True)
class FactsInput:
    """What the issuer knows beyond the scorecard: who, which round, when, which key."""

    number: str
    enterprise_code: str
    enterprise_name: str
    round_code: str
    round_title: str
    period_start: date
    period_end: date
    issue_date: date
    valid_until: date
    key_id: str
    body_name: str = ""


@dataclass(frozen=True, slots=True)
class SignedFacts:
    facts: dict[str, Any]
    signature: str  # base64url, no padding
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"facts": self.facts, "signature": self.signature, "key_id": self.key_id}


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return round(float(value), 2)


def _estimate(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _num(entry.get(k)) for k in _ESTIMATE_KEYS}


def scorecard_sha256(scorecard: Mapping[str, Any]) -> str:
    """Hash of the attached scorecard document (canonical JSON), bound into the facts."""
    return hashlib.sha256(rfc8785.dumps(dict(scorecard))).hexdigest()


def enterprise_entry(scorecard: Mapping[str, Any], enterprise_code: str) -> Mapping[str, Any]:
    try:
        entry: Mapping[str, Any] = scorecard["enterprises"][enterprise_code]
    except (KeyError, TypeError):
        known = ", ".join(sorted((scorecard.get("enterprises") or {}).keys()))
        raise ReportError(
            f"scorecard has no enterprise {enterprise_code!r}; enterprises in it: {known or 'none'}"
        ) from None
    return entry


def build_facts(scorecard: Mapping[str, Any], info: FactsInput) -> dict[str, Any]:
    """The certified facts of one enterprise, as plain JSON values."""
    entry = enterprise_entry(scorecard, info.enterprise_code)
    try:
        plan_hash = str(scorecard["plan_sha256"])
        dims = {code: _estimate(e) for code, e in sorted(entry["dimensions"].items())}
        grade = entry["grade"]["grade"] if isinstance(entry["grade"], Mapping) else entry["grade"]
        facts = {
            "version": FACTS_VERSION,
            "number": info.number,
            "enterprise": {"code": info.enterprise_code, "name": info.enterprise_name},
            "round": {"code": info.round_code, "title": info.round_title},
            "period": {"start": info.period_start.isoformat(), "end": info.period_end.isoformat()},
            "plan_sha256": plan_hash,
            "frame_size": int(entry["frame_size"]),
            "sampled": None if entry.get("sampled") is None else int(entry["sampled"]),
            "responded": int(entry["responded"]),
            "confidence": float(scorecard.get("confidence", 0.95)),
            "composite": _estimate(entry["composite"]),
            "dimensions": dims,
            "grade": str(grade),
            "issue_date": info.issue_date.isoformat(),
            "valid_until": info.valid_until.isoformat(),
            "key_id": info.key_id,
            "scorecard_sha256": scorecard_sha256(scorecard),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(
            f"scorecard entry of {info.enterprise_code} lacks a certified field: {exc}"
        ) from None
    return facts


def canonical(facts: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(dict(facts))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_facts(facts: Mapping[str, Any], key: Ed25519PrivateKey, key_id: str) -> SignedFacts:
    if facts.get("key_id") != key_id:
        raise ReportError(f"facts name key {facts.get('key_id')!r} but are signed with {key_id!r}")
    return SignedFacts(dict(facts), _b64(key.sign(canonical(facts))), key_id)


def verify_facts(
    facts: Mapping[str, Any], signature: str, public_keys: Mapping[str, Ed25519PublicKey]
) -> str | None:
    """None when the signature holds; else what is wrong, in words."""
    key_id = str(facts.get("key_id", ""))
    key = public_keys.get(key_id)
    if key is None:
        return f"the facts are signed with key {key_id!r}, which this verifier does not know"
    try:
        key.verify(_unb64(signature), canonical(facts))
    except (InvalidSignature, ValueError):
        return "the Ed25519 signature over the certified facts does not match them"
    return None


def fact_differences(
    signed: Mapping[str, Any], shown: Mapping[str, Any], path: str = ""
) -> list[str]:
    """Dotted paths where two fact documents differ (names what was changed)."""
    out: list[str] = []
    for key in sorted(set(signed) | set(shown)):
        here = f"{path}.{key}" if path else str(key)
        a, b = signed.get(key), shown.get(key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            out += fact_differences(a, b, here)
        elif a != b:
            out.append(here)
    return out
