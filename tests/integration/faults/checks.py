"""What "nothing partial, nothing lost" means for survey submissions, checked on the database."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from app.db.engine import read_session
from app.db.models import Answer, AuditEntry, Invitation, SurveyDraft, SurveyResponse
from app.domain.audit.chain import verify_chain
from app.domain.fieldwork.answers import AnswerValue
from app.domain.fieldwork.submission import body_sha256


def assert_submissions_whole(engine: Engine, acknowledged: set[str]) -> int:
    """Every acknowledged receipt stored; every stored response complete; returns the count."""
    with read_session(engine) as s:
        responses = s.execute(
            select(
                col(SurveyResponse.id),
                col(SurveyResponse.invitation_id),
                col(SurveyResponse.receipt),
                col(SurveyResponse.body_sha256),
            )
        ).all()
        answers: dict[int, dict[str, AnswerValue]] = defaultdict(dict)
        for response_id, code, value, text in s.execute(
            select(
                col(Answer.response_id), col(Answer.item_code), col(Answer.value), col(Answer.text)
            )
        ):
            answers[response_id][code] = value if value is not None else text
        answered = set(
            s.execute(select(col(Invitation.id)).where(col(Invitation.status) == "answered"))
            .scalars()
            .all()
        )
        drafts_of_answered = s.execute(
            select(func.count())
            .select_from(SurveyDraft)
            .where(col(SurveyDraft.invitation_id).in_(answered or {-1}))
        ).scalar_one()
        audited = set(
            s.execute(
                select(col(AuditEntry.object_id)).where(col(AuditEntry.action) == "response.submit")
            )
            .scalars()
            .all()
        )
        chain = verify_chain(s)
    stored = {receipt for _, _, receipt, _ in responses}
    assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged responses lost"
    ids = {response_id for response_id, _, _, _ in responses}
    assert set(answers) <= ids, "answers without their response"
    for response_id, _, _, digest in responses:
        # The stored answers, read back, must be exactly the body that was fingerprinted.
        assert body_sha256(answers[response_id]) == digest, f"response {response_id} incomplete"
    assert {inv for _, inv, _, _ in responses} == answered, "token state and responses disagree"
    assert drafts_of_answered == 0, "a draft outlived its final response"
    assert audited == {str(i) for i in ids}, "a response without its audit entry, or vice versa"
    assert chain.ok, chain.problem
    return len(responses)
