"""``POST /api/v1/responses``: the final submission for integrators (SMS reply, apps).

Token-authenticated JSON (exempt from CSRF); the same exactly-once guarantees as the pages:
201 for a new response, 200 with the original receipt for a replay, 409 for different answers
on a used token, 404 unknown/malformed token, 410 expired, 422 answers to correct, 429 after
too many failed tokens from one client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.response import Response

from app.domain.fieldwork.errors import AnswersInvalidError, InvalidTokenError, TokenExpiredError
from app.domain.fieldwork.submission import submit_response_async
from app.errors import ConflictError
from app.web.survey.pages import (
    NO_STORE,
    client_key,
    engine_of,
    failed_tokens,
    note_failed_token,
    throttled,
)


@dataclass
class ResponseIn:
    token: str
    idempotency_key: str
    answers: dict[str, int | str | None] = field(default_factory=dict)
    duration_seconds: float | None = None
    device_hash: str | None = None


def _error(status: int, code: str, message: str, **extra: Any) -> Response[dict[str, Any]]:
    return Response(
        {"code": code, "message": message, **extra}, status_code=status, headers=NO_STORE
    )


async def _submit(request: Request[Any, Any, Any], data: ResponseIn) -> Response[dict[str, Any]]:
    if throttled(request):
        wait = failed_tokens(request).retry_after(client_key(request))
        response = _error(429, "rate_limited", "too many failed tokens; wait and retry")
        response.headers["retry-after"] = str(int(wait) + 1)
        return response
    try:
        receipt = await submit_response_async(
            engine_of(request),
            token=data.token,
            answers=data.answers,
            idempotency_key=data.idempotency_key,
            duration_seconds=data.duration_seconds,
            device_hash=data.device_hash,
        )
    except InvalidTokenError as exc:
        note_failed_token(request, "invalid")
        return _error(404, "not_found", str(exc))
    except TokenExpiredError as exc:
        return _error(410, "expired", str(exc))
    except AnswersInvalidError as exc:
        problems = [
            {"item": p.item_code, "problem": p.problem, "detail": p.detail} for p in exc.problems
        ]
        return _error(422, "invalid_answers", str(exc), problems=problems)
    except ConflictError as exc:
        return _error(409, "conflict", str(exc))
    body = {
        "receipt": receipt.receipt,
        "submitted_at": receipt.submitted_at.isoformat(),
        "replayed": receipt.replayed,
    }
    return Response(body, status_code=200 if receipt.replayed else 201, headers=NO_STORE)


class SurveyApiController(Controller):
    tags = ["survey"]  # noqa: RUF012

    @post(
        "/api/v1/responses",
        name="survey_api_submit",
        opt={"exclude_from_csrf": True},
    )
    async def submit(
        self, request: Request[Any, Any, Any], data: JSONBody[ResponseIn]
    ) -> Response[dict[str, Any]]:
        # Async: the reads run in the executor and the wait for the group commit holds no
        # thread (app.domain.fieldwork.submission.submit_response_async).
        return await _submit(request, data)
