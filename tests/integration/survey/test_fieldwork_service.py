"""Invitations, exactly-once submission, drafts and progress counts, on both engines."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.db import driver
from app.db.engine import read_session, write_session
from app.db.models import (
    Answer,
    AuditEntry,
    EvaluationRound,
    Invitation,
    SurveyDraft,
    SurveyResponse,
)
from app.db.types import utcnow
from app.domain.audit.chain import verify_chain
from app.domain.fieldwork.drafts import load_draft, save_screen
from app.domain.fieldwork.errors import (
    INVALID_LINK,
    AnswersInvalidError,
    InvalidTokenError,
    TokenExpiredError,
)
from app.domain.fieldwork.invitations import start_fieldwork
from app.domain.fieldwork.progress import response_counts
from app.domain.fieldwork.submission import Receipt, submit_response
from app.domain.fieldwork.tokens import hash_token, new_token
from app.domain.rounds.lifecycle import RoundState
from app.errors import ConflictError, NotFoundError
from questionnaires import from_dict
from tests.integration.survey.builders import (
    build_sampled_round,
    fieldwork_round,
    full_answers,
    survey_content,
)


def _count(engine: Engine, model: type) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_start_fieldwork_issues_hashed_tokens_once_and_moves_the_round(engine: Engine) -> None:
    built = build_sampled_round(engine)
    issued = start_fieldwork(
        engine, round_id=built.round_id, actor="ann", expires_at=utcnow() + timedelta(days=7)
    )
    assert len(issued) == built.sampled
    assert len({i.token for i in issued}) == len(issued)
    assert all(len(i.token) >= 32 for i in issued)  # 24 random bytes, base64url
    with read_session(engine) as s:
        stored = {inv.token_hash for inv in s.exec(select(Invitation)).all()}
        rnd = s.get(EvaluationRound, built.round_id)
    assert stored == {hash_token(i.token) for i in issued}
    assert not stored & {i.token for i in issued}
    assert rnd is not None
    assert rnd.state == RoundState.FIELDWORK
    with pytest.raises(ConflictError, match="already has"):
        start_fieldwork(
            engine, round_id=built.round_id, actor="ann", expires_at=utcnow() + timedelta(days=7)
        )
    assert _count(engine, Invitation) == built.sampled


def test_submission_is_stored_once_and_replays_return_the_receipt(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    token = issued[0].token
    answers = full_answers()
    first = submit_response(
        engine, token=token, answers=answers, idempotency_key="k1", duration_seconds=95.0
    )
    again = submit_response(engine, token=token, answers=answers, idempotency_key="k2")
    assert again == Receipt(first.receipt, first.submitted_at, replayed=True)
    with pytest.raises(ConflictError, match="different answers"):
        submit_response(engine, token=token, answers=full_answers(5), idempotency_key="k1")
    with read_session(engine) as s:
        response = s.exec(select(SurveyResponse)).one()
        stored = {a.item_code: (a.value, a.text) for a in s.exec(select(Answer)).all()}
        inv = s.get(Invitation, issued[0].invitation_id)
        actions = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert response.receipt == first.receipt
    assert response.duration_seconds == 95.0
    assert stored["overall"] == (4, None)
    assert stored["con3"] == (None, None)
    assert stored["comment"] == (None, "很好")
    assert "fix_detail" not in stored  # hidden by skip logic
    assert inv is not None
    assert inv.status == "answered"
    assert actions.count("response.submit") == 1
    with read_session(engine) as s:
        assert verify_chain(s).ok


def test_answers_split_across_several_inserts_are_all_stored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long questionnaires are inserted in chunks (drivers' bound-parameter limits): here
    # three answers (four columns each) per INSERT.
    monkeypatch.setattr(driver, "MAX_PARAMETERS", 12)
    _, issued = fieldwork_round(engine)
    answers = full_answers()
    submit_response(engine, token=issued[0].token, answers=answers, idempotency_key="k")
    with read_session(engine) as s:
        stored = {a.item_code: (a.value, a.text) for a in s.exec(select(Answer)).all()}
    expected = {
        code: (value if isinstance(value, int) else None, value if isinstance(value, str) else None)
        for code, value in answers.items()
    }
    assert len(expected) > 3 * 2
    assert stored == expected


def test_bad_tokens_all_look_alike(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    for token in (new_token(), "short", "x" * 40 + "!", ""):
        with pytest.raises(InvalidTokenError) as caught:
            submit_response(engine, token=token, answers=full_answers(), idempotency_key="k")
        assert str(caught.value) == INVALID_LINK
        assert isinstance(caught.value, NotFoundError)
    with write_session(engine) as s:
        s.execute(
            update(Invitation)
            .where(col(Invitation.id) == issued[1].invitation_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with pytest.raises(TokenExpiredError):
        submit_response(engine, token=issued[1].token, answers=full_answers(), idempotency_key="k")
    assert _count(engine, SurveyResponse) == 0


def test_invalid_answers_are_listed_and_nothing_is_stored(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    answers = full_answers(overall=1)
    answers.update({"att1": 6, "nps": None, "fix_detail": "bogus", "zz": 1, "eff1": True})
    with pytest.raises(AnswersInvalidError) as caught:
        submit_response(engine, token=issued[0].token, answers=answers, idempotency_key="k")
    problems = {(p.item_code, p.problem) for p in caught.value.problems}
    assert problems == {
        ("att1", "out_of_range"),
        ("nps", "required"),
        ("fix_detail", "not_a_choice"),
        ("zz", "unknown_item"),
        ("eff1", "out_of_range"),
    }
    assert _count(engine, SurveyResponse) == 0
    assert _count(engine, Answer) == 0


def test_32_concurrent_submits_store_exactly_one_response(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    token = issued[0].token
    barrier = threading.Barrier(32)

    def submit(i: int) -> Receipt | str:
        barrier.wait()
        body = full_answers(5 if i % 8 == 7 else 4)  # a few clients send a different body
        try:
            return submit_response(engine, token=token, answers=body, idempotency_key=f"k{i}")
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(submit, range(32)))
    receipts = {o.receipt for o in outcomes if isinstance(o, Receipt)}
    assert len(receipts) == 1
    assert sum(1 for o in outcomes if isinstance(o, Receipt) and not o.replayed) == 1
    assert _count(engine, SurveyResponse) == 1
    with read_session(engine) as s:
        n_answers = s.execute(select(func.count()).select_from(Answer)).scalar_one()
        assert verify_chain(s).ok
    accepted_body = from_dict(survey_content()).all_items()
    assert 0 < n_answers <= len(accepted_body)


def test_drafts_resume_and_vanish_on_submit(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    inv_id = issued[0].invitation_id
    items = {i.code: i for i in from_dict(survey_content()).all_items()}
    save_screen(
        engine, invitation_id=inv_id, questionnaire_items=items, answers={"att1": 5}, next_screen=1
    )
    save_screen(
        engine, invitation_id=inv_id, questionnaire_items=items, answers={"eff1": 2}, next_screen=2
    )
    draft = load_draft(engine, inv_id)
    assert draft.answers == {"att1": 5, "eff1": 2}
    assert draft.screen == 2
    with pytest.raises(AnswersInvalidError):
        save_screen(
            engine, invitation_id=inv_id, questionnaire_items=items, answers={"att2": 9},
            next_screen=3,
        )  # fmt: skip
    submit_response(engine, token=issued[0].token, answers=full_answers(), idempotency_key="k")
    assert _count(engine, SurveyDraft) == 0
    with read_session(engine) as s:
        assert s.exec(select(SurveyResponse)).one().started_at is not None
    with pytest.raises(ConflictError):
        save_screen(
            engine, invitation_id=inv_id, questionnaire_items=items, answers={"att1": 1},
            next_screen=1,
        )  # fmt: skip


def test_a_first_save_racing_a_submission_does_not_undo_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save read the invitation as "sent"; a submission committed before the save's
    write. The save must not set the invitation back to "opened" (PostgreSQL reads committed
    rows, so the stale read is real there)."""
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlmodel import Session

    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writers are serialised (BEGIN IMMEDIATE): the stale read cannot occur")
    _, issued = fieldwork_round(engine)
    inv_id = issued[0].invitation_id
    items = {i.code: i for i in from_dict(survey_content()).all_items()}
    real_get = Session.get

    def stale_get(self: Session, model: type, ident: object, **kw: object) -> object:
        found = real_get(self, model, ident, **kw)  # type: ignore[arg-type]
        if model is Invitation and found is not None:
            # What the save saw; then the submission lands in another transaction.
            with write_session(engine) as other:
                other.execute(
                    update(Invitation).where(col(Invitation.id) == inv_id).values(status="answered")
                )
            set_committed_value(found, "status", "sent")  # as read, not a change to write
        return found

    monkeypatch.setattr(Session, "get", stale_get)
    save_screen(
        engine, invitation_id=inv_id, questionnaire_items=items, answers={"att1": 5}, next_screen=1
    )
    monkeypatch.undo()
    with read_session(engine) as s:
        assert s.get(Invitation, inv_id).status == "answered"  # type: ignore[union-attr]


def test_response_counts_per_enterprise_and_stratum(engine: Engine) -> None:
    built, issued = fieldwork_round(engine, enterprises=2, cases_per_stratum=3)
    for inv in issued[:2]:
        submit_response(engine, token=inv.token, answers=full_answers(), idempotency_key="k")
    with read_session(engine) as s:
        counts = response_counts(s, built.round_id)
    assert [(c.enterprise_code, c.stratum) for c in counts] == [
        (built.enterprise_codes[0], "phone"),
        (built.enterprise_codes[0], "store"),
        (built.enterprise_codes[1], "phone"),
        (built.enterprise_codes[1], "store"),
    ]
    assert all(c.sampled == 3 and c.invited == 3 for c in counts)
    assert counts[0].responded == 2
    assert counts[0].rate == pytest.approx(2 / 3)
    assert sum(c.responded for c in counts) == 2
