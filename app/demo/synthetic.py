"""Synthetic case registries and consumer answers for the demo round.

Everything is drawn from one seeded generator, so a demo is reproducible. The numbers are
made to look like an after-sales round: several channels with different volumes and response
rates, service times with long right tails, a few complaints, enterprises of different true
quality (one of them clearly failing), and answers that follow each enterprise's quality.
Phone numbers use the reserved-looking 1990000xxxx range and e-mails ``example.com``: they are
fake by construction.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

CHANNELS: tuple[tuple[str, float, float], ...] = (
    # channel, share of cases, response rate
    ("phone", 0.40, 0.45),
    ("online", 0.30, 0.60),
    ("store", 0.20, 0.55),
    ("onsite", 0.10, 0.50),
)
REGIONS = ("east", "north", "south", "southwest")
SERVICE_TYPES = ("repair", "installation", "return")
COMPLAINT_CLASSES = ("general", "complex", "urgent")
# Complaint categories as registries write them (share of complaints in the weights below).
COMPLAINT_CATEGORIES = ("维修质量", "响应不及时", "收费争议", "服务态度", "配件缺货")
CATEGORY_WEIGHTS = (0.35, 0.25, 0.15, 0.15, 0.10)


@dataclass(frozen=True, slots=True)
class DemoEnterprise:
    code: str
    name_zh: str
    name_en: str
    cases: int
    quality: float  # latent quality on the logit scale; 0 is average


ENTERPRISES: tuple[DemoEnterprise, ...] = (
    DemoEnterprise("E001", "海川电器售后服务有限公司", "Haichuan Appliance Service", 4200, 0.9),
    DemoEnterprise("E002", "北辰家电服务有限公司", "Beichen Home Appliance Service", 3600, 0.5),
    DemoEnterprise("E003", "南岭电器维修有限公司", "Nanling Appliance Repair", 2800, 0.3),
    DemoEnterprise("E004", "云帆智能家居服务有限公司", "Yunfan Smart Home Service", 3100, 0.7),
    DemoEnterprise("E005", "东篱电器服务有限公司", "Dongli Appliance Service", 2500, 0.0),
    DemoEnterprise("E006", "启明家电售后有限公司", "Qiming After-sales", 3900, 0.2),
    DemoEnterprise("E007", "青禾电器服务有限公司", "Qinghe Appliance Service", 2200, -0.2),
    DemoEnterprise("E008", "远山家电维修有限公司", "Yuanshan Home Repair", 2700, -1.1),
    DemoEnterprise("E009", "星河电器服务有限公司", "Xinghe Appliance Service", 3300, 0.4),
    DemoEnterprise("E010", "松石家电服务有限公司", "Songshi Home Appliance Service", 2000, 0.1),
)

ROUND_START = datetime(2026, 10, 1, tzinfo=UTC)
ROUND_DAYS = 60

# The clearly failing enterprise above, and its true quality after rectification: the
# follow-up round's answers come from this level, its registry from a later period.
FAILING = "E008"
RECTIFIED_QUALITY = 0.6
# The working-day calendar (scoring/cn_workdays.yaml) ends with 2026: the follow-up's cases
# are opened early in December so that every working-day time limit still falls inside it.
FOLLOW_UP_START = datetime(2026, 12, 1, tzinfo=UTC)
FOLLOW_UP_DAYS = 14
FOLLOW_UP_CASES = 400  # at scale 1; a re-evaluation is small next to the round it follows

REGISTRY_COLUMNS = (
    "case_id", "enterprise", "channel", "region", "service_type", "phone", "email",
    "opened_at", "first_response_at", "resolved_at", "complaint", "complaint_class", "outcome",
    "assessed_at", "followed_up_at", "closed_at", "extended", "category",
)  # fmt: skip


def _fmt(moment: datetime) -> str:
    # Registries arrive in local (Asia/Shanghai) wall-clock time without an offset.
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def _complaint_handling(
    opened: datetime,
    resolved: datetime | None,
    speed: float,
    rng: np.random.Generator,
) -> dict[str, str]:
    """Assessment, follow-up call, closure, extension and category of one complaint."""
    assessed = opened + timedelta(hours=float(rng.lognormal(np.log(3 * speed), 0.7)))
    extended = rng.random() < 0.12
    category = COMPLAINT_CATEGORIES[
        int(rng.choice(len(COMPLAINT_CATEGORIES), p=np.array(CATEGORY_WEIGHTS)))
    ]
    followed = closed = None
    if resolved is not None:
        followed = max(resolved, assessed) + timedelta(hours=float(rng.uniform(12, 72)))
        closed = followed + timedelta(hours=float(rng.lognormal(np.log(4), 0.5)))
        if extended:  # the consumer agreed to more time, so closure comes days later
            closed += timedelta(days=float(rng.uniform(3, 10)))
    return {
        "assessed_at": _fmt(assessed),
        "followed_up_at": _fmt(followed) if followed else "",
        "closed_at": _fmt(closed) if closed else "",
        "extended": "1" if extended else "0",
        "category": category,
    }


_NO_HANDLING = dict.fromkeys(
    ("assessed_at", "followed_up_at", "closed_at", "extended", "category"), ""
)


def registry_rows(
    ent: DemoEnterprise,
    rng: np.random.Generator,
    *,
    start: datetime = ROUND_START,
    days: int = ROUND_DAYS,
) -> Iterator[dict[str, str]]:
    # Complaint handling draws from a child stream so the values of the original columns
    # (and everything drawn from ``rng`` afterwards) stay what they were before it existed.
    handling_rng = rng.spawn(1)[0]
    shares = np.array([c[1] for c in CHANNELS])
    channel_idx = rng.choice(len(CHANNELS), size=ent.cases, p=shares / shares.sum())
    for i in range(ent.cases):
        opened = start + timedelta(minutes=float(rng.uniform(0, days * 24 * 60)))
        # Better enterprises answer and resolve faster; both have long right tails.
        speed = float(np.exp(-0.35 * ent.quality))
        first = opened + timedelta(hours=float(rng.lognormal(np.log(6 * speed), 1.0)))
        resolved = first + timedelta(hours=float(rng.lognormal(np.log(40 * speed), 0.9)))
        complaint = rng.random() < 0.06 * speed
        unresolved = rng.random() < 0.03
        yield {
            "case_id": f"{ent.code}-{i + 1:06d}",
            "enterprise": ent.code,
            "channel": CHANNELS[int(channel_idx[i])][0],
            "region": REGIONS[int(rng.integers(len(REGIONS)))],
            "service_type": SERVICE_TYPES[int(rng.integers(len(SERVICE_TYPES)))],
            "phone": f"199{int(rng.integers(0, 10**8)):08d}",
            "email": f"user{int(rng.integers(10**6))}@example.com" if rng.random() < 0.3 else "",
            "opened_at": _fmt(opened),
            "first_response_at": _fmt(first),
            "resolved_at": "" if unresolved else _fmt(resolved),
            "complaint": "1" if complaint else "0",
            "complaint_class": str(rng.choice(COMPLAINT_CLASSES, p=[0.7, 0.2, 0.1]))
            if complaint
            else "",
            "outcome": "unresolved" if unresolved else "resolved",
            **(
                _complaint_handling(opened, None if unresolved else resolved, speed, handling_rng)
                if complaint
                else _NO_HANDLING
            ),
        }


def write_registry(
    path: Path,
    ent: DemoEnterprise,
    rng: np.random.Generator,
    *,
    start: datetime = ROUND_START,
    days: int = ROUND_DAYS,
) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS)
        writer.writeheader()
        for row in registry_rows(ent, rng, start=start, days=days):
            writer.writerow(row)
            count += 1
    return count


def response_rate(channel: str) -> float:
    return next(rate for name, _share, rate in CHANNELS if name == channel)


def simulate_answers(
    quality: float,
    dimension_items: Sequence[tuple[str, Sequence[tuple[str, int, bool]]]],
    rng: np.random.Generator,
    *,
    na_rate: float = 0.03,
) -> dict[str, int | None]:
    """One respondent's raw answers: ``{item_code: 1..K or None}``.

    A graded-response style model: the respondent's satisfaction in a dimension is the
    enterprise's quality plus a dimension effect plus personal noise; each item adds its own
    noise and is cut into K ordered categories. Reverse-worded items are answered mirrored.
    """
    answers: dict[str, int | None] = {}
    person = float(rng.normal(0, 0.6))
    for _dim, items in dimension_items:
        dim_level = quality + person + float(rng.normal(0, 0.35))
        for code, points, reverse in items:
            if rng.random() < na_rate:
                answers[code] = None
                continue
            latent = dim_level + float(rng.logistic(0, 0.55))
            cuts = np.linspace(-2.2, 1.2, points - 1)
            value = int(np.searchsorted(cuts, latent)) + 1
            answers[code] = points + 1 - value if reverse else value
    return answers
