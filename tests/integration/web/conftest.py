"""Fixtures of the web tests: an app on the test database and an HTTPS test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.web.app import create_app
from tests.integration.web.helpers import BASE_URL, World, build_world


@pytest.fixture
def web_client(engine: Engine) -> Iterator[TestClient]:  # type: ignore[type-arg]
    # HTTPS base URL: the session cookie is Secure and would not be sent over plain HTTP.
    app = create_app(Settings(), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)
