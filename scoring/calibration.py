"""Judge calibration: the additive model, per-judge z-scores, and robust per-entry aggregates.

**The model** (the one NeurIPS has used since 2002): a review's score is

    score = quality(entry) + offset(judge) + noise,      noise ~ (0, sigma^2), independent,

fitted by regularised least squares: minimise ``sum (score - q_e - b_j)^2 + ridge * sum b_j^2``.
Qualities are not penalised, offsets are shrunk toward 0; the ridge (> 0) is what makes the fit
unique, so no sum-to-zero constraint is needed. A judge with ``n`` reviews of otherwise
well-known entries gets about ``n / (n + ridge)`` of its apparent offset: a judge with one review
is mostly trusted to be average, a judge with no review gets offset 0, a judge with zero
variance is an ordinary judge (its offset is its mean minus its entries' qualities). Every
entry needs at least one review (it is refused otherwise: its quality would be undefined).

**The solve.** The normal equations have a diagonal quality block, so the qualities are
eliminated and only the judges' Schur complement ``S = D_j + ridge I - N' D_e^-1 N`` (J x J,
positive definite for ridge > 0) is factorised; ``N`` is the sparse entry x judge count matrix.
:class:`System` keeps that factorisation so that :mod:`scoring.uncertainty` can refit many
right-hand sides at once.

**The residual variance** is ``RSS / dof`` with the ridge fit's effective degrees of freedom,
``dof = n - E - J + ridge * trace(S^-1)`` (the trace of the hat matrix is ``E + J - ridge *
trace(S^-1)``); NaN when ``dof < 1`` (as many parameters as reviews: nothing is left to
estimate the noise from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg
import scipy.sparse
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]
Aggregate = Literal["mean", "trimmed", "median"]


@dataclass(frozen=True, eq=False)
class Reviews:
    """Parallel arrays, one element per review; invariants: indices in range, every entry has
    at least one review, scores finite."""

    entry: Ints
    judge: Ints
    score: Floats
    n_entries: int
    n_judges: int


def reviews(
    *, entry: ArrayLike, judge: ArrayLike, score: ArrayLike, n_entries: int, n_judges: int
) -> Reviews:
    """Checked :class:`Reviews`; ValueError naming the first entry without a review."""
    e, j = np.asarray(entry, dtype=np.intp), np.asarray(judge, dtype=np.intp)
    y = np.asarray(score, dtype=np.float64)
    if not (e.shape == j.shape == y.shape and e.ndim == 1):
        raise ValueError("entry, judge and score must be 1-d arrays of one length")
    if e.size and (e.min() < 0 or e.max() >= n_entries or j.min() < 0 or j.max() >= n_judges):
        raise ValueError("an entry or judge index is out of range")
    if not np.isfinite(y).all():
        raise ValueError("scores must be finite")
    counts = np.bincount(e, minlength=n_entries)
    if (counts == 0).any():
        raise ValueError(f"entry {int(np.argmin(counts))} has no review")
    return Reviews(e, j, y, n_entries, n_judges)


@dataclass(frozen=True, eq=False)
class System:
    """The factorised normal equations of one design (entries, judges, ridge)."""

    entry_counts: Floats  # n_e, all >= 1
    counts: scipy.sparse.csr_matrix  # N, entries x judges
    factor: tuple[Floats, bool]  # Cholesky of S, as scipy.linalg.cho_factor returns it
    ridge: float

    def solve(self, entry_sums: Floats, judge_sums: Floats) -> tuple[Floats, Floats]:
        """Qualities and offsets for right-hand sides ``X'y`` (shapes (E,) and (J,), or (E, B)
        and (J, B) for B fits at once)."""
        scaled = entry_sums / _column(self.entry_counts, entry_sums)
        offsets = scipy.linalg.cho_solve(self.factor, judge_sums - self.counts.T @ scaled)
        qualities = scaled - (self.counts @ offsets) / _column(self.entry_counts, entry_sums)
        return np.asarray(qualities), np.asarray(offsets)


def sums(index: Ints, values: Floats, n: int) -> Floats:
    """The sum of ``values`` per index in ``0..n-1`` (np.bincount, typed as floats)."""
    return np.asarray(np.bincount(index, values, minlength=n), dtype=np.float64)


def _column(counts: Floats, like: Floats) -> Floats:
    return counts if like.ndim == 1 else counts[:, None]


def system(data: Reviews, *, ridge: float = 1.0) -> System:
    """Factorise the design; ValueError unless ridge > 0."""
    if not ridge > 0:
        raise ValueError("the ridge must be positive")
    ones = np.ones(data.entry.size)
    shape = (data.n_entries, data.n_judges)
    counts = scipy.sparse.csr_matrix((ones, (data.entry, data.judge)), shape=shape)
    entry_counts = np.bincount(data.entry, minlength=data.n_entries).astype(np.float64)
    judge_counts = np.bincount(data.judge, minlength=data.n_judges).astype(np.float64)
    inner = counts.T @ scipy.sparse.diags(1.0 / entry_counts) @ counts
    schur = np.diag(judge_counts + ridge) - inner.toarray()
    return System(entry_counts, counts, scipy.linalg.cho_factor(schur), ridge)


@dataclass(frozen=True, eq=False)
class Calibration:
    """The fitted model; ``qualities`` (E,), ``offsets`` (J,), ``residuals`` per review."""

    qualities: Floats
    offsets: Floats
    residuals: Floats
    residual_variance: float
    dof: float
    system: System


def calibrate(data: Reviews, *, ridge: float = 1.0) -> Calibration:
    """Fit the additive model (see the module docstring). Deterministic: no randomness."""
    solved = system(data, ridge=ridge)
    entry_sums = sums(data.entry, data.score, data.n_entries)
    judge_sums = sums(data.judge, data.score, data.n_judges)
    qualities, offsets = solved.solve(entry_sums, judge_sums)
    residuals = data.score - qualities[data.entry] - offsets[data.judge]
    inverse = scipy.linalg.cho_solve(solved.factor, np.eye(data.n_judges))
    dof = data.entry.size - data.n_entries - data.n_judges + ridge * float(np.trace(inverse))
    variance = float(residuals @ residuals) / dof if dof >= 1 else float("nan")
    return Calibration(qualities, offsets, residuals, variance, dof, solved)


def zscores(data: Reviews) -> Floats:
    """Each review as a z-score within its judge (population SD); 0 for a judge whose scores
    have zero variance, which includes a judge with one review."""
    counts = np.bincount(data.judge, minlength=data.n_judges).astype(np.float64)
    safe = np.maximum(counts, 1.0)
    mean = np.bincount(data.judge, data.score, minlength=data.n_judges) / safe
    centred = data.score - mean[data.judge]
    sd = np.sqrt(np.bincount(data.judge, centred**2, minlength=data.n_judges) / safe)
    tiny = sd <= 1e-12 * np.maximum(1.0, np.abs(mean))
    return np.where(tiny[data.judge], 0.0, centred / np.where(tiny, 1.0, sd)[data.judge])


def aggregate(
    *, entry: ArrayLike, score: ArrayLike, n_entries: int, how: Aggregate, trim: float = 0.1
) -> Floats:
    """Per-entry mean, trimmed mean or median of the scores; NaN for an entry with none.

    The trimmed mean cuts ``floor(trim * n)`` scores from each end of an entry's ``n`` scores,
    as ``scipy.stats.trim_mean`` does; ``0 <= trim < 0.5``. The median of an even count is the
    mean of the two middle scores."""
    if not 0 <= trim < 0.5:
        raise ValueError("trim must be in [0, 0.5)")
    e, y = np.asarray(entry, dtype=np.intp), np.asarray(score, dtype=np.float64)
    if y.size == 0:
        return np.full(n_entries, np.nan)
    order = np.lexsort((y, e))
    ys, n = y[order], np.bincount(e, minlength=n_entries)
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    if how == "median":
        low, high = start + (n - 1) // 2, start + n // 2
        picked = (ys[np.minimum(low, ys.size - 1)] + ys[np.minimum(high, ys.size - 1)]) / 2
        return np.where(n > 0, picked, np.nan)
    cut = np.floor(trim * n).astype(np.intp) if how == "trimmed" else np.zeros_like(n)
    es = e[order]
    position = np.arange(ys.size) - start[es]  # rank of the score within its entry
    keep = (position >= cut[es]) & (position < (n - cut)[es])
    kept = n - 2 * cut
    total = sums(es[keep], ys[keep], n_entries)  # bin by bin, no cumulative sum to lose digits
    return np.where(kept > 0, total / np.maximum(kept, 1), np.nan)
