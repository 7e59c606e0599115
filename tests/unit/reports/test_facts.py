"""Certified facts: RFC 8785 canonical form, Ed25519 signature, tamper naming."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reports.errors import ReportError
from reports.facts import build_facts, canonical, fact_differences, sign_facts, verify_facts
from tests.unit.reports.conftest import ENTERPRISE, facts_input


def test_facts_hold_every_certified_field(scorecard: dict[str, Any]) -> None:
    facts = build_facts(scorecard, facts_input("k1"))
    entry = scorecard["enterprises"][ENTERPRISE]
    assert facts["plan_sha256"] == scorecard["plan_sha256"]
    assert (facts["frame_size"], facts["sampled"], facts["responded"]) == (
        entry["frame_size"],
        entry["sampled"],
        entry["responded"],
    )
    assert facts["composite"]["estimate"] == round(entry["composite"]["estimate"], 2)
    assert set(facts["dimensions"]) == set(entry["dimensions"])
    assert facts["grade"] == entry["grade"]["grade"]
    assert facts["valid_until"] == "2027-12-10"
    assert facts["key_id"] == "k1"


def test_canonical_form_is_rfc8785(scorecard: dict[str, Any]) -> None:
    facts = build_facts(scorecard, facts_input("k1"))
    reordered = dict(reversed(list(facts.items())))
    assert canonical(reordered) == canonical(facts) == rfc8785.dumps(facts)


def test_signature_verifies_and_detects_a_changed_number(scorecard: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_facts(build_facts(scorecard, facts_input("k1")), key, "k1")
    keys = {"k1": key.public_key()}
    assert verify_facts(signed.facts, signed.signature, keys) is None
    forged = copy.deepcopy(signed.facts)
    forged["composite"]["estimate"] += 0.01
    assert "does not match" in (verify_facts(forged, signed.signature, keys) or "")
    assert fact_differences(signed.facts, forged) == ["composite.estimate"]


def test_unknown_key_and_wrong_key_are_reported(scorecard: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_facts(build_facts(scorecard, facts_input("k1")), key, "k1")
    assert "does not know" in (verify_facts(signed.facts, signed.signature, {}) or "")
    other = {"k1": Ed25519PrivateKey.generate().public_key()}
    assert verify_facts(signed.facts, signed.signature, other) is not None


def test_signing_with_another_key_id_is_refused(scorecard: dict[str, Any]) -> None:
    with pytest.raises(ReportError, match="signed with"):
        sign_facts(build_facts(scorecard, facts_input("k1")), Ed25519PrivateKey.generate(), "k2")


def test_unknown_enterprise_names_the_known_ones(scorecard: dict[str, Any]) -> None:
    info = facts_input("k1")
    bad = type(info)(**{**{f: getattr(info, f) for f in info.__slots__}, "enterprise_code": "X9"})
    with pytest.raises(ReportError, match="E001"):
        build_facts(scorecard, bad)
