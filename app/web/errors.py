"""The one place where domain errors become HTTP responses.

Services raise domain exceptions (``app.errors`` and the domain packages' own); handlers never
raise HTTP exceptions for them. API errors are JSON with a stable ``code``; browser pages get
an HTML error page in the user's language (and a redirect to the login page when not logged
in). In production, unexpected errors say nothing about their cause (no traceback, no SQL).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError, DBAPIError

from app.db.outage import is_unavailable, outage_error
from app.errors import (
    ConflictError,
    DatabaseError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    StorageFullError,
    TianpingError,
)
from app.web.i18n import request_lang, translate
from questionnaires.errors import QuestionnaireError
from sampling.errors import SamplingError
from scoring.errors import ScoringError

log = logging.getLogger("tianping.web")

# Most specific first; the first match wins.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (PermissionDeniedError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (StorageFullError, 503, "storage_full"),
    (DatabaseError, 503, "database_unavailable"),
    (QuestionnaireError, 422, "invalid_questionnaire"),
    (SamplingError, 422, "invalid_sample"),
    (ScoringError, 422, "invalid_scoring_input"),
    (TianpingError, 400, "bad_request"),
)
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}
_DATA_ERROR = "A value is out of range for its field, or text holds a NUL character."
_INTERNAL = "Something went wrong on our side. The error has been logged; please try again later."


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Browser routes get HTML errors; the JSON API and non-HTML clients get JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/schema", "/health", "/static")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _json(status: int, code: str, message: str) -> Response[Any]:
    # ``error``/``detail`` are the API's documented names; ``code``/``message`` stay for
    # clients written against the first API version.
    body = {"error": code, "detail": message, "code": code, "message": message}
    return Response(body, status_code=status)


def _respond(
    request: Request[Any, Any, Any], status: int, code: str, message: str
) -> Response[Any]:
    if not wants_html(request):
        return _json(status, code, message)
    if status == 401:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return Redirect(path=f"/login?next={quote(target, safe='')}")
    return Template(
        template_name="error.html.j2",
        context={"status": status, "code": code, "message": message},
        status_code=status,
        media_type=MediaType.HTML,
    )


def _message(request: Request[Any, Any, Any], exc: Exception) -> str:
    if isinstance(exc, FieldError):
        # Named for its field like request-validation errors, in the caller's language.
        return f"{exc.field}: {translate(request_lang(request), exc.message, **exc.values)}"
    return str(exc)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    for error_type, status, code in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return _respond(request, status, code, _message(request, exc))
    return unexpected_error_handler(request, exc)


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    # A driver error that escaped the services: an outage is the clear 503, anything else a bug.
    if is_unavailable(exc):
        log.warning("database unavailable on %s %s", request.method, request.url.path)
        return domain_error_handler(request, outage_error(exc))
    if isinstance(exc, DataError):
        # The value does not fit its column (a NUL character in text on PostgreSQL, a number out
        # of range): the request's fault. The driver's message may quote the value: not echoed.
        log.warning("value refused by the database on %s %s", request.method, request.url.path)
        return _respond(request, 400, "bad_request", _DATA_ERROR)
    return unexpected_error_handler(request, exc)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 400 and isinstance(exc.extra, list):
        # Request validation: name the fields (Litestar's entries carry key and message only).
        fields = [f"{e.get('key')}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)]
        message = "; ".join([message, *fields])
    response = _respond(request, exc.status_code, code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Logged with its type and route only: exception messages may quote user input.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", _INTERNAL)


def exception_handlers() -> dict[type[Exception] | int, object]:
    handlers: dict[type[Exception] | int, object] = {
        error_type: domain_error_handler for error_type, _, _ in STATUS_BY_ERROR
    }
    handlers[HTTPException] = http_error_handler
    handlers[DBAPIError] = database_error_handler
    handlers[Exception] = unexpected_error_handler
    return handlers
