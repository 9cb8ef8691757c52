"""How far the judges agree: Krippendorff's alpha (interval metric), ICC(2,1) and ICC(2,k),
each with a seeded bootstrap interval, per criterion and overall; the Koo & Li (2016) band of
an ICC; entries whose judges disagree; judges whose calibration offset stands out.

Ratings are a units x raters matrix (entries x judges), ``nan`` where a judge did not score an
entry. Alpha takes missing values as they are: a unit with fewer than two scores has no pair
and is left out. ICC(2,1) and ICC(2,k) (two-way random effects, absolute agreement, Shrout &
Fleiss 1979, McGraw & Wong 1996) need a complete design: they are computed on the complete
sub-matrix (the entries every judge scored, as ``pingouin`` does), and are undefined (``None``)
when fewer than two entries remain. For entries each scored by a different set of judges, pass
the reviews by slot (first, second, ... review) as the columns.

Bootstrap: entries are resampled with replacement (``np.random.default_rng(seed)``), the
coefficient recomputed on each resample in one vectorised pass, and the interval taken from
the percentiles of the defined values. Same seed, same ratings: same intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
Batch = Callable[[Floats], Floats]  # counts (resamples x units) -> one value per resample
CHUNK = 250  # resamples evaluated at a time: memory is CHUNK x units counts
NO_VARIANCE = 1e-12  # a sum of squares below this share of the data's scale squared is zero


class KooLi(Enum):
    """Koo & Li (2016) reliability bands of an ICC."""

    POOR = "poor"
    MODERATE = "moderate"
    GOOD = "good"
    EXCELLENT = "excellent"


def koo_li_band(icc: float) -> KooLi:
    """Below 0.5 poor, from 0.5 below 0.75 moderate, from 0.75 up to 0.9 good, above 0.9
    excellent (Koo & Li: "greater than 0.90"), so 0.9 itself is good."""
    if icc < 0.5:
        return KooLi.POOR
    if icc < 0.75:
        return KooLi.MODERATE
    return KooLi.GOOD if icc <= 0.9 else KooLi.EXCELLENT


@dataclass(frozen=True)
class Estimate:
    """A coefficient, its bootstrap percentile interval, and what it was computed on.

    ``value`` is None when undefined (no pairable scores, no variance at all, or, for an ICC,
    fewer than two complete entries); ``interval`` is None when fewer than two resamples gave
    a defined value. ``units`` entries were used, ``dropped`` left out (alpha: fewer than two
    scores; ICC: a score missing)."""

    value: float | None
    interval: tuple[float, float] | None
    units: int
    dropped: int
    resamples: int  # resamples that gave a defined value

    @property
    def band(self) -> KooLi | None:
        """The Koo & Li band of the value (meant for an ICC)."""
        return None if self.value is None else koo_li_band(self.value)

    @property
    def interval_bands(self) -> tuple[KooLi, KooLi] | None:
        """The bands of the interval's ends, as Koo & Li advise reporting ("good to
        excellent")."""
        if self.interval is None:
            return None
        return koo_li_band(self.interval[0]), koo_li_band(self.interval[1])


@dataclass(frozen=True)
class Agreement:
    alpha: Estimate
    icc2_1: Estimate  # the reliability of one judge's score
    icc2_k: Estimate  # the reliability of the mean of the k judges' scores


@dataclass(frozen=True)
class AgreementReport:
    criteria: tuple[Agreement, ...]  # in the order of the criteria axis
    overall: Agreement  # on each judge's weighted total of an entry


def _matrix(ratings: ArrayLike) -> Floats:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"ratings must be units x raters, got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError("ratings must be finite scores or nan (missing)")
    return x


def _zero_below(scale: float) -> float:
    return NO_VARIANCE * max(scale, 1.0) ** 2


# Krippendorff's alpha, interval metric. With m_u scores in unit u, SS_u their sum of squares
# about the unit's mean, n pairable scores in all and SS their sum of squares about the grand
# mean: D_o / D_e = (n - 1) * sum_u (m_u SS_u / (m_u - 1)) / (n SS), alpha = 1 - D_o / D_e.


def _alpha_batch(x: Floats) -> tuple[Batch, int]:
    """The batch function over the pairable units of x, and how many units they are."""
    pairable = x[np.sum(~np.isnan(x), axis=1) >= 2]
    zero = _zero_below(float(np.nanmax(np.abs(pairable)))) if pairable.size else 1.0
    centred = pairable - np.nanmean(pairable) if pairable.size else pairable
    m = np.sum(~np.isnan(centred), axis=1).astype(np.float64)
    s, q = np.nansum(centred, axis=1), np.nansum(centred * centred, axis=1)
    within = m * (q - s * s / m) / (m - 1)

    def batch(counts: Floats) -> Floats:
        n, total = counts @ m, counts @ s
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = counts @ q - total * total / n
            alpha = 1.0 - (n - 1) * (counts @ within) / (n * ss)
        return np.where(ss > zero * n, alpha, np.nan)

    return batch, len(pairable)


# ICC(2,1) and ICC(2,k) from the two-way ANOVA mean squares (rows: entries, columns: judges):
# ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
# ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)


def _mean_squares(x: Floats, counts: Floats) -> tuple[Floats, Floats, Floats]:
    n, k = float(x.shape[0]), float(x.shape[1])
    rows = x.sum(axis=1)
    total = counts @ rows
    correction = total * total / (n * k)
    ss_rows = counts @ (rows * rows) / k - correction
    columns = counts @ x
    ss_columns = np.sum(columns * columns, axis=1) / n - correction
    ss_error = counts @ np.sum(x * x, axis=1) - correction - ss_rows - ss_columns
    return ss_rows / (n - 1), ss_columns / (k - 1), ss_error / ((n - 1) * (k - 1))


def _icc_batch(x: Floats, *, average: bool) -> Batch:
    """The batch function of ICC(2,k) when ``average``, else ICC(2,1), on a complete x."""
    n, k = float(x.shape[0]), float(x.shape[1])
    zero = _zero_below(float(np.max(np.abs(x))))
    centred = x - x.mean()

    def batch(counts: Floats) -> Floats:
        msr, msc, mse = _mean_squares(centred, counts)
        spread = (msc - mse) / n
        denominator = msr + spread if average else msr + (k - 1) * mse + k * spread
        with np.errstate(divide="ignore", invalid="ignore"):
            icc = (msr - mse) / denominator
        return np.where(np.abs(denominator) > zero, icc, np.nan)

    return batch


def _resampled(batch: Batch, units: int, *, resamples: int, seed: int) -> Floats:
    """The batch function over ``resamples`` bootstrap resamples of the units, in chunks."""
    rng = np.random.default_rng(seed)
    values = []
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        picks = rng.integers(0, units, size=(size, units))
        flat = (picks + units * np.arange(size)[:, None]).ravel()
        counts = np.bincount(flat, minlength=size * units).reshape(size, units)
        values.append(batch(counts.astype(np.float64)))
    return np.concatenate(values) if values else np.empty(0)


def _estimate(
    batch: Batch, units: int, dropped: int, *, resamples: int, seed: int, level: float
) -> Estimate:
    if not 0.0 < level < 1.0:
        raise ValueError(f"the interval's level must lie between 0 and 1, got {level}")
    if units == 0:
        return Estimate(None, None, units, dropped, 0)
    value = float(batch(np.ones((1, units)))[0])
    boot = _resampled(batch, units, resamples=resamples, seed=seed)
    boot = boot[np.isfinite(boot)]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail]) if len(boot) >= 2 else (np.nan, np.nan)
    interval = None if len(boot) < 2 else (float(low), float(high))
    return Estimate(None if np.isnan(value) else value, interval, units, dropped, len(boot))


def krippendorff_alpha(ratings: ArrayLike) -> float | None:
    """Alpha (interval metric) of a units x raters matrix, ``nan`` for a missing score; None
    when no unit has two scores or all pairable scores are equal."""
    batch, units = _alpha_batch(_matrix(ratings))
    return None if units == 0 else _defined(batch(np.ones((1, units)))[0])


def icc2(ratings: ArrayLike) -> tuple[float | None, float | None]:
    """ICC(2,1) and ICC(2,k) on the complete entries of a units x raters matrix; None where
    undefined (fewer than two complete entries or two raters, or no variance)."""
    x = _complete(_matrix(ratings))
    if x.shape[0] < 2 or x.shape[1] < 2:
        return None, None
    ones = np.ones((1, x.shape[0]))
    single, average = _icc_batch(x, average=False), _icc_batch(x, average=True)
    return _defined(single(ones)[0]), _defined(average(ones)[0])


def _defined(value: np.floating | float) -> float | None:
    return None if np.isnan(value) else float(value)


def _complete(x: Floats) -> Floats:
    return x[~np.isnan(x).any(axis=1)]


def agreement(
    ratings: ArrayLike, *, resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> Agreement:
    """Alpha, ICC(2,1) and ICC(2,k) of one units x raters matrix, each with its ``level``
    bootstrap interval over ``resamples`` resamples of the entries."""
    x = _matrix(ratings)
    alpha, pairable = _alpha_batch(x)
    complete = _complete(x) if x.shape[1] >= 2 else x[:0]  # one rater: no ICC
    n = len(complete)

    def estimate(batch: Batch, units: int) -> Estimate:
        dropped = len(x) - units
        return _estimate(batch, units, dropped, resamples=resamples, seed=seed, level=level)

    single = estimate(_icc_batch(complete, average=False), n) if n >= 2 else _none(n, len(x))
    average = estimate(_icc_batch(complete, average=True), n) if n >= 2 else _none(n, len(x))
    return Agreement(estimate(alpha, pairable), single, average)


def _none(units: int, total: int) -> Estimate:
    return Estimate(None, None, units, total - units, 0)


def weighted_totals(scores: ArrayLike, *, weights: ArrayLike | None = None) -> Floats:
    """Each judge's weighted total of each entry from entries x judges x criteria scores;
    ``nan`` where any criterion is missing (a partial review has no total)."""
    x = np.asarray(scores, dtype=np.float64)
    w = np.ones(x.shape[2]) if weights is None else np.asarray(weights, dtype=np.float64)
    return np.asarray(x @ w, dtype=np.float64)


def agreement_report(
    scores: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> AgreementReport:
    """Agreement per criterion (the last axis of entries x judges x criteria scores) and on
    the weighted totals; every coefficient is resampled with the same seed."""
    x = np.asarray(scores, dtype=np.float64)

    def of(ratings: Floats) -> Agreement:
        return agreement(ratings, resamples=resamples, seed=seed, level=level)

    criteria = tuple(of(x[:, :, c]) for c in range(x.shape[2]))
    return AgreementReport(criteria, of(weighted_totals(x, weights=weights)))


@dataclass(frozen=True)
class Spread:
    """How far apart an entry's judges are: ``range`` is the highest score less the lowest
    (None with fewer than two scores, which is never flagged)."""

    entry: int
    scores: int
    range: float | None
    flagged: bool


def disagreements(
    ratings: ArrayLike, *, scale: tuple[float, float], max_range_share: float = 0.4
) -> tuple[Spread, ...]:
    """The spread of each entry (row) of a units x raters matrix. The rule: an entry is
    flagged when its range is strictly more than ``max_range_share`` of the scale's width
    (``scale`` = lowest, highest possible score): by default, two judges of a 0-10 scale more
    than 4 points apart."""
    x = _matrix(ratings)
    limit = max_range_share * (scale[1] - scale[0])
    counts = np.sum(~np.isnan(x), axis=1)
    return tuple(
        _spread(i, row, int(c), limit) for i, (row, c) in enumerate(zip(x, counts, strict=True))
    )


def _spread(entry: int, row: Floats, scores: int, limit: float) -> Spread:
    if scores < 2:
        return Spread(entry, scores, None, False)
    spread = float(np.nanmax(row) - np.nanmin(row))
    return Spread(entry, scores, spread, spread > limit)


def outlying_judges(offsets: ArrayLike, *, sds: float = 2.0) -> tuple[int, ...]:
    """The indices of the judges whose calibration offset is more than ``sds`` standard
    deviations (the sample SD, ddof=1) from the mean offset, both taken over the finite
    offsets (``nan``: a judge without one, never flagged). Fewer than three finite offsets,
    or all equal: none. With n judges no offset can lie beyond (n - 1) / sqrt(n) sample SDs,
    so at 2 SD fewer than six judges are never flagged."""
    o = np.asarray(offsets, dtype=np.float64)
    finite = o[np.isfinite(o)]
    if len(finite) < 3:
        return ()
    sd = float(np.std(finite, ddof=1))
    if sd <= np.sqrt(NO_VARIANCE) * max(float(np.max(np.abs(finite))), 1.0):
        return ()
    far = np.abs(o - finite.mean()) > sds * sd  # nan compares False
    return tuple(int(i) for i in np.flatnonzero(far))
