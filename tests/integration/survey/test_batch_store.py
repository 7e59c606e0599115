"""Submissions stored together in one group-commit batch (``storing.store_all``), on both
engines: a token twice in a batch is stored once, drafts give their start time, every
response gets all its answers and its own audit entry."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.db.driver import DriverConnection
from app.db.engine import read_session
from app.db.models import SurveyDraft
from app.db.models.audit import AuditEntry
from app.db.models.invitation import Invitation
from app.db.models.response import Answer, SurveyResponse
from app.domain.audit.chain import verify_chain
from app.domain.fieldwork import submission
from app.domain.fieldwork.drafts import save_screen
from app.domain.fieldwork.storing import Receipt, Stored, Submission, store_all
from questionnaires import from_dict
from tests.integration.survey.builders import fieldwork_round, full_answers, survey_content


def _prepared(engine: Engine, token: str, overall: int, key: str) -> Submission:
    request = submission._Request(token, full_answers(overall), key, None, None)
    prepared = submission._prepare(engine, request)
    assert isinstance(prepared, Submission)
    return prepared


def test_a_batch_stores_each_invitation_once(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    first, second = issued[0], issued[1]
    items = {i.code: i for i in from_dict(survey_content()).all_items()}
    save_screen(
        engine,
        invitation_id=first.invitation_id,
        questionnaire_items=items,
        answers={"att1": 5},
        next_screen=1,
    )
    batch = [
        _prepared(engine, first.token, 4, "k1"),
        _prepared(engine, first.token, 2, "k2"),  # the same token again, other answers
        _prepared(engine, second.token, 5, "k3"),
    ]
    with engine.connect() as conn, conn.begin():
        results = store_all(DriverConnection(conn), batch)

    new_first, again, new_second = results
    assert isinstance(new_first, Receipt)
    assert isinstance(new_second, Receipt)
    assert new_first.receipt != new_second.receipt
    # The second copy finds the first's response: its caller refuses (other answers) or
    # replays (same answers), as for a response stored earlier.
    assert again == Stored(new_first.receipt, new_first.submitted_at, batch[0].digest)

    with read_session(engine) as s:
        responses = {r.invitation_id: r for r in s.exec(select(SurveyResponse)).all()}
        assert set(responses) == {first.invitation_id, second.invitation_id}
        assert responses[first.invitation_id].receipt == new_first.receipt
        assert responses[first.invitation_id].started_at is not None  # from the draft
        assert responses[first.invitation_id].duration_seconds is not None
        assert responses[second.invitation_id].started_at is None
        for response in responses.values():
            stored = s.exec(select(Answer).where(col(Answer.response_id) == response.id)).all()
            assert len(stored) == len(batch[0].cleaned)
        assert s.exec(select(SurveyDraft)).all() == []
        statuses = {
            i.id: i.status
            for i in s.exec(
                select(Invitation).where(
                    col(Invitation.id).in_([first.invitation_id, second.invitation_id])
                )
            ).all()
        }
        assert statuses == {first.invitation_id: "answered", second.invitation_id: "answered"}
        audited = s.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "response.submit")
        ).all()
        assert sorted(int(e.object_id) for e in audited) == sorted(
            r.id or 0 for r in responses.values()
        )
        assert verify_chain(s).ok


def test_a_later_batch_finds_the_earlier_response(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    sub = _prepared(engine, issued[0].token, 4, "k1")
    with engine.connect() as conn, conn.begin():
        (stored,) = store_all(DriverConnection(conn), [sub])
    with engine.connect() as conn, conn.begin():
        (found,) = store_all(DriverConnection(conn), [sub])
    assert isinstance(stored, Receipt)
    assert found == Stored(stored.receipt, stored.submitted_at, sub.digest)
    with read_session(engine) as s:
        assert len(s.exec(select(SurveyResponse)).all()) == 1
