"""The one place where domain errors become HTTP responses.

Services raise domain exceptions (``app.errors`` and the domain packages' own); handlers never
raise HTTP exceptions for them. Error bodies are JSON with a stable ``code``; in production,
unexpected errors say nothing about their cause (no traceback, no SQL).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.errors import (
    ConflictError,
    DatabaseError,
    NotFoundError,
    PermissionDeniedError,
    TianpingError,
)
from questionnaires.errors import QuestionnaireError
from sampling.errors import SamplingError
from scoring.errors import ScoringError

log = logging.getLogger("tianping.web")

# Most specific first; the first match wins.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (DatabaseError, 503, "database_unavailable"),
    (QuestionnaireError, 422, "invalid_questionnaire"),
    (SamplingError, 422, "invalid_sample"),
    (ScoringError, 422, "invalid_scoring_input"),
    (TianpingError, 400, "bad_request"),
)


def _json(status: int, code: str, message: str) -> Response[dict[str, str]]:
    return Response({"code": code, "message": message}, status_code=status)


def domain_error_handler(
    _request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, str]]:
    for error_type, status, code in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return _json(status, code, str(exc))
    return unexpected_error_handler(_request, exc)


def http_error_handler(
    _request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, str]]:
    code = {404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(
        exc.status_code, "http_error"
    )
    return _json(exc.status_code, code, str(exc.detail))


def unexpected_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, str]]:
    # Logged with its type and route only: exception messages may quote user input.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return _json(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side. The error has been logged; please try again later.",
    )


def exception_handlers() -> dict[type[Exception] | int, object]:
    handlers: dict[type[Exception] | int, object] = {
        error_type: domain_error_handler for error_type, _, _ in STATUS_BY_ERROR
    }
    handlers[HTTPException] = http_error_handler
    handlers[Exception] = unexpected_error_handler
    return handlers
