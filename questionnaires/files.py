"""Reading a questionnaire file of any supported format, chosen by its suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from questionnaires.errors import Problem, QuestionnaireError, QuestionnaireInvalid, errors_of
from questionnaires.model import Questionnaire
from questionnaires.reading import kind_of
from questionnaires.serialization import TextFormat, parse_text
from questionnaires.validation import read_and_validate
from questionnaires.xlsform import check_xlsform

SUFFIX_FORMATS: dict[str, TextFormat | None] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".xlsx": None,  # XLSForm
}


def _read(path: Path) -> tuple[bytes, TextFormat | None]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise QuestionnaireError(
            f"cannot tell the format of {path.name}: accepted suffixes are "
            f"{', '.join(SUFFIX_FORMATS)}; rename the file accordingly"
        )
    try:
        return path.read_bytes(), SUFFIX_FORMATS[suffix]
    except OSError as exc:
        raise QuestionnaireError(f"cannot read {path}: {exc.strerror or exc}") from None


def check_file(path: Path) -> tuple[Questionnaire | None, tuple[Problem, ...]]:
    """Every problem of a questionnaire file, warnings included, without raising for its
    content; the questionnaire is ``None`` when the file could not even be parsed."""
    path = Path(path)
    content, fmt = _read(path)
    source = str(path)
    try:
        if fmt is None:
            return check_xlsform(content, source)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = Problem.of(source, "file.not_utf8", byte=exc.start + 1)
            return None, (problem,)
        data = parse_text(text, fmt, source)
    except QuestionnaireInvalid as exc:
        return None, exc.problems
    if not isinstance(data, Mapping):
        found = "empty" if data is None else kind_of(data)
        return None, (Problem.of(source, "file.not_a_mapping", found=found),)
    return read_and_validate(data)


def load(path: Path) -> Questionnaire:
    """Load and validate ``.yaml``/``.yml``/``.json`` (native) or ``.xlsx`` (XLSForm)."""
    q, problems = check_file(Path(path))
    if q is None or errors_of(problems):
        raise QuestionnaireInvalid(problems, str(path))
    return q
