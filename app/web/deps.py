"""Per-request dependencies: a database session bound to the app's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.engine import Engine
from sqlmodel import Session


async def provide_session(state: State) -> AsyncIterator[Session]:
    engine: Engine = state.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


DbSession = NamedDependency[Session]
