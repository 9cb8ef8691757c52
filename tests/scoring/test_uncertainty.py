"""Bootstrap and posterior draws (coverage on a known truth, the posterior's covariance), ranks,
intervals, P(top N), and the cut-off's tie and recorded tie-break."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calibration import Calibration, Reviews, calibrate, reviews
from scoring.uncertainty import TIE_BREAK, Uncertainty, cut, draws, ranks, summarise


def _jury(seed: int, n_entries: int, n_judges: int, k: int) -> tuple[Reviews, np.ndarray]:
    """Variance split quality 0.3 / judge offset 0.2 / noise 0.5, as in the issue's study."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, np.sqrt(0.3), n_entries)
    offset = rng.normal(0, np.sqrt(0.2), n_judges)
    entry = np.repeat(np.arange(n_entries), k)
    judge = np.concatenate([rng.choice(n_judges, k, replace=False) for _ in range(n_entries)])
    score = quality[entry] + offset[judge] + rng.normal(0, np.sqrt(0.5), entry.size)
    data = reviews(entry=entry, judge=judge, score=score, n_entries=n_entries, n_judges=n_judges)
    return data, quality


@pytest.mark.parametrize("method", ["residuals", "posterior"])
def test_eighty_percent_intervals_cover_the_truth_about_eighty_percent_of_the_time(
    method: str,
) -> None:
    covered = []
    for seed in range(3):
        data, quality = _jury(seed, 400, 40, 4)
        fit = calibrate(data, ridge=2.5)
        samples = draws(fit, data, resamples=400, seed=seed, method=method)  # type: ignore[arg-type]
        found = summarise(samples, level=0.8)
        # the model is identified up to a constant: compare centred on the true mean
        truth = quality - quality.mean() + fit.qualities.mean()
        covered.append((found.score_low <= truth) & (truth <= found.score_high))
    assert np.mean(covered) == pytest.approx(0.8, abs=0.05)


def test_the_posterior_draws_have_the_ridge_fits_covariance() -> None:
    data, _ = _jury(3, 12, 5, 3)
    fit = calibrate(data, ridge=1.5)
    n, e, j = data.entry.size, data.n_entries, data.n_judges
    x = np.zeros((n, e + j))
    x[np.arange(n), data.entry] = 1
    x[np.arange(n), e + data.judge] = 1
    precision = x.T @ x + np.diag([0.0] * e + [1.5] * j)
    expected = fit.residual_variance * np.linalg.inv(precision)[:e, :e]
    samples = draws(fit, data, resamples=20_000, seed=1, method="posterior")
    np.testing.assert_allclose(samples.mean(axis=1), fit.qualities, atol=0.03)
    np.testing.assert_allclose(np.cov(samples), expected, atol=0.06 * expected.max())


def test_draws_are_deterministic_for_a_seed_and_centred_on_the_fit() -> None:
    data, _ = _jury(4, 50, 10, 3)
    fit = calibrate(data)
    one = draws(fit, data, resamples=300, seed=9, chunk=64)
    assert np.array_equal(one, draws(fit, data, resamples=300, seed=9, chunk=64))
    assert not np.array_equal(one, draws(fit, data, resamples=300, seed=10, chunk=64))
    assert one.shape == (50, 300)
    np.testing.assert_allclose(one.mean(axis=1), fit.qualities, atol=0.15)


def test_a_fit_without_residual_freedom_is_refused() -> None:
    data = reviews(entry=[0, 1], judge=[0, 1], score=[1.0, 2.0], n_entries=2, n_judges=2)
    with pytest.raises(ValueError, match="degrees of freedom"):
        draws(calibrate(data), data, resamples=10, seed=0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(1, 40))
def test_ranks_are_scipys_and_p_top_adds_up_to_n(seed: int, n_entries: int, b: int) -> None:
    samples = np.random.default_rng(seed).normal(size=(n_entries, b))
    rank = ranks(samples)
    for column in range(b):
        expected = scipy.stats.rankdata(-samples[:, column], method="ordinal")
        assert sorted(rank[:, column]) == list(range(1, n_entries + 1))
        np.testing.assert_array_equal(rank[:, column], expected)
    top = max(1, n_entries // 3)
    found = summarise(samples, level=0.5, top=top)
    assert found.p_top.sum() == pytest.approx(top)
    assert (found.rank_low <= found.rank_high).all()
    assert (found.score_low <= found.score_high).all()


def test_intervals_are_order_statistics() -> None:
    samples = np.tile(np.arange(101.0)[::-1], (3, 1))  # resamples 100, 99, ..., 0 per entry
    samples[1] += 1000  # entry 1 is always first, entries 0 and 2 always tie for second
    found = summarise(samples, level=0.8, top=1)
    np.testing.assert_array_equal(found.score_low, [10, 1010, 10])
    np.testing.assert_array_equal(found.score_high, [90, 1090, 90])
    np.testing.assert_array_equal(found.p_top, [0, 1, 0])
    assert found.rank_low[1] == found.rank_high[1] == 1
    with pytest.raises(ValueError, match="level"):
        summarise(samples, level=1.0)


def _fixed(qualities: list[float], scores: list[list[float]]) -> tuple[Calibration, Reviews]:
    entry = [e for e, row in enumerate(scores) for _ in row]
    judge = [i for row in scores for i, _ in enumerate(row)]
    flat = [s for row in scores for s in row]
    data = reviews(entry=entry, judge=judge, score=flat, n_entries=len(scores), n_judges=3)
    fit = dataclasses.replace(calibrate(data), qualities=np.array(qualities))
    return fit, data


def _intervals(low: list[float], high: list[float]) -> Uncertainty:
    n = len(low)
    zeros = np.zeros(n)
    return Uncertainty(0.8, 100, 1, np.array(low), np.array(high), zeros, zeros, zeros)


def test_the_tie_break_is_calibrated_then_raw_mean_then_reviews_then_entry_id() -> None:
    scores = [[1, 3], [2, 2, 2], [2, 2], [4, 4], [3, 3]]  # raw means 2, 2, 2, 4, 3
    fit, data = _fixed([5.0, 5.0, 5.0, 5.0, 6.0], scores)
    wide = _intervals([0.0] * 5, [1.0] * 5)
    result = cut(fit=fit, data=data, uncertainty=wide, n=2)
    # 4 (score 6); then 3 (raw mean 4); then 1 (3 reviews) before 0 and 2 (2 each, by id)
    assert result.order == (4, 3, 1, 0, 2)
    assert result.selected == (4, 3)
    assert [TIE_BREAK[i] for i in result.decided_by] == [
        "higher calibrated score", "higher raw mean", "more reviews", "lower entry id",
    ]  # fmt: skip
    assert result.rule == TIE_BREAK


def test_entries_whose_interval_spans_the_boundary_are_a_statistical_tie() -> None:
    fit, data = _fixed([4.0, 3.0, 2.0, 1.0], [[1, 1]] * 4)
    intervals = _intervals([3.5, 2.4, 1.6, 0.5], [4.5, 3.5, 2.6, 1.4])
    result = cut(fit=fit, data=data, uncertainty=intervals, n=2)
    assert result.boundary == 2.5
    assert result.selected == (0, 1) and result.tied == (1, 2)
    apart = _intervals([3.5, 2.6, 1.6, 0.5], [4.5, 3.5, 2.4, 1.4])
    assert cut(fit=fit, data=data, uncertainty=apart, n=2).tied == ()
    with pytest.raises(ValueError, match="each side"):
        cut(fit=fit, data=data, uncertainty=intervals, n=4)
