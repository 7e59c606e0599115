"""Per-request dependencies: a database session bound to the app's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.pii import Keyring
from app.secrets import load_key_material


async def provide_session(state: State) -> AsyncIterator[Session]:
    engine: Engine = state.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


DbSession = NamedDependency[Session]


# ``?next=/path`` after login or a language switch (checked by ``safe_next`` before use).
NextParam = Annotated[str | None, QueryParameter(name="next", required=False)]


def keyring(state: State) -> Keyring:
    """The personal-data keyring, loaded on first use (development keys are generated then)."""
    ring: Keyring | None = getattr(state, "keyring", None)
    if ring is None:
        ring = load_key_material(state.settings).keyring
        state.keyring = ring
    return ring


def log_reference_key(state: State) -> bytes:
    """The HMAC key that turns account names and client addresses into log references
    (``app.domain.accounts.login_log``), made once per app."""
    from app.domain.accounts.login_log import log_key

    found: bytes | None = getattr(state, "login_log_key", None)
    if found is None:
        found = log_key(state.settings.secret_key)
        state.login_log_key = found
    return found
