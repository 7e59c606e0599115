"""Every (method, path) the application serves, taken from ``app.routes`` so new routes are
covered by the security tests without anyone listing them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.enums import RequestEncodingType

from app.web.auth import PUBLIC_ROUTES
from tests.integration.web.test_route_guards import SURVEY_PREFIXES

_PARAM = re.compile(r"\{([^}:]+):([^}]+)\}")
# Framework-served documents and files: no object of any tenant behind them.
FRAMEWORK_PREFIXES = ("/schema", "/static")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as declared, e.g. /rounds/{round_id:int}
    guarded: bool
    body: str = "none"  # how the handler reads its body: urlencoded, multipart, json or none

    @property
    def params(self) -> list[tuple[str, str]]:
        return _PARAM.findall(self.path)

    @property
    def is_public(self) -> bool:
        return (
            not self.guarded
            and (self.path in PUBLIC_ROUTES or self.path.startswith(SURVEY_PREFIXES))
        ) or self.path.startswith(FRAMEWORK_PREFIXES)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def url(self, values: Mapping[str, object]) -> str:
        """The concrete URL; a parameter without a known value gets 1 (int) or "x" (str)."""

        def fill(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if name in values:
                return str(values[name])
            return "1" if kind == "int" else "x"

        return _PARAM.sub(fill, self.path)


def _body_kind(handler: Any) -> str:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return "none"
    media = getattr(data.kwarg_definition, "media_type", None)
    if media is RequestEncodingType.MULTI_PART:
        return "multipart"
    if media is RequestEncodingType.URL_ENCODED:
        return "urlencoded"
    return "json"


def endpoints(app: Litestar) -> list[Endpoint]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            # Litestar's automatic OPTIONS answers are not application routes.
            if "create_options_handler" in getattr(handler.fn, "__qualname__", ""):
                continue
            guarded = bool(list(handler.resolve_guards()))
            body = _body_kind(handler)
            for method in sorted(getattr(handler, "http_methods", ())):
                if method in ("HEAD", "OPTIONS"):
                    continue
                found.append(Endpoint(method, route.path, guarded, body))
    return found
