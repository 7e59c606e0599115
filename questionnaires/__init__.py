"""Questionnaires: the model, validation, versioning, YAML/JSON and XLSForm formats, templates.

A pure library: no database, HTTP, settings or ``app`` imports, so the CLI, the web app and
notebooks all use it the same way.
"""

from questionnaires.conditions import evaluate, parse_condition
from questionnaires.errors import Problem, QuestionnaireError, QuestionnaireInvalid, UnknownItem
from questionnaires.files import load
from questionnaires.model import (
    ITEM_TYPES,
    LIKERT_POINTS,
    Choice,
    Dimension,
    Item,
    ItemType,
    Kind,
    Questionnaire,
    Scale,
)
from questionnaires.serialization import (
    canonical_json,
    canonical_sha256,
    dump,
    from_dict,
    loads,
    to_dict,
)
from questionnaires.validation import validate
from questionnaires.versioning import QuestionnaireDiff, diff
from questionnaires.xlsform import dump_xlsform, load_xlsform

__all__ = [
    "ITEM_TYPES",
    "LIKERT_POINTS",
    "Choice",
    "Dimension",
    "Item",
    "ItemType",
    "Kind",
    "Problem",
    "Questionnaire",
    "QuestionnaireDiff",
    "QuestionnaireError",
    "QuestionnaireInvalid",
    "Scale",
    "UnknownItem",
    "canonical_json",
    "canonical_sha256",
    "diff",
    "dump",
    "dump_xlsform",
    "evaluate",
    "from_dict",
    "load",
    "load_xlsform",
    "loads",
    "parse_condition",
    "to_dict",
    "validate",
]
