"""The responses API under concurrency, on both engines: requests on one event loop await
the group commit together; one token sent 32 times at once is stored once."""

from __future__ import annotations

import asyncio
from collections import Counter

from litestar.testing import AsyncTestClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session
from app.db.models import Answer, SurveyResponse
from tests.integration.survey.builders import fieldwork_round, full_answers
from tests.integration.survey.webapp import survey_app


def _count(engine: Engine, model: type) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_concurrent_api_submits_are_stored_exactly_once(engine: Engine) -> None:
    _, issued = fieldwork_round(engine)
    answers = full_answers()
    same = {"token": issued[0].token, "answers": answers, "idempotency_key": "same"}
    others = [
        {"token": inv.token, "answers": answers, "idempotency_key": f"k{i}"}
        for i, inv in enumerate(issued[1:17])
    ]

    async def run() -> list[tuple[int, str]]:
        async with AsyncTestClient(app=survey_app(engine, Settings())) as client:
            bodies = [same] * 32 + others
            replies = await asyncio.gather(
                *(client.post("/api/v1/responses", json=body) for body in bodies)
            )
            return [(r.status_code, r.json().get("receipt", "")) for r in replies]

    outcomes = asyncio.run(run())
    same_token = outcomes[:32]
    assert Counter(status for status, _ in same_token) == {201: 1, 200: 31}
    assert len({receipt for _, receipt in same_token}) == 1  # every replay has the receipt
    assert all(status == 201 for status, _ in outcomes[32:])
    assert _count(engine, SurveyResponse) == 1 + len(others)
    assert _count(engine, Answer) == (1 + len(others)) * len(answers)
