"""Issuance, revocation, expiry and superseding against the database (both engines)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, Certificate, EvaluationRound, SampleDraw, Scorecard
from app.domain.certificates.issuance import issue_certificates
from app.domain.certificates.lifecycle import revoke_certificate, supersede_certificate
from app.domain.certificates.verification import verify_number, verify_report
from app.errors import ConflictError, IllegalTransitionError
from tests.integration.reports.conftest import CODES, RoundState

TODAY = date(2026, 12, 10)


def _issue(engine: Engine, st: RoundState, **kw: Any) -> Any:
    return issue_certificates(
        engine,
        round_id=st.round_id,
        approver_id=st.approver_id,
        actor="bob",
        settings=st.settings,
        today=TODAY,
        **kw,
    )


def test_issue_signs_renders_and_moves_the_round(engine: Engine, review_round: RoundState) -> None:
    issued = _issue(engine, review_round, lang="en")
    assert [c.enterprise_code for c in issued] == list(CODES)
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, review_round.round_id)
        assert rnd is not None
        assert rnd.state == "issued"
        assert rnd.approved_by == review_round.approver_id
        certs = s.exec(select(Certificate)).all()
        assert {c.number for c in certs} == {c.number for c in issued}
        actions = [a.action for a in s.exec(select(AuditEntry)).all()]
        assert actions.count("certificate.issue") == 2
        for cert in issued:
            assert cert.pdf_path.parent == review_round.settings.data_dir / "reports"
            pdf = cert.pdf_path.read_bytes()
            check = verify_report(
                s, pdf, TODAY, review_round.keys.public_keys(), review_round.keys.trust_roots()
            )
            assert check.ok, check.problems
            assert check.registry is not None
            assert check.registry.status == "valid"
        stored = certs[0]
        assert stored.valid_until == TODAY + timedelta(days=365)
        assert stored.facts["key_id"] == stored.key_id


def test_revoked_and_expired_certificates_are_reported(
    engine: Engine, review_round: RoundState
) -> None:
    first, second = _issue(engine, review_round)
    with write_session(engine) as s:
        revoke_certificate(s, first.number, "survey data falsified", "bob")
    with read_session(engine) as s:
        v = verify_number(s, first.number, TODAY)
        assert (v.status, v.reason) == ("revoked", "survey data falsified")
        check = verify_report(
            s,
            first.pdf_path.read_bytes(),
            TODAY,
            review_round.keys.public_keys(),
            review_round.keys.trust_roots(),
        )
        assert not check.ok
        assert any("revoked: survey data falsified" in p for p in check.problems)
        later = second.valid_until + timedelta(days=1)
        assert verify_number(s, second.number, later).status == "expired"
        expired = verify_report(
            s,
            second.pdf_path.read_bytes(),
            later,
            review_round.keys.public_keys(),
            review_round.keys.trust_roots(),
        )
        assert any("expired" in p for p in expired.problems)
    with write_session(engine) as s, pytest.raises(ConflictError, match="already revoked"):
        revoke_certificate(s, first.number, "again", "bob")
    with write_session(engine) as s, pytest.raises(ConflictError, match="reason"):
        revoke_certificate(s, second.number, "  ", "bob")


def test_supersede_reissues_under_a_new_number(engine: Engine, review_round: RoundState) -> None:
    first, _ = _issue(engine, review_round)
    new = supersede_certificate(
        engine,
        first.number,
        "corrected enterprise name",
        "bob",
        settings=review_round.settings,
        approver_id=review_round.approver_id,
        today=TODAY,
    )
    assert new.number != first.number
    assert new.enterprise_code == first.enterprise_code
    with read_session(engine) as s:
        old = verify_number(s, first.number, TODAY)
        assert (old.status, old.superseded_by) == ("superseded", new.number)
        assert verify_number(s, new.number, TODAY).status == "valid"


def test_scorer_cannot_approve(engine: Engine, review_round: RoundState) -> None:
    with pytest.raises(IllegalTransitionError, match="second assessor"):
        issue_certificates(
            engine,
            round_id=review_round.round_id,
            approver_id=review_round.scorer_id,
            actor="alice",
            settings=review_round.settings,
        )


def test_coverage_below_half_refuses_issuance(engine: Engine, review_round: RoundState) -> None:
    with write_session(engine) as s:
        draw = s.exec(select(SampleDraw)).one()
        record = dict(draw.record)
        strata = [dict(x) for x in record["strata"]]
        strata[0]["n"] = strata[0]["N"] // 2 - 1
        record["strata"] = strata
        draw.record = record
        s.add(draw)
    with pytest.raises(ConflictError, match="below the required 50 %"):
        _issue(engine, review_round)
    assert not list((review_round.settings.data_dir / "reports").glob("*.pdf"))


def test_plan_hash_mismatch_refuses_issuance(engine: Engine, review_round: RoundState) -> None:
    with write_session(engine) as s:
        card = s.exec(select(Scorecard)).first()
        assert card is not None
        card.plan_sha256 = "f" * 64
        s.add(card)
    with pytest.raises(ConflictError, match="another plan"):
        _issue(engine, review_round)


def test_round_must_be_in_review(engine: Engine, review_round: RoundState) -> None:
    _issue(engine, review_round)
    with pytest.raises(ConflictError, match="state issued"):
        _issue(engine, review_round)
