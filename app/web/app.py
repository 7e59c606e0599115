"""Application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from sqlalchemy.engine import Engine

from app.config import Settings, load_settings
from app.db.engine import make_engine
from app.db.migrate import ensure_current
from app.web.controllers.public import PublicController
from app.web.deps import provide_session
from app.web.errors import exception_handlers
from app.web.security import security_headers
from app.web.survey.routes import SURVEY_HANDLERS

TEMPLATES = Path(__file__).parent / "templates"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Litestar:
    settings = settings or load_settings()
    owned_engine = engine is None
    db_engine = engine or make_engine(settings.effective_database_url)
    # Refuse to start on an unmigrated schema rather than fail on the first request.
    ensure_current(db_engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = db_engine
        app.state.settings = settings
        try:
            yield
        finally:
            if owned_engine:
                db_engine.dispose()

    return Litestar(
        route_handlers=[PublicController, *SURVEY_HANDLERS],
        dependencies={"db_session": Provide(provide_session)},
        lifespan=[lifespan],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        exception_handlers=exception_handlers(),  # type: ignore[arg-type]
        middleware=[security_headers(settings.is_production)],
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        openapi_config=OpenAPIConfig(title="Tianping API", version="1", path="/schema"),
        debug=False,
    )


def create_app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory`` in worker processes (settings from the environment)."""
    config = os.environ.get("TIANPING_CONFIG")
    return create_app(load_settings(Path(config) if config else None))
