"""Agreement between judges: alpha and the ICCs checked against the `krippendorff` and
`pingouin` packages to 1e-6 on fixtures, the bootstrap's arithmetic against recomputation on
the resampled matrix, and properties that must hold for any ratings."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoring.agreement import (
    KooLi,
    _alpha_batch,
    _icc_batch,
    agreement,
    agreement_report,
    disagreements,
    icc2,
    koo_li_band,
    krippendorff_alpha,
    outlying_judges,
)

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
NAN = np.nan
# Shrout & Fleiss (1979), table 2: six targets, four judges; ICC(2,1) = .29, ICC(2,k) = .62.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)
# Krippendorff's worked example (units x raters, 4 raters, 12 units, missing scores).
KRIPPENDORFF = np.array(
    [
        [1, NAN, 1, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [NAN, 5, 5, 5], [NAN, NAN, 1, 1],
        [NAN, NAN, 3, NAN],
    ]
)  # fmt: skip


def _jury(seed: int, entries: int, judges: int, missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    quality = rng.normal(5, 1.5, size=(entries, 1))
    x = np.round(quality + rng.normal(0, 0.8, size=judges) + rng.normal(size=(entries, judges)), 1)
    x[rng.random(x.shape) < missing] = NAN
    return x


ALPHA_FIXTURES = [
    KRIPPENDORFF,
    SHROUT_FLEISS,
    _jury(1, 30, 3),
    _jury(2, 50, 5, missing=0.3),
    _jury(3, 200, 4, missing=0.6),
]
ICC_FIXTURES = [SHROUT_FLEISS, _jury(4, 10, 2), _jury(5, 40, 3), _jury(6, 120, 6)]


def _pingouin(x: np.ndarray) -> tuple[float, float]:
    long = pd.DataFrame(
        [(i, j, x[i, j]) for i in range(x.shape[0]) for j in range(x.shape[1])],
        columns=["entry", "judge", "score"],
    )
    table = pingouin.intraclass_corr(
        data=long, targets="entry", raters="judge", ratings="score", nan_policy="omit"
    ).set_index("Type")["ICC"]
    return float(table["ICC(A,1)"]), float(table["ICC(A,k)"])  # ICC2 and ICC2k


@pytest.mark.parametrize("x", ALPHA_FIXTURES)
def test_alpha_is_krippendorffs_to_a_millionth(x: np.ndarray) -> None:
    expected = krippendorff.alpha(reliability_data=x.T, level_of_measurement="interval")
    assert krippendorff_alpha(x) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("x", ICC_FIXTURES)
def test_icc2_1_and_icc2_k_are_pingouins_to_a_millionth(x: np.ndarray) -> None:
    single, average = icc2(x)
    assert (single, average) == pytest.approx(_pingouin(x), abs=1e-6)


def test_shrout_and_fleiss_published_values() -> None:
    single, average = icc2(SHROUT_FLEISS)
    assert (round(single or 0, 2), round(average or 0, 2)) == (0.29, 0.62)


def test_an_incomplete_matrix_gives_the_iccs_of_its_complete_entries() -> None:
    x = _jury(7, 30, 3)
    holes = x.copy()
    holes[[2, 5, 11], [0, 2, 1]] = NAN
    complete = np.delete(x, [2, 5, 11], axis=0)
    assert icc2(holes) == pytest.approx(icc2(complete), abs=1e-12)
    assert icc2(holes) == pytest.approx(_pingouin(holes), abs=1e-6)  # pingouin omits them too
    result = agreement(holes, resamples=50)
    assert (result.icc2_1.units, result.icc2_1.dropped) == (27, 3)
    assert (result.alpha.units, result.alpha.dropped) == (30, 0)  # two scores still pair


def test_undefined_coefficients_are_none_not_a_number() -> None:
    assert krippendorff_alpha(np.full((5, 3), 4.0)) is None  # no variance at all
    assert krippendorff_alpha([[1, NAN], [NAN, 2], [3, NAN]]) is None  # nothing pairs
    assert icc2(np.full((5, 3), 4.0)) == (None, None)
    assert icc2([[1, NAN], [NAN, 2], [3, 4]]) == (None, None)  # one complete entry
    alone = agreement([[1.0], [2.0], [3.0]], resamples=20)  # one judge
    assert alone.alpha.value is None and alone.icc2_1.value is None
    assert alone.icc2_k.interval is None and alone.icc2_k.band is None


def test_a_sparse_judge_panel_keeps_alpha_and_refuses_the_iccs_clearly() -> None:
    x = np.full((6, 6), NAN)  # each entry scored by its own two judges
    for entry in range(6):
        x[entry, [entry, (entry + 1) % 6]] = [entry, entry + 0.5]
    result = agreement(x, resamples=50)
    assert result.alpha.value == pytest.approx(
        krippendorff.alpha(reliability_data=x.T, level_of_measurement="interval"), abs=1e-6
    )
    assert result.icc2_1 == result.icc2_k
    assert (result.icc2_1.value, result.icc2_1.units, result.icc2_1.dropped) == (None, 0, 6)


def test_one_pairable_entry_gives_the_same_alpha_either_way() -> None:
    x = [[1, 3, NAN], [2, NAN, NAN]]
    expected = krippendorff.alpha(reliability_data=np.array(x).T, level_of_measurement="interval")
    assert krippendorff_alpha(x) == pytest.approx(expected, abs=1e-6)
    assert agreement(x, resamples=20).alpha.value == krippendorff_alpha(x)


def test_infinite_scores_and_impossible_levels_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        krippendorff_alpha([[1, np.inf], [2, 3]])
    with pytest.raises(ValueError, match="level"):
        agreement([[1, 2], [2, 3], [4, 4]], level=95)
    with pytest.raises(ValueError, match="units x raters"):
        icc2([1, 2, 3])


def test_koo_li_bands_and_their_boundaries() -> None:
    values = [0.0, 0.4999, 0.5, 0.7499, 0.75, 0.9, 0.9001, 1.0]
    assert [koo_li_band(v) for v in values] == [
        KooLi.POOR, KooLi.POOR, KooLi.MODERATE, KooLi.MODERATE,
        KooLi.GOOD, KooLi.GOOD, KooLi.EXCELLENT, KooLi.EXCELLENT,
    ]  # fmt: skip
    result = agreement(SHROUT_FLEISS, resamples=200)
    assert result.icc2_1.band is KooLi.POOR and result.icc2_k.band is KooLi.MODERATE
    assert result.icc2_k.interval_bands is not None
    assert result.icc2_k.interval_bands[0] is KooLi.POOR


def test_the_bootstrap_is_seeded_and_its_intervals_nest() -> None:
    x = _jury(8, 60, 4, missing=0.1)
    first, again = agreement(x, resamples=300, seed=11), agreement(x, resamples=300, seed=11)
    assert first == again
    assert agreement(x, resamples=300, seed=12).alpha.interval != first.alpha.interval
    narrow = agreement(x, resamples=300, seed=11, level=0.8)
    for wide, inner in zip(
        (first.alpha, first.icc2_1, first.icc2_k),
        (narrow.alpha, narrow.icc2_1, narrow.icc2_k),
        strict=True,
    ):
        assert wide.value is not None and wide.interval and inner.interval
        assert wide.interval[0] <= inner.interval[0] <= wide.value <= inner.interval[1]
        assert inner.interval[1] <= wide.interval[1] and wide.resamples == 300


def test_resamples_over_a_chunk_boundary_are_all_used() -> None:
    result = agreement(_jury(9, 20, 3), resamples=260, seed=1)  # chunks of 250 and 10
    assert result.alpha.resamples == result.icc2_k.resamples == 260


def test_the_report_takes_each_criterion_and_the_weighted_totals() -> None:
    scores = np.stack([_jury(10, 25, 3), _jury(11, 25, 3), _jury(12, 25, 3)], axis=2)
    scores[0, 1, 2] = NAN  # a partial review: no total for entry 0, judge 1
    report = agreement_report(scores, weights=[2, 1, 1], resamples=100, seed=5)
    assert report.criteria[1] == agreement(scores[:, :, 1], resamples=100, seed=5)
    totals = scores @ np.array([2.0, 1.0, 1.0])
    assert np.isnan(totals[0, 1])
    assert report.overall == agreement(totals, resamples=100, seed=5)
    assert report.overall.icc2_1.dropped == 1 and report.criteria[0].icc2_1.dropped == 0


def test_disagreement_is_a_range_beyond_a_share_of_the_scale() -> None:
    x = [[2, 6, NAN], [2, 6.5, 5], [7, NAN, NAN], [NAN, NAN, NAN], [9, 9, 9]]
    spreads = disagreements(x, scale=(0, 10), max_range_share=0.4)  # more than 4 points apart
    assert [s.flagged for s in spreads] == [False, True, False, False, False]
    assert [s.range for s in spreads] == [4.0, 4.5, None, None, 0.0]
    assert [s.scores for s in spreads] == [2, 3, 1, 0, 3]
    assert disagreements(x, scale=(1, 5), max_range_share=0.4)[0].flagged  # 4 of a width of 4


def test_judges_beyond_two_sds_of_the_offsets_are_flagged() -> None:
    offsets = [0.1, -0.2, 0.0, 0.15, -0.1, 0.05, -0.05, 0.1, 2.0, NAN]
    assert outlying_judges(offsets) == (8,)
    assert outlying_judges(offsets, sds=3.0) == ()
    assert outlying_judges([0.0, 0.0, 0.0, 0.0]) == ()  # no spread at all
    assert outlying_judges([5.0, -5.0, NAN]) == ()  # fewer than three offsets


scores = st.floats(0, 10, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def juries(draw: st.DrawFn, missing: bool = True) -> np.ndarray:
    entries, judges = draw(st.integers(3, 12)), draw(st.integers(2, 5))
    x = draw(arrays(np.float64, (entries, judges), elements=scores))
    if missing:
        holes = draw(arrays(np.bool_, (entries, judges), elements=st.booleans()))
        x[holes & (np.arange(judges) >= 2)] = NAN  # the first two judges score every entry
    return x


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(3, 15), elements=scores), st.integers(2, 5))
def test_identical_judges_agree_perfectly(quality: np.ndarray, judges: int) -> None:
    if np.ptp(quality) < 0.01:
        assert krippendorff_alpha(np.repeat(quality[:, None], judges, axis=1)) is None
        return
    x = np.repeat(quality[:, None], judges, axis=1)
    assert krippendorff_alpha(x) == pytest.approx(1.0, abs=1e-9)
    assert icc2(x) == pytest.approx((1.0, 1.0), abs=1e-9)
    x[0, 1:] = NAN  # an entry with one score adds no pair
    assert krippendorff_alpha(x) in (None, pytest.approx(1.0, abs=1e-9))


@settings(max_examples=40, deadline=None)
@given(juries(), st.floats(-50, 50), st.floats(0.1, 20))
def test_a_change_of_unit_or_origin_changes_no_coefficient(
    x: np.ndarray, shift: float, factor: float
) -> None:
    alpha, iccs = krippendorff_alpha(x), icc2(x)
    moved = x * factor + shift
    if alpha is not None:
        assert krippendorff_alpha(moved) == pytest.approx(alpha, abs=1e-6)
    for before, after in zip(iccs, icc2(moved), strict=True):
        if before is not None and after is not None:
            assert after == pytest.approx(before, abs=1e-6)


def _same(value: float | None, expected: float | None, tolerance: float) -> bool:
    """Both undefined, or both defined and within the tolerance."""
    value = None if value is None or np.isnan(value) else value
    if value is None or expected is None:
        return value is None and expected is None
    return abs(value - expected) <= tolerance


@settings(max_examples=40, deadline=None)
@given(juries(), st.data())
def test_the_order_of_entries_and_of_judges_does_not_matter(
    x: np.ndarray, data: st.DataObject
) -> None:
    rows = data.draw(st.permutations(range(len(x))))
    columns = data.draw(st.permutations(range(x.shape[1])))
    shuffled = x[list(rows)][:, list(columns)]
    assert _same(krippendorff_alpha(shuffled), krippendorff_alpha(x), 1e-9)
    for after, before in zip(icc2(shuffled), icc2(x), strict=True):
        assert _same(after, before, 1e-9)


@settings(max_examples=40, deadline=None)
@given(juries(), st.data())
def test_each_resample_is_the_coefficient_of_the_resampled_entries(
    x: np.ndarray, data: st.DataObject
) -> None:
    """The bootstrap's counts arithmetic equals recomputing on the repeated rows."""
    batch, pairable = _alpha_batch(x)
    counts = data.draw(arrays(np.int64, pairable, elements=st.integers(0, 3)))
    rows = np.repeat(x[np.sum(~np.isnan(x), axis=1) >= 2], counts, axis=0)
    value = float(batch(counts[None, :].astype(float))[0])
    assert _same(value, krippendorff_alpha(rows) if len(rows) else None, 1e-9)
    complete = x[:, :2]  # the first two judges score every entry
    picks = data.draw(arrays(np.int64, len(x), elements=st.integers(0, len(x) - 1)))
    tally = np.bincount(picks, minlength=len(x)).astype(float)[None, :]
    for average, expected in zip((False, True), icc2(complete[picks]), strict=True):
        value = float(_icc_batch(complete, average=average)(tally)[0])
        assert _same(value, expected, 1e-9)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 5), elements=st.floats(-10, 10)))
def test_fewer_than_six_judges_are_never_beyond_two_sds(offsets: np.ndarray) -> None:
    assert outlying_judges(offsets) == ()
