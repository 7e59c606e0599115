from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def apistrat() -> dict[str, np.ndarray]:
    with (DATA / "apistrat.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = {"E": 0, "M": 1, "H": 2}
    stratum = np.array([codes[r["stype"]] for r in rows])
    pop = np.zeros(3)
    for r in rows:
        pop[codes[r["stype"]]] = float(r["fpc"])
    return {
        "stratum": stratum,
        "pop": pop,
        "api00": np.array([float(r["api00"]) for r in rows]),
        "enroll": np.array([float(r["enroll"]) for r in rows]),
    }
