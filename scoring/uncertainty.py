"""Uncertainty of calibrated scores and ranks: a residual bootstrap, P(top N), and the cut-off.

**Which bootstrap.** Residuals, pooled over all reviews (a model-based bootstrap), not reviews
within entries nor judges: with 3 to 5 reviews an entry, resampling its own reviews shrinks the
variance by ``(n - 1) / n`` (a third at n = 3) and cannot move the judges' offsets, and
resampling judges breaks the design (an entry can lose every review). Each resample draws
``n`` residuals with replacement from the fitted residuals, centred and scaled by
``sqrt(n / dof)`` (so their variance is the model's residual variance, not the smaller raw
one), adds them to the fitted values and refits. The refit is linear, so it reuses the
factorised system of :mod:`scoring.calibration` and is done for a chunk of resamples at once;
each resample's qualities are ``fitted qualities + the refit of its resampled noise`` (the
ridge's shrinkage is applied once, as in the point estimate, not twice).

**The posterior alternative** (``method="posterior"``, the issue's "or posterior"): draws from
the Gaussian posterior of the same model, with a flat prior on qualities, the ridge's prior
``N(0, s2 / ridge)`` on offsets and the residual variance ``s2`` taken as known. It needs
``entries + judges`` normal draws a resample instead of one draw per review, so it is the
faster of the two (the 10,000-entry benchmark uses it); it assumes Gaussian noise, where the
residual bootstrap takes the noise's shape from the data.

**Intervals** are percentile intervals by order statistics (no interpolation): for level
``1 - a`` over ``B`` resamples, the ``floor(a/2 (B-1))``-th and ``ceil((1-a/2)(B-1))``-th
values. Ranks are 1 for the best (highest score). Deterministic for a seed.

**The cut-off.** :func:`cut` orders entries by the explicit rule :data:`TIE_BREAK` and marks as
a statistical tie every entry whose score interval contains the boundary (the midpoint of the
N-th and (N+1)-th calibrated scores). Each adjacent pair in that order records which key of
the rule decided it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.linalg
import scipy.sparse
from numpy.typing import NDArray

from scoring.calibration import Calibration, Floats, Ints, Reviews

TIE_BREAK = ("higher calibrated score", "higher raw mean", "more reviews", "lower entry id")
Method = Literal["residuals", "posterior"]
Step = Callable[[int], Floats]
DECIMALS = 9  # scores equal to 1e-9 are equal for the tie-break


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Per entry: the score interval, the rank interval (1 = best) and P(rank <= top)."""

    level: float
    resamples: int
    top: int
    score_low: Floats
    score_high: Floats
    rank_low: Floats
    rank_high: Floats
    p_top: Floats


def draws(
    fit: Calibration,
    data: Reviews,
    *,
    resamples: int,
    seed: int,
    method: Method = "residuals",
    chunk: int = 100,
) -> Floats:
    """Bootstrap (or posterior) qualities, shape (entries, resamples); ValueError when the fit
    has no residual degrees of freedom (dof < 1) to draw noise from."""
    if not np.isfinite(fit.residual_variance):
        raise ValueError("no residual degrees of freedom: the scores fit exactly")
    rng = np.random.default_rng(seed)
    step = _residual_step(fit, data, rng) if method == "residuals" else _posterior_step(fit, rng)
    out = np.empty((data.n_entries, resamples))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        out[:, start : start + size] = fit.qualities[:, None] + step(size)
    return out


def _residual_step(fit: Calibration, data: Reviews, rng: np.random.Generator) -> Step:
    """Deviations of refits on resampled, rescaled residuals (the module docstring)."""
    n = data.entry.size
    noise = (fit.residuals - fit.residuals.mean()) * np.sqrt(n / fit.dof)
    by_entry = _indicator(data.entry, data.n_entries)
    by_judge = _indicator(data.judge, data.n_judges)

    def step(size: int) -> Floats:
        drawn = noise[rng.integers(0, n, size=(n, size))]
        return fit.system.solve(by_entry @ drawn, by_judge @ drawn)[0]

    return step


def _posterior_step(fit: Calibration, rng: np.random.Generator) -> Step:
    """Deviations drawn from the Gaussian posterior (flat prior on qualities, the ridge's prior
    on offsets, the residual variance as known): offsets from N(0, s2 S^-1), then qualities
    given the offsets from N(-N db / n_e, s2 / n_e)."""
    factor, lower = fit.system.factor
    sd, counts = np.sqrt(fit.residual_variance), fit.system.entry_counts

    def step(size: int) -> Floats:
        z = rng.standard_normal((factor.shape[0], size))
        offsets = scipy.linalg.solve_triangular(factor, z, lower=lower, trans=1 if lower else 0)
        shift = np.asarray(fit.system.counts @ offsets) / counts[:, None]
        noise = rng.standard_normal((counts.size, size)) / np.sqrt(counts)[:, None]
        return np.asarray(sd * (noise - shift))

    return step


def _indicator(index: Ints, n: int) -> scipy.sparse.csr_matrix:
    ones = np.ones(index.size)
    return scipy.sparse.csr_matrix((ones, (index, np.arange(index.size))), shape=(n, index.size))


def ranks(samples: Floats) -> NDArray[np.int32]:
    """The rank of each entry in each resample (1 = highest), shape as ``samples`` (entries,
    resamples); exact ties, of probability 0 for continuous scores, are broken arbitrarily
    but deterministically."""
    n = samples.shape[0]
    order = np.argsort(np.ascontiguousarray(samples.T), axis=1)  # ascending: last is best
    out = np.empty(order.shape, dtype=np.int32)
    positions = np.arange(n, 0, -1, dtype=np.int32)
    np.put_along_axis(out, order, np.broadcast_to(positions, out.shape), axis=1)
    return np.ascontiguousarray(out.T)


def _interval(samples: NDArray[Any], level: float) -> tuple[Floats, Floats]:
    b, alpha = samples.shape[1], 1 - level
    eps = 1e-9  # 1 - 0.8 is 0.19999999999999996: no order statistic lost to rounding
    low = int(np.floor(alpha / 2 * (b - 1) + eps))
    high = int(np.ceil((1 - alpha / 2) * (b - 1) - eps))
    ordered = np.sort(samples, axis=1)  # a SIMD sort: faster here than np.partition
    return ordered[:, low].astype(np.float64), ordered[:, high].astype(np.float64)


def summarise(samples: Floats, *, level: float = 0.8, top: int = 10) -> Uncertainty:
    """Intervals at ``level`` (0 < level < 1) and P(top ``top``) from samples (entries,
    resamples), as :func:`draws` returns them."""
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    rank = ranks(samples)
    score_low, score_high = _interval(samples, level)
    rank_low, rank_high = _interval(rank, level)
    p_top = (rank <= top).mean(axis=1)
    return Uncertainty(
        level, samples.shape[1], top, score_low, score_high, rank_low, rank_high, p_top
    )


@dataclass(frozen=True)
class Cutoff:
    """The ordered entries, the first ``n`` selected, the statistical tie at the boundary and,
    for each adjacent pair of ``order``, the index in :data:`TIE_BREAK` of the deciding key."""

    n: int
    boundary: float
    order: tuple[int, ...]
    selected: tuple[int, ...]
    tied: tuple[int, ...]
    decided_by: tuple[int, ...]
    rule: tuple[str, ...] = TIE_BREAK


def cut(*, fit: Calibration, data: Reviews, uncertainty: Uncertainty, n: int) -> Cutoff:
    """Order by :data:`TIE_BREAK`, select the first ``n`` (1 <= n < entries) and mark the tie."""
    if not 1 <= n < data.n_entries:
        raise ValueError("the cut-off must leave at least one entry on each side")
    keys = _keys(fit, data)
    order = np.lexsort(keys[::-1])
    ranked = fit.qualities[order]
    boundary = float((ranked[n - 1] + ranked[n]) / 2)
    spans = (uncertainty.score_low <= boundary) & (boundary <= uncertainty.score_high)
    tied = tuple(int(e) for e in order if spans[e])
    return Cutoff(n, boundary, _ints(order), _ints(order[:n]), tied, _deciders(keys, order))


def _keys(fit: Calibration, data: Reviews) -> Floats:
    """Sort keys, ascending is better: -score, -raw mean, -count, entry id."""
    counts = np.bincount(data.entry, minlength=data.n_entries).astype(np.float64)
    raw = np.bincount(data.entry, data.score, minlength=data.n_entries) / counts
    entry = np.arange(data.n_entries, dtype=np.float64)
    return np.stack([-np.round(fit.qualities, DECIMALS), -np.round(raw, DECIMALS), -counts, entry])


def _deciders(keys: Floats, order: Ints) -> tuple[int, ...]:
    ordered = keys[:, order]
    differs = ordered[:, 1:] != ordered[:, :-1]
    return _ints(np.argmax(differs, axis=0))


def _ints(values: Ints | Floats) -> tuple[int, ...]:
    return tuple(int(v) for v in values)
