"""State shared by all commands of one CLI invocation (global options, lazily loaded settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from app.config import Settings, load_settings


@dataclass
class CliState:
    config_file: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
