"""XLSForm import: a hand-made KoboToolbox-style form, and located errors for bad workbooks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

import questionnaires
from questionnaires import QuestionnaireInvalid, to_dict
from questionnaires.templates import load_template

ZH, EN = "label::Chinese (zh)", "label::English (en)"


def _book(survey: list[list[Any]], choices: list[list[Any]], settings: list[list[Any]]) -> bytes:
    book = Workbook()
    sheets = [("survey", survey), ("choices", choices), ("settings", settings)]
    for n, (title, rows) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SAT5 = [
    ["sat5", str(k), zh, en]
    for k, (zh, en) in enumerate(
        [("很不满意", "Very dissatisfied"), ("不满意", "Dissatisfied"), ("一般", "Neutral"),
         ("满意", "Satisfied"), ("很满意", "Very satisfied")],
        start=1,
    )
]  # fmt: skip


def _kobo_form() -> dict[str, list[list[Any]]]:
    """Written the way a KoboToolbox user would: groups, select_one lists, relevant, metadata."""
    header = ["type", "name", ZH, EN, "required", "relevant", "parameters", "hint"]
    return {
        "survey": [
            header,
            ["start", "start"],
            ["begin group", "staff", "员工", "Staff"],
            ["select_one sat5", "st1", "员工很友好", "Staff were friendly", "true",
             None, None, "提示"],
            ["select_one sat5", "st2", "员工很专业", "Staff were competent", None, "${st1} >= 3"],
            ["select_one sat5_na", "st3", "员工守时", "Staff were on time"],
            ["end group"],
            ["note", "thanks_note", "谢谢", "Thanks"],
            ["select_one yn", "visited", "您是否到过门店？", "Did you visit the shop?", "yes"],
            ["select_one channel", "channel", "您通过什么渠道联系？", "How did you contact us?",
             None, "selected(${visited}, 'yes') and ${st1} >= '4'"],
            ["range", "nps", "推荐意愿", "Would you recommend us?", None, None,
             "start=0 end=10 step=1"],
            ["text", "comment", "其他意见", "Other comments"],
        ],
        "choices": [
            ["list_name", "name", ZH, EN],
            *SAT5,
            *(["sat5_na", *row[1:]] for row in SAT5),
            ["sat5_na", "na", "不适用", "Not applicable"],
            ["yn", "yes", "是", "Yes"],
            ["yn", "no", "否", "No"],
            ["channel", 1, "电话", "Phone"],
            ["channel", 2, "门店", "Shop"],
        ],
        "settings": [
            ["form_title", "form_id", "version", "default_language"],
            ["门店服务调查", "shop_survey", "2026051001", "Chinese (zh)"],
        ],
    }  # fmt: skip


def _load(form: dict[str, list[list[Any]]]) -> questionnaires.Questionnaire:
    return questionnaires.load_xlsform(_book(form["survey"], form["choices"], form["settings"]))


def test_hand_made_kobo_form_with_chinese_labels_imports() -> None:
    q = _load(_kobo_form())
    assert (q.code, q.version, q.kind) == ("shop_survey", 2026051001, "survey")
    assert q.languages == ("zh", "en")
    assert q.title == {"zh": "门店服务调查", "en": "门店服务调查"}
    assert [d.code for d in q.dimensions] == ["staff"]
    assert [i.code for i in q.all_items()] == ["st1", "st2", "st3", "visited", "channel", "nps",
                                               "comment"]  # fmt: skip
    assert q.scale is not None
    assert q.scale.points == 5
    assert q.scale.labels["zh"][0] == "很不满意"
    st1, st2, st3 = q.dimension("staff").items
    assert st1.required
    assert st1.text["zh"] == "员工很友好"
    assert st2.show_if == "st1 >= 3"
    assert st3.allow_na
    assert st3.scale is None
    assert st3.points == 5
    assert q.item("visited").type == "yes_no"
    assert q.item("nps").type == "nps"
    channel = q.item("channel")
    assert channel.type == "single_choice"
    assert [c.code for c in channel.choices] == ["1", "2"]
    assert channel.show_if == "visited == 'yes' and st1 >= 4"


def test_general_items_before_a_group_must_not_be_referenced_later() -> None:
    # Presentation order puts general items after the dimensions, so st2 cannot look at visited.
    form = _kobo_form()
    form["survey"].insert(2, ["select_one yn", "first", "先问", "Asked first"])
    form["survey"][5][5] = "${first} = 'yes'"
    with pytest.raises(QuestionnaireInvalid) as caught:
        _load(form)
    assert "sheet survey, row 6, column relevant: 'first' is not an earlier question" in str(
        caught.value
    )


def _exported(name: str = "after-sales") -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(questionnaires.dump_xlsform(load_template(name))))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_problems_name_sheet_row_and_column() -> None:
    form = _exported()
    form["survey"][2][3] = None  # English label of att1
    form["survey"][3][1] = "att1"  # duplicate code
    form["survey"][4][0] = "select_multiple likert5"
    form["choices"][1][3] = None  # English label of the scale's first point
    with pytest.raises(QuestionnaireInvalid) as caught:
        _load(form)
    locations = {p.location for p in caught.value.problems}
    assert {
        "sheet survey, row 3, column label::English (en)",
        "sheet survey, row 4, column name",
        "sheet survey, row 5, column type",
        "sheet choices, row 2, column label::English (en)",
    } <= locations
    assert "select_multiple" in str(caught.value)


def test_unknown_list_and_bad_required_value() -> None:
    form = _exported()
    form["survey"][2][0] = "select_one nowhere"
    form["survey"][3][4] = "sometimes"
    with pytest.raises(QuestionnaireInvalid) as caught:
        _load(form)
    found = {p.location: p.message for p in caught.value.problems}
    assert "not on the choices sheet" in found["sheet survey, row 3, column type"]
    assert found["sheet survey, row 4, column required"] == "'sometimes' is not yes or no"


def test_text_file_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "q.xlsx"
    path.write_text("code: not a workbook\n", encoding="utf-8")
    with pytest.raises(QuestionnaireInvalid, match=r"not an Excel \.xlsx workbook"):
        questionnaires.load(path)


def test_wrong_sheet_names() -> None:
    form = _exported()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    for row in form["survey"]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(QuestionnaireInvalid) as caught:
        questionnaires.load_xlsform(buffer.getvalue())
    assert [p.location for p in caught.value.problems] == ["sheet survey", "sheet settings"]
    assert "found: Sheet1" in str(caught.value)


def test_nested_groups_and_unclosed_group() -> None:
    form = _exported()
    form["survey"].insert(2, ["begin_group", "inner"])
    with pytest.raises(QuestionnaireInvalid, match="groups inside groups are not supported"):
        _load(form)


def test_export_writes_label_starting_with_equals_as_text() -> None:
    data = to_dict(load_template("servqual"))
    data["dimensions"][0]["items"][0]["text"]["en"] = "=1+1 is not a formula"
    q = questionnaires.from_dict(data)
    assert to_dict(questionnaires.load_xlsform(questionnaires.dump_xlsform(q))) == data
