"""Route handlers of the consumer survey, registered by ``app.web.app``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

SURVEY_HANDLERS: list[ControllerRouterHandler] = []
