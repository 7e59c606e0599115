"""Stratified simple random sampling without replacement, many independent designs at once.

Every enterprise ("group") is its own stratified design; strata are numbered globally so
that one ``bincount`` over stratum ids serves all enterprises (DESIGN §4.3, §4.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scoring._arrays import FloatArray, IntArray, group_count, group_sum
from scoring.errors import DesignError


@dataclass(frozen=True, slots=True, eq=False)
class StratifiedDesign:
    """Respondents of one or many stratified designs.

    Attributes:
        stratum: (n,) global stratum id of each respondent.
        pop_size: (S,) frame cases ``N_h`` of each stratum.
        group: (S,) group (enterprise) index of each stratum.
        n_groups: number of groups.
        respondents: (S,) ``r_h``.
        weight: (n,) ``N_h / r_h``.
        fpc: whether the finite-population correction ``1 − r_h/N_h`` is applied.
    """

    stratum: IntArray
    pop_size: FloatArray
    group: IntArray
    n_groups: int
    respondents: NDArray[np.int64]
    weight: FloatArray
    fpc: bool

    @property
    def n_strata(self) -> int:
        return int(self.pop_size.shape[0])

    @property
    def unit_group(self) -> IntArray:
        """(n,) group of each respondent."""
        return self.group[self.stratum]

    def group_respondents(self) -> NDArray[np.int64]:
        return group_count(self.unit_group, self.n_groups)

    def group_strata(self) -> NDArray[np.int64]:
        """Strata with at least one respondent, per group."""
        return group_count(self.group[self.respondents > 0], self.n_groups)

    def df(self) -> NDArray[np.int64]:
        """Design degrees of freedom per group: respondents − strata (DESIGN §4.7)."""
        return self.group_respondents() - self.group_strata()


def make_design(
    stratum: ArrayLike,
    pop_size: ArrayLike,
    group: ArrayLike | None = None,
    *,
    fpc: bool = True,
) -> StratifiedDesign:
    """Validate and build a design.

    ``stratum`` holds ids ``0..S-1`` of each respondent; ``pop_size[h]`` is ``N_h``;
    ``group[h]`` the enterprise of stratum h (default: one group). A stratum without
    respondents stays in the design but carries no weight (reported as uncovered upstream).
    """
    s = np.asarray(stratum, dtype=np.intp)
    big_n = np.asarray(pop_size, dtype=np.float64)
    g = np.zeros(big_n.shape[0], dtype=np.intp) if group is None else np.asarray(group, np.intp)
    if s.ndim != 1 or big_n.ndim != 1 or g.shape != big_n.shape:
        raise DesignError("stratum must be (n,), pop_size and group (S,)")
    if s.size and (s.min() < 0 or s.max() >= big_n.shape[0]):
        raise DesignError("stratum ids must lie in 0..len(pop_size)-1")
    if g.size and g.min() < 0:
        raise DesignError("group ids must be non-negative")
    r = group_count(s, big_n.shape[0])
    bad = np.flatnonzero(r > big_n)
    if bad.size:
        h = int(bad[0])
        raise DesignError(f"stratum {h} has {int(r[h])} respondents but only {big_n[h]:g} cases")
    with np.errstate(divide="ignore", invalid="ignore"):
        w_h = np.where(r > 0, big_n / np.maximum(r, 1), 0.0)
    n_groups = int(g.max()) + 1 if g.size else 0
    return StratifiedDesign(
        stratum=s,
        pop_size=big_n,
        group=g,
        n_groups=n_groups,
        respondents=r,
        weight=w_h[s],
        fpc=fpc,
    )


def linearized_variance(design: StratifiedDesign, u: FloatArray) -> FloatArray:
    """``V̂ = Σ_h (1 − r_h/N_h) · r_h/(r_h − 1) · Σ_{i∈h} (u_i − ū_h)²`` per group.

    ``u`` is (n,) or (n, k); the result is (G,) or (G, k). Census strata contribute 0.
    A stratum with one respondent and ``N_h > 1`` follows R ``lonely.psu = "adjust"``:
    ``(1 − 1/N_h) · (u_i − ū_g)²`` with ``ū_g`` the mean of u over the group's respondents.
    """
    u2 = u.reshape(u.shape[0], -1)
    n_s = design.n_strata
    r = design.respondents.astype(np.float64)
    s = design.stratum
    stratum_sum = group_sum(s, u2, n_s)
    stratum_mean = stratum_sum / np.maximum(r, 1.0)[:, None]
    # Two passes (centre, then square) keep precision when strata means differ a lot.
    ss = group_sum(s, (u2 - stratum_mean[s]) ** 2, n_s)
    f = 1.0 - r / design.pop_size if design.fpc else np.ones(n_s)
    f = np.where(r > 0, np.clip(f, 0.0, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(r > 1, f * r / (r - 1.0), 0.0)
    contrib = scale[:, None] * ss
    lonely = (design.respondents == 1) & (design.pop_size > 1)
    if lonely.any():
        g_units = design.unit_group
        g_n = np.maximum(design.group_respondents(), 1).astype(np.float64)
        g_mean = group_sum(g_units, u2, design.n_groups) / g_n[:, None]
        dev2 = (stratum_sum - g_mean[design.group]) ** 2  # a lonely stratum's sum is its u_i
        contrib = np.where(lonely[:, None], f[:, None] * dev2, contrib)
    var = group_sum(design.group, contrib, design.n_groups)
    return var.reshape((design.n_groups, *u.shape[1:]))
