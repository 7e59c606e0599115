"""Every problem message of the questionnaire library has a Chinese translation with the same
parameters, every id the library uses is declared, and problems render in Chinese (issue #6)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import questionnaires
from app.web.i18n import LOCALE_DIR as LOCALE
from app.web.i18n import catalog
from app.web.questionnaire_messages import problem_entries, problem_message
from questionnaires.messages import MESSAGES, TERMS, render
from questionnaires.templates import load_template

LIBRARY = Path(questionnaires.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Calls taking a message id, and its position: ``self.error(location, id, …)``,
# ``Problem.of(location, id, …)``, ``ConditionSyntaxError.of(id, …)``.
_ID_CALLS = {"error": 1, "warning": 1, "of": 1}


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("english", [*MESSAGES.values(), *TERMS])
def test_every_message_and_term_has_a_chinese_translation(english: str) -> None:
    chinese = catalog("zh").get(english)
    assert chinese, f"no zh translation in questionnaires.po for: {english}"
    assert HAN.search(chinese) or english in ("')'", "',' or ']'"), chinese
    assert _placeholders(chinese) == _placeholders(english)


def test_the_zh_catalogue_file_holds_them_itself() -> None:
    # Another catalogue defining the same id must not be what keeps the test above green.
    with (LOCALE / "zh" / "LC_MESSAGES" / "questionnaires.po").open("rb") as fh:
        own = {m.id: m.string for m in read_po(fh, locale="zh") if m.id and m.string}
    assert [e for e in [*MESSAGES.values(), *TERMS] if e not in own] == []


def _ids_used_in(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        position = _ID_CALLS.get(node.func.attr)
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id == "ConditionSyntaxError":
            position = 0
        if position is None or len(node.args) <= position:
            continue
        arg = node.args[position]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((node.lineno, arg.value))
    return found


CODED_MODULES = ("validation.py", "reading.py", "conditions.py", "serialization.py", "files.py")


@pytest.mark.parametrize("module", CODED_MODULES)
def test_every_id_the_library_uses_is_declared(module: str) -> None:
    used = _ids_used_in(LIBRARY / module)
    assert used, f"no message ids found in {module}: the walk no longer sees the calls"
    unknown = [(line, code) for line, code in used if code not in MESSAGES]
    assert not unknown, f"{module}: ids without a template in questionnaires/messages.py"


def test_every_declared_id_is_used() -> None:
    used = {code for m in CODED_MODULES for _, code in _ids_used_in(LIBRARY / m)}
    assert set(MESSAGES) - used == set()


def _broken() -> dict[str, object]:
    data = questionnaires.to_dict(load_template("after-sales"))
    dims = data["dimensions"]
    assert isinstance(dims, list)
    dims[0]["items"][0]["text"].pop("zh")
    dims[0]["items"][1]["show_if"] = "att1 >="
    dims[0]["items"][2]["weight"] = "heavy"
    dims[0]["code"] = dims[1]["code"]
    return data


def test_library_problems_render_in_chinese_and_english() -> None:
    problems = questionnaires.validate(_broken())
    assert len(problems) >= 4
    for p in problems:
        assert p.code in MESSAGES, p
        assert render(p.code, p.parameters) == p.message
        assert HAN.search(problem_message(p, "zh")), p
        assert problem_message(p, "en") == p.message
    by_path = {p.location: p for p in problems}
    missing = by_path["dimensions[0].items[0].text.zh"]
    assert problem_message(missing, "zh").startswith("题目 'att1' 缺少 zh 文本")
    unreadable = by_path["dimensions[0].items[1].show_if"]
    assert problem_message(unreadable, "zh") == (
        "无法读取 'att1 >='：此处应为数字或带引号的文本，但条件已经结束"
    )


def test_problem_entries_carry_path_code_and_localized_message() -> None:
    problems = questionnaires.validate(_broken())
    entries = problem_entries(problems, "zh")
    weight = next(e for e in entries if e["path"] == "dimensions[0].items[2].weight")
    assert weight["code"] == "shape.not_number"
    assert weight["severity"] == "error"
    assert weight["message"] == "'weight' 必须是数字，而不是文本"
    assert weight["params"] == {"key": "weight", "found": "a text"}


def test_syntax_errors_of_yaml_and_json_are_coded() -> None:
    cases = [("code: [", "yaml"), ("{", "json"), ("[]", "json")]
    cases += [("[" * 5000, "yaml"), ("[" * 100_000, "json")]  # deeper than Python recurses
    for text, fmt in cases:
        with pytest.raises(questionnaires.QuestionnaireInvalid) as caught:
            questionnaires.loads(text, fmt)  # type: ignore[arg-type]
        [problem] = caught.value.problems
        assert problem.code.startswith("file."), problem
        assert HAN.search(problem_message(problem, "zh"))


def test_numbers_beyond_canonical_json_are_a_located_problem() -> None:
    data = questionnaires.to_dict(load_template("after-sales"))
    data["dimensions"][0]["weight"] = 2**60
    [problem] = [p for p in questionnaires.validate(data) if p.severity == "error"]
    assert problem.location == "dimensions[0].weight"
    assert problem.code == "shape.number_too_large"
