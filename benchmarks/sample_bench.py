"""Benchmark of the sampling pipeline on a seeded 1,000,000-case registry.

Run: ``.venv/bin/python benchmarks/sample_bench.py [--cases 1000000]``. Prints the time of
parse + validate, draw and verify, peak memory (``getrusage``), and ratios against two naive
peers measured in the same run on the same frame:

* ``naive-hmac``: the same algorithm written plainly — ``hmac.new`` per case and a Python
  ``sorted`` of ``(number, case_id)`` tuples per stratum;
* ``naive-shuffle``: per stratum, sort the ids and shuffle with ``random.Random(seed)`` (what
  people write first; reproducible but not verifiable without Python's Mersenne Twister).
"""

from __future__ import annotations

import argparse
import hmac
import math
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sampling.draw import Frame, build_frame, draw_sample
from sampling.registry import RegistryOptions, open_registry, validate_registry
from sampling.seeds import DRAW_ALGORITHM, SeedInputs, make_seed
from sampling.verify import verify

COLUMNS = ("channel", "region")


def generate(path: Path, cases: int, seed: int = 20261122) -> None:
    rng = random.Random(seed)
    channels, regions = ["phone", "web", "store"], ["north", "south", "east", "west"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("工单号,企业,channel,region,phone,opened_at,resolved_at\n")
        for i in range(cases):
            day = 1 + i % 28
            handle.write(
                f"C{i:08d},E{rng.randrange(50):03d},{rng.choice(channels)},{rng.choice(regions)},"
                f"13{rng.randrange(10**9):09d},2025-03-{day:02d} 09:00,2025-03-{day:02d} 17:30\n"
            )


def naive_hmac(frame: Frame, seed: str) -> int:
    key = bytes.fromhex(seed)
    groups: dict[int, list[tuple[float, str]]] = {}
    for case_id, h in zip(frame.case_ids, frame.stratum_index.tolist(), strict=True):
        mac = hmac.new(key, DRAW_ALGORITHM.encode() + b"\0" + case_id.encode(), "sha256")
        number = (int.from_bytes(mac.digest()[:8], "big") >> 11) / 2**53
        groups.setdefault(h, []).append((number, case_id))
    return sum(len(sorted(g)[: math.ceil(len(g) / 2)]) for g in groups.values())


def naive_shuffle(frame: Frame, seed: str) -> int:
    groups: dict[int, list[str]] = {}
    for case_id, h in zip(frame.case_ids, frame.stratum_index.tolist(), strict=True):
        groups.setdefault(h, []).append(case_id)
    total = 0
    for h, ids in groups.items():
        ids.sort()
        random.Random(f"{seed}/{h}").shuffle(ids)
        total += len(ids[: math.ceil(len(ids) / 2)])
    return total


def timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Wall time, and CPU time (which shows the work when other jobs share the cores)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"{label:<28} {elapsed:8.2f} s   (CPU {time.process_time() - cpu:6.2f} s)")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    cases = parser.parse_args().cases
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f}")
    options = RegistryOptions(
        mapping={"工单号": "case_id", "企业": "enterprise"}, stratum_columns=COLUMNS
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        timed("generate registry CSV", generate, path, cases)
        print(f"registry: {cases:,} cases, {path.stat().st_size / 2**20:.1f} MiB")
        report, _ = timed("parse + validate (stream)", validate_registry, path, options)
        assert report.ok, report.problems[:3]

        def load() -> Frame:
            with open_registry(path, options) as stream:
                return build_frame(stream)

        frame, _ = timed("parse + build frame", load)
    inputs = SeedInputs("bench-2026Q4", "witness-42")
    seed = make_seed(inputs.round_id, inputs.witness)
    result, t_draw = timed(
        "draw",
        draw_sample,
        frame,
        seed_inputs=inputs,
        registry_sha256=report.sha256,
        stratum_columns=COLUMNS,
    )
    check, t_verify = timed("verify", verify, frame, result.record, registry_sha256=report.sha256)
    assert check.identical, check.summary()
    sampled_hmac, t_hmac = timed("peer: naive-hmac draw", naive_hmac, frame, seed)
    sampled_shuffle, t_shuffle = timed("peer: naive-shuffle draw", naive_shuffle, frame, seed)
    assert sampled_hmac == result.record.sampled
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"strata {len(result.record.strata)}, sampled {result.record.sampled:,}")
    print(f"peak memory (ru_maxrss)      {peak:8.0f} MiB")
    print(f"ratio naive-hmac / draw      {t_hmac / t_draw:8.2f}x")
    print(f"ratio naive-shuffle / draw   {t_shuffle / t_draw:8.2f}x")
    print(f"ratio naive-hmac / verify    {t_hmac / t_verify:8.2f}x")
    print(f"(sampled by naive-shuffle: {sampled_shuffle:,})")


if __name__ == "__main__":
    main()
