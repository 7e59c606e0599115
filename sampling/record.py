"""The draw record: everything needed to recompute and audit a draw, as versioned JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sampling.errors import DrawRecordError
from sampling.rows import StratumKey
from sampling.seeds import DRAW_ALGORITHM, SeedInputs

DRAW_SCHEMA = "tianping-draw-record"
DRAW_SCHEMA_VERSION = 1


def ids_sha256(case_ids: Iterable[str]) -> str:
    """SHA-256 of the ids sorted by code point, each followed by ``\\n``, in UTF-8.

    Sorting is cheap when the input is a concatenation of sorted runs (Timsort merges runs),
    which is how the draw passes its per-stratum lists.
    """
    ordered = sorted(case_ids)
    if not ordered:
        return hashlib.sha256(b"").hexdigest()
    return hashlib.sha256(("\n".join(ordered) + "\n").encode()).hexdigest()


@dataclass(frozen=True)
class StratumDraw:
    """One stratum: ``population`` is N_h, ``sampled`` n_h; ``selected_sha256`` its ids."""

    key: StratumKey
    population: int
    sampled: int
    selected_sha256: str

    @property
    def label(self) -> str:
        return " / ".join(self.key)


@dataclass(frozen=True)
class DrawRecord:
    """Frozen description of a draw (serialise with :meth:`to_json`)."""

    algorithm: str
    registry_sha256: str
    stratum_columns: tuple[str, ...]
    seed: str
    seed_inputs: SeedInputs
    drawn_at: str
    min_fraction: float
    strata: tuple[StratumDraw, ...]
    population: int
    sampled: int
    selected_sha256: str
    schema_version: int = DRAW_SCHEMA_VERSION

    def stratum(self, key: StratumKey) -> StratumDraw | None:
        return next((s for s in self.strata if s.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": DRAW_SCHEMA,
            "schema_version": self.schema_version,
            "algorithm": self.algorithm,
            "registry_sha256": self.registry_sha256,
            "stratum_columns": list(self.stratum_columns),
            "seed": self.seed,
            "seed_inputs": {
                "round_id": self.seed_inputs.round_id,
                "witness": self.seed_inputs.witness,
                "beacon": self.seed_inputs.beacon,
            },
            "drawn_at": self.drawn_at,
            "min_fraction": self.min_fraction,
            "population": self.population,
            "sampled": self.sampled,
            "selected_sha256": self.selected_sha256,
            "strata": [
                {
                    "key": list(s.key),
                    "N": s.population,
                    "n": s.sampled,
                    "selected_sha256": s.selected_sha256,
                }
                for s in self.strata
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> DrawRecord:
        try:
            return _parse(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, DrawRecordError):
                raise
            raise DrawRecordError(
                f"the draw record is incomplete or malformed ({type(exc).__name__}: {exc}); "
                "use the JSON file written by the draw, unmodified"
            ) from exc

    @classmethod
    def from_json(cls, text: str) -> DrawRecord:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DrawRecordError(f"the draw record is not valid JSON: {exc}") from exc
        return cls.from_dict(data)


def _parse(data: Any) -> DrawRecord:
    if not isinstance(data, dict) or data.get("schema") != DRAW_SCHEMA:
        raise DrawRecordError(f'not a draw record (expected "schema": "{DRAW_SCHEMA}")')
    version = data["schema_version"]
    if version != DRAW_SCHEMA_VERSION:
        raise DrawRecordError(
            f"draw record schema version {version} is not supported (this version reads "
            f"{DRAW_SCHEMA_VERSION}); upgrade tianping"
        )
    if data["algorithm"] != DRAW_ALGORITHM:
        raise DrawRecordError(
            f"draw algorithm {data['algorithm']!r} is unknown; this version implements "
            f"{DRAW_ALGORITHM!r}"
        )
    inputs = data["seed_inputs"]
    strata = tuple(
        StratumDraw(
            tuple(str(v) for v in s["key"]), int(s["N"]), int(s["n"]), str(s["selected_sha256"])
        )
        for s in data["strata"]
    )
    return DrawRecord(
        algorithm=data["algorithm"],
        registry_sha256=str(data["registry_sha256"]),
        stratum_columns=tuple(str(c) for c in data["stratum_columns"]),
        seed=str(data["seed"]),
        seed_inputs=SeedInputs(str(inputs["round_id"]), str(inputs["witness"]), inputs["beacon"]),
        drawn_at=str(data["drawn_at"]),
        min_fraction=float(data["min_fraction"]),
        strata=strata,
        population=int(data["population"]),
        sampled=int(data["sampled"]),
        selected_sha256=str(data["selected_sha256"]),
        schema_version=version,
    )


def combined_registry_sha256(shas: Sequence[str]) -> str:
    """The registry hash of a draw: one file's SHA-256, or, for a round imported from several
    files, the SHA-256 of their hashes sorted and joined by newlines (file order is free)."""
    if len(shas) == 1:
        return shas[0]
    return hashlib.sha256("\n".join(sorted(shas)).encode("ascii")).hexdigest()
