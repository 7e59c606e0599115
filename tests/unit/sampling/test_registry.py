"""Registry parsing and validation: every rule names line, column and what to do."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sampling.errors import RegistryError
from sampling.fields import normalise_email, normalise_phone, parse_timestamp
from sampling.outputs import write_problems_csv
from sampling.registry import (
    ProblemCode,
    RegistryOptions,
    open_registry,
    read_registry,
    validate_registry,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = (
    "case_id,enterprise,channel,phone,email,"
    "opened_at,first_response_at,resolved_at,complaint,complaint_class"
)


def read(text: str, **options: object) -> tuple[list, object]:
    opts = RegistryOptions(stratum_columns=("channel",), **options)  # type: ignore[arg-type]
    return read_registry(io.BytesIO(text.encode()), opts)


def only_problem(text: str, **options: object):
    _rows, report = read(text, **options)
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def test_valid_row_is_normalised() -> None:
    rows, report = read(
        HEADER + "\nA1,E1,web, 138-1234 5678 ,Zhang@Example.COM,2025/3/1 9:05,"
        "2025-03-01T09:10:00+08:00,2025-03-02 10:00:00,1,urgent\n"
    )
    assert report.ok
    assert report.rows == report.valid_rows == 1
    row = rows[0]
    assert (row.line, row.case_id, row.enterprise, row.strata) == (2, "A1", "E1", ("web",))
    assert row.phone == "+8613812345678"
    assert row.email == "Zhang@example.com"
    assert row.opened_at == datetime(2025, 3, 1, 9, 5, tzinfo=SHANGHAI)
    assert row.complaint is True
    assert row.complaint_class == "urgent"
    assert report.count_table() == {("E1", "web"): 1}


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        (",E1,web,,,,,,,", "case_id", ProblemCode.MISSING_CASE_ID),
        ("A1,,web,,,,,,,", "enterprise", ProblemCode.MISSING_ENTERPRISE),
        ("A1,E1,,,,,,,,", "channel", ProblemCode.MISSING_STRATUM),
        ("A1,E1,web,12345,,,,,,", "phone", ProblemCode.BAD_PHONE),
        ("A1,E1,web,2381234567,,,,,,", "phone", ProblemCode.BAD_PHONE),
        ("A1,E1,web,,a@b,,,,,", "email", ProblemCode.BAD_EMAIL),
        ("A1,E1,web,,,yesterday,,,,", "opened_at", ProblemCode.BAD_TIMESTAMP),
        ("A1,E1,web,,,2025-13-01 10:00,,,,", "opened_at", ProblemCode.BAD_TIMESTAMP),
        (
            "A1,E1,web,,,2025-03-02 10:00,,2025-03-01 10:00,,",
            "resolved_at",
            ProblemCode.RESOLVED_BEFORE_OPENED,
        ),
        (
            "A1,E1,web,,,2025-03-02 10:00,2025-03-01 10:00,,,",
            "first_response_at",
            ProblemCode.RESPONSE_BEFORE_OPENED,
        ),
        ("A1,E1,web,,,,,,2,", "complaint", ProblemCode.BAD_COMPLAINT),
        ("A1,E1,web,,,,,,,severe", "complaint_class", ProblemCode.BAD_COMPLAINT_CLASS),
    ],
)
def test_each_rule_reports_line_and_column(line: str, column: str, code: ProblemCode) -> None:
    problem = only_problem(HEADER + "\nOK1,E1,web,,,,,,,\n" + line + "\n")
    assert (problem.line, problem.column, problem.code) == (3, column, code)
    assert "line 3" in str(problem)
    assert column in str(problem)


def test_all_problems_of_a_row_are_collected_and_row_is_excluded() -> None:
    rows, report = read(HEADER + "\n,E1,web,123,bad,never,,,,\n")
    assert rows == []
    assert report.invalid_rows == 1
    assert {p.code for p in report.problems} == {
        ProblemCode.MISSING_CASE_ID,
        ProblemCode.BAD_PHONE,
        ProblemCode.BAD_EMAIL,
        ProblemCode.BAD_TIMESTAMP,
    }


def test_duplicate_reports_both_lines() -> None:
    problem = only_problem(HEADER + "\nA1,E1,web,,,,,,,\nA2,E1,web,,,,,,,\nA1,E1,tel,,,,,,,\n")
    assert problem.code is ProblemCode.DUPLICATE_CASE_ID
    assert problem.line == 4
    assert "line 2" in problem.message


def test_unknown_enterprise_only_when_known_set_given() -> None:
    text = HEADER + "\nA1,E9,web,,,,,,,\n"
    assert read(text)[1].ok
    problem = only_problem(text, known_enterprises=frozenset({"E1"}))
    assert problem.code is ProblemCode.UNKNOWN_ENTERPRISE
    assert "E9" in problem.message


def test_phone_message_does_not_contain_the_number() -> None:
    problem = only_problem(HEADER + "\nA1,E1,web,99999999999,,,,,,\n")
    assert "99999999999" not in problem.message


def test_multiline_quoted_field_keeps_user_line_numbers() -> None:
    text = 'case_id,enterprise,channel,outcome\nA1,E1,web,"two\nlines"\n,E1,web,x\n'
    problem = only_problem(text)
    assert problem.line == 4


def test_blank_rows_are_skipped() -> None:
    rows, report = read("case_id,enterprise,channel\nA1,E1,web\n,,\n\nA2,E1,web\n")
    assert [r.line for r in rows] == [2, 5]
    assert report.rows == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_detected(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "登记.csv"
    path.write_bytes("工单号,企业,渠道\n单1,企业甲,电话\n".encode(encoding))
    options = RegistryOptions(
        mapping={"工单号": "case_id", "企业": "enterprise", "渠道": "channel"},
        stratum_columns=("channel",),
    )
    rows, report = read_registry(path, options)
    assert report.encoding == ("gb18030" if encoding == "gb18030" else "utf-8-sig")
    assert rows[0].case_id == "单1"
    assert rows[0].strata == ("电话",)


def test_explicit_wrong_encoding_names_the_line() -> None:
    data = "case_id,enterprise\nA1,企业\n".encode("gb18030")
    with pytest.raises(RegistryError, match=r"line 2.*--encoding"):
        read_registry(io.BytesIO(data), RegistryOptions(encoding="utf-8"))


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(RegistryError, match="unknown encoding"):
        read_registry(io.BytesIO(b"a\n"), RegistryOptions(encoding="klingon"))


def test_mapping_errors_name_the_headers() -> None:
    data = io.BytesIO("工单号,企业\n1,E\n".encode())
    with pytest.raises(RegistryError, match="工单号, 企业"):
        read_registry(data, RegistryOptions())
    data.seek(0)
    with pytest.raises(RegistryError, match="'编号', which is not on line 1"):
        read_registry(data, RegistryOptions(mapping={"编号": "case_id"}))


def test_empty_file_and_unsupported_type(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="empty"):
        read_registry(io.BytesIO(b""))
    other = tmp_path / "cases.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(RegistryError, match="unsupported file type"):
        read_registry(other)
    with pytest.raises(RegistryError, match="cannot open"):
        read_registry(tmp_path / "missing.csv")


def test_xlsx_rows_are_sheet_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["工单号", "企业", "channel", "opened_at", "resolved_at"])
    sheet.append([100234, "E1", "web", datetime(2025, 3, 1, 9, 0), "2025-03-02 10:00"])
    sheet.append([])
    sheet.append([100235, "E1", "web", datetime(2025, 3, 5, 9, 0), "2025-03-02 10:00"])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)
    options = RegistryOptions(
        mapping={"工单号": "case_id", "企业": "enterprise"}, stratum_columns=("channel",)
    )
    rows, report = read_registry(path, options)
    assert rows[0].case_id == "100234"
    assert rows[0].opened_at == datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
    assert [(p.line, p.column, p.code) for p in report.problems] == [
        (4, "resolved_at", ProblemCode.RESOLVED_BEFORE_OPENED)
    ]
    assert len(report.sha256) == 64


def test_sha256_and_batches(tmp_path: Path) -> None:
    import hashlib

    body = "case_id,enterprise\n" + "".join(f"C{i},E1\n" for i in range(12))
    path = tmp_path / "r.csv"
    path.write_text(body, encoding="utf-8")
    with open_registry(path) as stream:
        sizes = [len(batch) for batch in stream.batches(5)]
        report = stream.report()
    assert sizes == [5, 5, 2]
    assert report.sha256 == hashlib.sha256(body.encode()).hexdigest()


def test_report_before_end_is_an_error() -> None:
    with (
        open_registry(io.BytesIO(b"case_id,enterprise\nA,E\n")) as stream,
        pytest.raises(RuntimeError),
    ):
        stream.report()


def test_max_problems_caps_memory_but_counts_all() -> None:
    text = "case_id,enterprise\n" + ",E\n" * 30
    report = validate_registry(io.BytesIO(text.encode()), RegistryOptions(max_problems=5))
    assert report.problem_count == 30
    assert len(report.problems) == 5


def test_problems_csv(tmp_path: Path) -> None:
    _, report = read(HEADER + "\n,E1,web,,,,,,,\n")
    path = tmp_path / "errors.csv"
    assert write_problems_csv(report.problems, path) == 1
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "line,column,code,message"
    assert text.splitlines()[1].startswith("2,case_id,missing_case_id,")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0086 19912345678", "+8619912345678"),
        ("010-12345678", "+861012345678"),
        ("0755 1234567", "+867551234567"),
    ],
)
def test_phone_normalisation(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "+1 2025550100", "abc"])
def test_phone_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="mainland mobile"):
        normalise_phone(raw)


def test_email_and_timestamp_helpers() -> None:
    assert normalise_email("  Li.Si@Mail.EXAMPLE.cn ") == "Li.Si@mail.example.cn"
    utc = parse_timestamp("2025-03-01T01:00:00Z", SHANGHAI)
    assert utc == datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
    assert parse_timestamp("2025-03-01", SHANGHAI).tzinfo is SHANGHAI


def test_other_timezone_option() -> None:
    rows, _ = read(
        "case_id,enterprise,channel,opened_at\nA,E,web,2025-03-01 09:00\n", timezone="UTC"
    )
    assert rows[0].opened_at is not None
    assert rows[0].opened_at.utcoffset().total_seconds() == 0
    with pytest.raises(RegistryError, match="unknown time zone"):
        read("case_id,enterprise,channel\n", timezone="Mars/Olympus")


FOLLOW_UP_HEADER = (
    "case_id,enterprise,channel,opened_at,assessed_at,followed_up_at,closed_at,extended,category"
)


def test_follow_up_columns_are_read_and_mapped() -> None:
    text = (
        "工单号,企业,channel,受理时间,评估时间,回访时间,结案时间,延期,投诉类别\n"
        "A1,E1,web,2026-03-01 09:00,2026-03-01 10:00,2026/3/5 9:30,2026-03-06T18:00:00+08:00,"
        "是, 质量问题 \n"
        "A2,E1,web,2026-03-01 09:00,,,,0,\n"
    )
    mapping = {
        "工单号": "case_id", "企业": "enterprise", "受理时间": "opened_at",
        "评估时间": "assessed_at", "回访时间": "followed_up_at", "结案时间": "closed_at",
        "延期": "extended", "投诉类别": "category",
    }  # fmt: skip
    rows, report = read(text, mapping=mapping)
    assert report.ok, report.problems
    first, second = rows
    assert first.assessed_at == datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert first.followed_up_at == datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert first.closed_at == datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    assert (first.extended, first.category) == (True, "质量问题")
    assert (second.assessed_at, second.closed_at, second.extended, second.category) == (
        None,
        None,
        False,
        None,
    )


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        ("A1,E1,web,2026-03-02,2026-03-01,,,,", "assessed_at", ProblemCode.ASSESSED_BEFORE_OPENED),
        (
            "A1,E1,web,2026-03-02 10:00,,2026-03-02 09:59,,,",
            "followed_up_at",
            ProblemCode.FOLLOWED_UP_BEFORE_OPENED,
        ),
        ("A1,E1,web,2026-03-02,,,2026-02-01,,", "closed_at", ProblemCode.CLOSED_BEFORE_OPENED),
        ("A1,E1,web,,soon,,,,", "assessed_at", ProblemCode.BAD_TIMESTAMP),
        ("A1,E1,web,,,,,2,", "extended", ProblemCode.BAD_EXTENDED),
        ("A1,E1,web,,,,,," + "类" * 101, "category", ProblemCode.CATEGORY_TOO_LONG),
    ],
)
def test_follow_up_rules_name_line_and_column(line: str, column: str, code: ProblemCode) -> None:
    problem = only_problem(FOLLOW_UP_HEADER + "\nOK1,E1,web,,,,,,\n" + line + "\n")
    assert (problem.line, problem.column, problem.code) == (3, column, code)
    assert "line 3" in str(problem)
    assert column in str(problem)


def test_follow_up_times_before_opened_are_each_reported_with_the_opened_header() -> None:
    text = (
        "case_id,enterprise,channel,受理,assessed_at,followed_up_at,closed_at\n"
        "A1,E1,web,2026-03-02 12:00,2026-03-02 11:00,2026-03-01,2026-03-02 11:59\n"
    )
    _rows, report = read(text, mapping={"受理": "opened_at"})
    assert [(p.column, p.code) for p in report.problems] == [
        ("assessed_at", ProblemCode.ASSESSED_BEFORE_OPENED),
        ("followed_up_at", ProblemCode.FOLLOWED_UP_BEFORE_OPENED),
        ("closed_at", ProblemCode.CLOSED_BEFORE_OPENED),
    ]
    assert all("受理" in p.message for p in report.problems)


def test_category_of_exactly_the_limit_is_kept() -> None:
    rows, report = read(FOLLOW_UP_HEADER + "\nA1,E1,web,,,,,1," + "类" * 100 + "\n")
    assert report.ok
    assert rows[0].category == "类" * 100
    assert rows[0].extended is True
