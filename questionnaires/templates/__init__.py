"""Bundled questionnaire templates, written for Tianping (no published instrument's wording)."""

from __future__ import annotations

from importlib import resources

from questionnaires.errors import QuestionnaireError
from questionnaires.model import Questionnaire
from questionnaires.serialization import loads

_SUFFIX = ".yaml"


def list_templates() -> tuple[str, ...]:
    """Names of the bundled templates, sorted (e.g. ``after-sales``)."""
    folder = resources.files(__name__)
    return tuple(
        sorted(p.name[: -len(_SUFFIX)] for p in folder.iterdir() if p.name.endswith(_SUFFIX))
    )


def template_text(name: str) -> str:
    """The YAML text of a bundled template, comments included."""
    if name not in list_templates():
        raise QuestionnaireError(
            f"no template {name!r}; the bundled templates are: {', '.join(list_templates())}"
        )
    return resources.files(__name__).joinpath(name + _SUFFIX).read_text(encoding="utf-8")


def load_template(name: str) -> Questionnaire:
    return loads(template_text(name), "yaml", source=f"template {name}")
