"""A small valid questionnaire as a plain dict; tests break one thing at a time."""

from __future__ import annotations

from typing import Any

from questionnaires.errors import Problem

LABELS5 = {
    "zh": ["很差", "差", "一般", "好", "很好"],
    "en": ["Very poor", "Poor", "Fair", "Good", "Very good"],
}


def likert(code: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "text": {"zh": f"问题 {code}", "en": f"Question {code}"}, **extra}


def minimal() -> dict[str, Any]:
    return {
        "code": "demo",
        "version": 1,
        "title": {"zh": "示例问卷", "en": "Demo survey"},
        "scale": {"points": 5, "labels": {k: list(v) for k, v in LABELS5.items()}},
        "dimensions": [
            {
                "code": "attitude",
                "name": {"zh": "态度", "en": "Attitude"},
                "items": [likert("a1"), likert("a2"), likert("a3", reverse=True)],
            },
            {
                "code": "speed",
                "name": {"zh": "效率", "en": "Speed"},
                "items": [likert("s1"), likert("s2", allow_na=True)],
            },
        ],
        "general_items": [
            {"code": "visited", "type": "yes_no", "text": {"zh": "到店了吗", "en": "Visited?"}},
            {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
            {
                "code": "channel",
                "type": "single_choice",
                "text": {"zh": "渠道", "en": "Channel"},
                "choices": [
                    {"code": "phone", "label": {"zh": "电话", "en": "Phone"}},
                    {"code": "store", "label": {"zh": "门店", "en": "Store"}},
                ],
            },
            {"code": "comment", "type": "text", "text": {"zh": "意见", "en": "Comments"}},
        ],
    }


def errors(problems: tuple[Problem, ...]) -> list[tuple[str, str]]:
    return [(p.location, p.message) for p in problems if p.severity == "error"]


def warnings(problems: tuple[Problem, ...]) -> list[tuple[str, str]]:
    return [(p.location, p.message) for p in problems if p.severity == "warning"]
