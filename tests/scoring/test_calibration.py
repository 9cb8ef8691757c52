"""The additive model against a dense least-squares reference, its robustness to awkward
judges, and z-scores and aggregates against numpy and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calibration import Reviews, aggregate, calibrate, reviews, zscores


def _random(seed: int, n_entries: int, n_judges: int, k: int) -> tuple[Reviews, np.ndarray]:
    rng = np.random.default_rng(seed)
    entry = np.repeat(np.arange(n_entries), k)
    judge = np.concatenate([rng.choice(n_judges, k, replace=False) for _ in range(n_entries)])
    offsets = rng.normal(0, 1, n_judges)
    score = rng.normal(0, 1, n_entries)[entry] + offsets[judge] + rng.normal(0, 0.5, entry.size)
    data = reviews(entry=entry, judge=judge, score=score, n_entries=n_entries, n_judges=n_judges)
    return data, offsets


def _dense(data: Reviews, ridge: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The same fit by an augmented dense least-squares problem, and its hat-matrix dof."""
    n, e, j = data.entry.size, data.n_entries, data.n_judges
    x = np.zeros((n + j, e + j))
    x[np.arange(n), data.entry] = 1
    x[np.arange(n), e + data.judge] = 1
    x[n + np.arange(j), e + np.arange(j)] = np.sqrt(ridge)
    theta = np.linalg.lstsq(x, np.concatenate([data.score, np.zeros(j)]), rcond=None)[0]
    hat = x[:n] @ np.linalg.solve(x.T @ x, x[:n].T)
    return theta[:e], theta[e:], n - float(np.trace(hat))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 15), st.integers(2, 8), st.floats(0.05, 20))
def test_the_fit_is_the_regularised_least_squares_solution(
    seed: int, n_entries: int, n_judges: int, ridge: float
) -> None:
    data, _ = _random(seed, n_entries, n_judges, min(n_judges, 3))
    fit = calibrate(data, ridge=ridge)
    qualities, offsets, dof = _dense(data, ridge)
    np.testing.assert_allclose(fit.qualities, qualities, atol=1e-9)
    np.testing.assert_allclose(fit.offsets, offsets, atol=1e-9)
    assert fit.dof == pytest.approx(dof, abs=1e-8)
    residuals = data.score - qualities[data.entry] - offsets[data.judge]
    np.testing.assert_allclose(fit.residuals, residuals, atol=1e-9)
    if dof >= 1:
        assert fit.residual_variance == pytest.approx(residuals @ residuals / dof, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(-50, 50))
def test_a_constant_added_to_every_score_moves_the_qualities_only(seed: int, shift: float) -> None:
    data, _ = _random(seed, 12, 6, 3)
    moved = reviews(
        entry=data.entry, judge=data.judge, score=data.score + shift, n_entries=12, n_judges=6
    )
    before, after = calibrate(data), calibrate(moved)
    np.testing.assert_allclose(after.qualities, before.qualities + shift, atol=1e-9)
    np.testing.assert_allclose(after.offsets, before.offsets, atol=1e-9)


def test_known_offsets_are_recovered_and_remove_the_judge_effect() -> None:
    data, offsets = _random(7, 300, 30, 5)
    fit = calibrate(data, ridge=0.5)
    centred = fit.offsets - fit.offsets.mean()
    assert np.corrcoef(centred, offsets)[0, 1] > 0.97
    assert fit.residual_variance == pytest.approx(0.25, rel=0.15)  # noise SD 0.5


def test_a_judge_with_one_review_or_no_variance_or_no_review_is_handled() -> None:
    # judges 0-2 review everything; judge 3 one review; judge 4 gives 9 everywhere; 5 nothing
    entry = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]
    judge = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4]
    score = [1, 2, 3, 4, 2, 3, 4, 5, 1, 3, 3, 5, 9, 9, 9, 9]
    entry, judge, score = [*entry, 2], [*judge, 3], [*score, 10]
    data = reviews(entry=entry, judge=judge, score=score, n_entries=4, n_judges=6)
    fit = calibrate(data, ridge=1.0)
    assert np.isfinite(fit.qualities).all() and np.isfinite(fit.offsets).all()
    assert fit.offsets[5] == 0.0
    assert fit.offsets[4] == max(fit.offsets)  # the generous judge is the most generous
    # one review: shrunk, about n / (n + ridge) = half of its apparent offset or less
    apparent = 10 - fit.qualities[2]
    assert 0 < fit.offsets[3] < 0.6 * apparent
    assert fit.qualities.argsort().tolist() == [0, 1, 2, 3]


def test_an_entry_without_review_and_a_bad_ridge_are_refused() -> None:
    with pytest.raises(ValueError, match="entry 1 has no review"):
        reviews(entry=[0, 2], judge=[0, 0], score=[1, 2], n_entries=3, n_judges=1)
    with pytest.raises(ValueError, match="out of range"):
        reviews(entry=[0], judge=[3], score=[1], n_entries=1, n_judges=2)
    data = reviews(entry=[0], judge=[0], score=[1], n_entries=1, n_judges=1)
    with pytest.raises(ValueError, match="positive"):
        calibrate(data, ridge=0)
    assert np.isnan(calibrate(data).residual_variance)  # one review, two parameters


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5)), min_size=1, max_size=40))
def test_zscores_are_scipys_within_each_judge(rows: list[tuple[int, int]]) -> None:
    judge = np.array([j for j, _ in rows])
    score = np.array([s for _, s in rows], dtype=float)
    data = reviews(entry=np.zeros(len(rows)), judge=judge, score=score, n_entries=1, n_judges=5)
    z = zscores(data)
    for j in np.unique(judge):
        mine = score[judge == j]
        expected = np.zeros(mine.size) if mine.std() == 0 else scipy.stats.zscore(mine)
        np.testing.assert_allclose(z[judge == j], expected, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(-20, 20)), min_size=1, max_size=60),
    st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.4]),
)
def test_aggregates_are_numpys_and_scipys_per_entry(
    rows: list[tuple[int, int]], trim: float
) -> None:
    entry = np.array([e for e, _ in rows])
    score = np.array([s for _, s in rows], dtype=float)
    mean = aggregate(entry=entry, score=score, n_entries=7, how="mean")
    trimmed = aggregate(entry=entry, score=score, n_entries=7, how="trimmed", trim=trim)
    median = aggregate(entry=entry, score=score, n_entries=7, how="median")
    for e in range(7):
        mine = score[entry == e]
        if mine.size == 0:
            assert np.isnan(mean[e]) and np.isnan(trimmed[e]) and np.isnan(median[e])
            continue
        assert mean[e] == pytest.approx(mine.mean(), abs=1e-9)
        assert trimmed[e] == pytest.approx(scipy.stats.trim_mean(mine, trim), abs=1e-9)
        assert median[e] == pytest.approx(np.median(mine), abs=1e-9)


def test_aggregates_of_no_scores_are_nan_and_a_bad_trim_is_refused() -> None:
    empty = aggregate(entry=[], score=[], n_entries=2, how="median")
    assert np.isnan(empty).all() and empty.shape == (2,)
    with pytest.raises(ValueError, match="trim"):
        aggregate(entry=[0], score=[1.0], n_entries=1, how="trimmed", trim=0.5)
