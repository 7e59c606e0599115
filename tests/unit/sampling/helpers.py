"""Builders of small registries for the sampling tests."""

from __future__ import annotations

import io

from sampling.draw import DrawResult, Frame, build_frame, draw_sample
from sampling.registry import RegistryOptions, open_registry
from sampling.seeds import SeedInputs


def csv_bytes(rows: list[tuple[str, str, str]], encoding: str = "utf-8") -> bytes:
    lines = ["case_id,enterprise,channel", *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def frame_and_hash(data: bytes) -> tuple[Frame, str]:
    with open_registry(io.BytesIO(data), RegistryOptions(stratum_columns=("channel",))) as reg:
        frame = build_frame(reg)
        report = reg.report()
    assert report.ok, report.problems
    return frame, report.sha256


def draw_bytes(data: bytes, witness: str = "w-1") -> DrawResult:
    frame, sha = frame_and_hash(data)
    return draw_sample(
        frame,
        seed_inputs=SeedInputs("2026Q4", witness),
        registry_sha256=sha,
        stratum_columns=("channel",),
        drawn_at=None,
    )
