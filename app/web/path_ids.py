"""Integer path parameters beyond 32 bits name nothing: answered 404 before any query.

Ids in URLs are ``INTEGER`` columns, 32-bit on PostgreSQL (which refuses a larger parameter
with a DataError) while SQLite cannot bind anything beyond 64 bits (``OverflowError``); both
were 500s. The few 64-bit id columns (audit entries, sampled cases) are never addressed by URL.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Receive, Scope, Send

MAX_ID = 2**31 - 1


def bounded_path_ids(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            for value in (scope.get("path_params") or {}).values():
                if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
                    raise NotFoundException("no such object")
        await app(scope, receive, send)

    return wrapped
