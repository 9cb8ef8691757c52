"""Bradley-Terry for the pitch round: a known order recovered from simulated judgements, finite
strengths without wins, P(leader best) growing with the evidence, the next pair never one the
judge has seen, and properties that must hold for any comparisons (relabeling, reordering)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad, minimize

from scoring.pairwise import (
    Comparison,
    _design,
    _hessian,
    _objective,
    fit,
    information_gain,
    leader_probability,
    next_pair,
    probability_best,
    seen_by,
)

ITEMS = ("a", "b", "c", "d", "e", "f")


def _simulate(truth: np.ndarray, *, rounds: int, seed: int) -> list[Comparison]:
    """Every pair of ITEMS[: len(truth)] judged ``rounds`` times, outcomes drawn from BT."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        for i, j in combinations(range(len(truth)), 2):
            i_wins = rng.random() < 1.0 / (1.0 + np.exp(truth[j] - truth[i]))
            w, loser = (i, j) if i_wins else (j, i)
            out.append(Comparison(ITEMS[w], ITEMS[loser]))
    return out


def test_a_known_order_is_recovered_from_simulated_comparisons() -> None:
    truth = np.array([1.5, 0.9, 0.3, -0.3, -0.9, -1.5])
    model = fit(items=ITEMS, comparisons=_simulate(truth, rounds=30, seed=7))
    assert model.ranking() == ITEMS
    assert abs(np.corrcoef(model.strengths, truth)[0, 1]) > 0.98


def test_the_strengths_are_the_optimum_of_the_posterior() -> None:
    comparisons = [*_simulate(np.zeros(4), rounds=3, seed=1), Comparison("a", "b", tie=True)]
    model = fit(items=ITEMS[:4], comparisons=comparisons, prior_sd=1.5)
    args = (*_design(ITEMS[:4], comparisons, "half"), 1 / 1.5**2)
    other = minimize(lambda t: _objective(t, *args)[0], np.ones(4), method="Nelder-Mead",
                     options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000})  # fmt: skip
    np.testing.assert_allclose(model.strengths, other.x, atol=1e-5)
    assert check_grad(lambda t: _objective(t, *args)[0], lambda t: _objective(t, *args)[1],
                      np.array([0.3, -0.2, 0.5, 0.1])) < 1e-6  # fmt: skip
    np.testing.assert_allclose(np.linalg.inv(_hessian(model.strengths, *args)), model.covariance)


def test_an_item_without_wins_or_without_comparisons_has_a_finite_strength() -> None:
    beaten = [Comparison(w, "c") for w in ("a", "b") for _ in range(20)]
    model = fit(items=("a", "b", "c", "d"), comparisons=beaten)
    assert np.all(np.isfinite(model.strengths)) and np.all(np.isfinite(model.covariance))
    assert model.ranking()[-1] == "c" and model.strength("c") < -1.0
    assert model.strength("d") == pytest.approx(0.0, abs=1e-8)  # never compared: the prior
    assert fit(items=ITEMS, comparisons=[]).ranking() == ITEMS  # no data: every strength 0


def test_cant_decide_counts_half_to_each_side_or_is_ignored() -> None:
    one_win = [Comparison("a", "b")]
    with_tie = [*one_win, Comparison("b", "a", tie=True)]
    half = fit(items=("a", "b"), comparisons=with_tie)
    ignored = fit(items=("a", "b"), comparisons=with_tie, ties="ignore")
    plain = fit(items=("a", "b"), comparisons=one_win)
    assert 0 < half.strength("a") < plain.strength("a")  # the tie pulls the two together
    np.testing.assert_allclose(ignored.strengths, plain.strengths)
    only_ties = fit(items=("a", "b"), comparisons=[Comparison("a", "b", tie=True)] * 5)
    assert only_ties.strength("a") == pytest.approx(only_ties.strength("b"))


def test_unknown_and_repeated_items_are_refused() -> None:
    with pytest.raises(KeyError):
        fit(items=("a", "b"), comparisons=[Comparison("a", "z")])
    with pytest.raises(ValueError, match="distinct"):
        fit(items=("a", "a"), comparisons=[])


def test_the_probability_that_the_leader_is_best_rises_with_more_evidence() -> None:
    sweep = [Comparison("a", other) for other in ITEMS[1:]] + _simulate(np.zeros(6), rounds=1,
                                                                       seed=3)  # fmt: skip
    probabilities = []
    for rounds in (1, 2, 4, 8):
        leader, p = leader_probability(fit(items=ITEMS, comparisons=sweep * rounds), seed=5)
        assert leader == "a" and 0.0 <= p <= 1.0
        probabilities.append(p)
    assert probabilities == sorted(probabilities) and probabilities[-1] > probabilities[0] + 0.2
    assert leader_probability(fit(items=ITEMS, comparisons=[]))[1] < 0.3  # no evidence: ~1/6


def test_probability_best_is_a_distribution_and_the_same_for_the_same_seed() -> None:
    model = fit(items=ITEMS, comparisons=_simulate(np.linspace(1, -1, 6), rounds=2, seed=2))
    p = probability_best(model, seed=11)
    assert p.sum() == pytest.approx(1.0) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_array_equal(p, probability_best(model, seed=11))


def test_the_next_pair_is_the_undecided_pair_at_the_top() -> None:
    # a and b each beat c, d, e ten times and never met: a against b decides the winner.
    comparisons = [Comparison(w, lo) for w in "ab" for lo in "cde" for _ in range(10)]
    model = fit(items=("a", "b", "c", "d", "e"), comparisons=comparisons)
    assert set(next_pair(model)) == {"a", "b"}
    # c against d would tell as much about the strengths, but nothing about the winner.
    assert information_gain(model, "c", "d") > information_gain(model, "a", "b") > 0
    assert set(next_pair(model, seen={frozenset("ab")})) != {"a", "b"}


def test_seen_by_collects_one_judges_pairs_in_either_order() -> None:
    comparisons = [Comparison("a", "b", judge="j1"), Comparison("c", "a", judge="j1"),
                   Comparison("b", "c", judge="j2"), Comparison("d", "b")]  # fmt: skip
    assert seen_by(comparisons, "j1") == {frozenset("ab"), frozenset("ac")}


pairs_of_six = st.sets(st.sampled_from([frozenset(p) for p in combinations(ITEMS, 2)]))
outcomes = st.lists(st.tuples(st.sampled_from(ITEMS), st.sampled_from(ITEMS), st.booleans()),
                    max_size=25)  # fmt: skip


def _comparisons(raw: list[tuple[str, str, bool]]) -> list[Comparison]:
    return [Comparison(w, lo, tie=tie) for w, lo, tie in raw if w != lo]


@settings(max_examples=60, deadline=None)
@given(outcomes, pairs_of_six)
def test_the_next_pair_is_never_one_already_seen_while_others_exist(
    raw: list[tuple[str, str, bool]], seen: set[frozenset[str]]
) -> None:
    model = fit(items=ITEMS, comparisons=_comparisons(raw))
    pair = next_pair(model, seen=seen, draws=500)
    assert pair[0] != pair[1] and set(pair) <= set(ITEMS)
    if len(seen) < 15:  # 15 pairs of six items
        assert frozenset(pair) not in seen


@settings(max_examples=40, deadline=None)
@given(outcomes, st.permutations(range(6)), st.randoms(use_true_random=False))
def test_relabeling_and_reordering_permute_the_fit_and_nothing_else(
    raw: list[tuple[str, str, bool]], order: list[int], rnd: object
) -> None:
    comparisons = _comparisons(raw)
    rename = {item: f"entry-{k}" for item, k in zip(ITEMS, order, strict=True)}
    relabeled = [Comparison(rename[c.winner], rename[c.loser], tie=c.tie) for c in comparisons]
    items = sorted(rename.values())  # a different order of the same items
    shuffled = list(relabeled)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    base = fit(items=ITEMS, comparisons=comparisons)
    other = fit(items=items, comparisons=shuffled)
    for item in ITEMS:
        assert other.strength(rename[item]) == pytest.approx(base.strength(item), abs=1e-6)
    p_base = dict(zip(ITEMS, probability_best(base, seed=1), strict=True))
    p_other = dict(zip(items, probability_best(other, seed=2), strict=True))
    for item in ITEMS:  # Monte Carlo: 4000 draws, standard error at most 0.008
        assert p_other[rename[item]] == pytest.approx(p_base[item], abs=0.04)
