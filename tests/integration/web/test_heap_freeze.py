"""Server processes freeze their start-up heap once the app has started (app.web.heap)."""

from __future__ import annotations

import gc

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.web.app import create_app
from app.web.heap import freeze_heap_at_startup
from tests.integration.web.helpers import BASE_URL


def test_the_heap_is_frozen_at_startup_and_the_app_serves(engine: Engine) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = freeze_heap_at_startup(create_app(Settings(), engine=engine))
    try:
        with TestClient(app, base_url=BASE_URL) as client:
            assert gc.get_freeze_count() > 10_000  # the app, its modules and routes
            assert client.get("/health").status_code == 200
    finally:
        gc.unfreeze()  # this is a test process, not a server: let its cycles be collected


def test_apps_made_for_tests_do_not_freeze(engine: Engine) -> None:
    gc.unfreeze()
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0
