"""The demo round's scoring plan and people."""

from __future__ import annotations

from typing import Any

BODY_CODE = "CQEC"
BODY_NAME = "消费服务质量评价中心 Consumer Service Quality Evaluation Centre"
ROUND_CODE = "HA-2026Q4"
ROUND_TITLE = "家电售后服务质量评价 2026 年第四季度 · Home-appliance after-sales 2026 Q4"
INDUSTRY = "home appliances / 家电"

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
