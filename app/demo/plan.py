"""The demo round's scoring plan and people."""

from __future__ import annotations

from datetime import date
from typing import Any

BODY_CODE = "CQEC"
BODY_NAME = "消费服务质量评价中心 Consumer Service Quality Evaluation Centre"
ROUND_CODE = "HA-2026Q4"
ROUND_TITLE = "家电售后服务质量评价 2026 年第四季度 · Home-appliance after-sales 2026 Q4"
INDUSTRY = "home appliances / 家电"

# The re-evaluation of the enterprises warned in the round (after their plans are accepted).
FOLLOW_UP_CODE = "HA-2026Q4-RE"
FOLLOW_UP_TITLE = "家电售后服务整改复评 2026 年 12 月 · After-sales re-evaluation, December 2026"
FOLLOW_UP_PERIOD = (date(2026, 12, 1), date(2026, 12, 31))
# Warn a composite below 50 (well inside grade E), 30 days to rectify; escalate if ignored or
# warned again in the next round.
RULE: dict[str, Any] = {
    "grade_below": None,
    "composite_below": 50.0,
    "days_to_rectify": 30,
    "severity": "major",
    "escalate_when_overdue": True,
    "escalate_when_repeated": True,
}

PLAN: dict[str, Any] = {
    "strata": ["channel"],
    "weights": {
        "attitude": 0.25,
        "efficiency": 0.25,
        "content": 0.2,
        "environment": 0.1,
        "responsiveness": 0.2,
    },
    "min_answered_share": 0.5,
    "confidence": 0.95,
    "grades": [
        {"grade": "A", "min": 85},
        {"grade": "B", "min": 75},
        {"grade": "C", "min": 65},
        {"grade": "D", "min": 55},
        {"grade": "E", "min": 0},
    ],
    "exclusions": {"straightlining": True, "min_duration_seconds": 20},
    "overall_item": "overall",
}

# Demo logins; their password is generated per run and printed (real accounts: `tianping user`).
ADMIN = "admin"
ASSESSOR = "li.assessor"
REVIEWER = "wang.reviewer"
