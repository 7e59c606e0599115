"""The error answers every API operation can give, written into the OpenAPI document.

Litestar documents only a 400 "Validation Exception" with its own body shape, while every error
actually leaves through ``app.web.errors`` as ``{error, detail, code, message}``. Clients (and
the schema fuzzing in ``tests/security/test_api_fuzz.py``) must be able to trust the document,
so on startup each operation gets the statuses the error mapping can produce for it, all with
the one real body schema. Done from the routes themselves, so new endpoints are covered.
"""

from __future__ import annotations

from typing import Any, get_args

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

ERROR_SCHEMA = "Error"
_TEXT = Schema(type=OpenAPIType.STRING)
ERROR = Schema(
    type=OpenAPIType.OBJECT,
    # The survey API (app/web/survey/api.py) sends only code and message.
    required=["code", "message"],
    properties={
        "error": Schema(type=OpenAPIType.STRING, description="stable machine-readable code"),
        "detail": Schema(type=OpenAPIType.STRING, description="what went wrong, for people"),
        "code": Schema(type=OpenAPIType.STRING, description="same as error (API v1 name)"),
        "message": Schema(type=OpenAPIType.STRING, description="same as detail (API v1 name)"),
    },
    description="Every error of the API (see app/web/errors.py)",
)
# Any operation: bad input, a missing or foreign object (tenancy answers 404), a domain rule
# (409 conflict, 422 invalid questionnaire/sample/scoring input) and a database outage.
ANY_OPERATION = {
    "400": "Bad request: a parameter or the body is invalid (the detail names it)",
    "404": "Not found, or not yours (another tenant's objects are not found)",
    "409": "Conflict with the object's state",
    "422": "Input that breaks a domain rule",
    "503": "The database is unavailable; try again later",
}
GUARDED = {
    "401": "Not authenticated",
    "403": "Not allowed (role, or missing CSRF header on a cookie-authenticated write)",
}
WITH_BODY = {"413": "Request body too large"}
UNGUARDED = {"429": "Too many requests; wait and retry"}


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    found = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                found[(route.path_format, method.lower())] = handler
    return found


def _strict_structs(app: Litestar) -> set[str]:
    """Names of request-body structs that refuse unknown fields, nested ones included."""
    seen: dict[str, type[msgspec.Struct]] = {}

    def visit(annotation: Any) -> None:
        for arg in get_args(annotation):
            visit(arg)
        if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
            if annotation.__name__ in seen:
                return
            seen[annotation.__name__] = annotation
            for field in msgspec.structs.fields(annotation):
                visit(field.type)

    for handler in _handlers(app).values():
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is not None:
            visit(data.annotation)
    return {
        name
        for name, struct in seen.items()
        if getattr(struct.__struct_config__, "forbid_unknown_fields", False)
    }


def document_error_responses(app: Litestar) -> None:
    """Add the error responses to ``app.openapi_schema`` (idempotent; run on startup).

    Also marks request bodies that refuse unknown fields (``forbid_unknown_fields``) with
    ``additionalProperties: false``, which Litestar leaves out.
    """
    openapi: OpenAPI = app.openapi_schema
    components = openapi.components
    if isinstance(components, list):  # pragma: no cover - Litestar merges them already
        components = components[0]
    if components is None:  # pragma: no cover
        components = openapi.components = Components()
    components.schemas[ERROR_SCHEMA] = ERROR
    strict = _strict_structs(app)
    for name, schema in components.schemas.items():
        # Component names are the type name, prefixed by its module when two types collide.
        if name in strict or name.rsplit("_", 1)[-1] in strict:
            schema.additional_properties = False
    content = {
        "application/json": OpenAPIMediaType(
            schema=Reference(f"#/components/schemas/{ERROR_SCHEMA}")
        )
    }
    handlers = _handlers(app)
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            handler = handlers.get((path, method))
            statuses = dict(ANY_OPERATION)
            if handler is not None and list(handler.resolve_guards()):
                statuses |= GUARDED
            else:
                statuses |= UNGUARDED
            if operation.request_body is not None:
                statuses |= WITH_BODY
            responses = operation.responses if operation.responses is not None else {}
            for status, description in statuses.items():
                # Litestar's own 400 describes a body shape the app never sends: replaced.
                responses[status] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
