"""Pairwise comparisons for the pitch round: Bradley-Terry strengths, the next pair to show a
judge, and the probability that the current leader is the best.

The model: item i has a log-strength theta_i and beats item j with probability
sigmoid(theta_i - theta_j). The strengths are the maximum a posteriori estimate under a
Gaussian prior theta ~ N(0, prior_sd^2) for every item (independent), found by SciPy's
trust-region Newton solver on the exact gradient and Hessian (the negative log posterior is
strictly convex, so the optimum is unique). The prior is weak but makes every strength finite,
an item with no wins or no comparisons included, and fixes the scale's origin (no item is
pinned to zero).

"Can't decide" (``tie=True``) counts as half a win for each side (``ties="half"``, the
default: the tie pulls the two strengths together) or is left out (``ties="ignore"``).

Uncertainty is the Laplace approximation: the posterior is N(theta_hat, H^-1), H the Hessian
of the negative log posterior at the optimum. The probability that an item is the best is the
share of seeded draws from that normal in which it has the highest strength.

This is plain Bradley-Terry, not Crowd-BT: every judge is taken as equally reliable (Gavel's
per-judge reliability is not modelled).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_expit

Ties = Literal["half", "ignore"]
Pair = frozenset[str]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Comparison:
    """One judgement: ``winner`` beat ``loser``; with ``tie`` the judge could not decide, and
    the two names are just the two items shown."""

    winner: str
    loser: str
    tie: bool = False
    judge: str | None = None


@dataclass(frozen=True, eq=False)
class Fit:
    """Strengths (log scale, MAP) and their Laplace covariance, in the order of ``items``."""

    items: tuple[str, ...]
    strengths: FloatArray
    covariance: FloatArray

    def strength(self, item: str) -> float:
        return float(self.strengths[self.items.index(item)])

    def ranking(self) -> tuple[str, ...]:
        """Items from strongest to weakest; equal strengths keep the order of ``items``."""
        order = np.argsort(-self.strengths, kind="stable")
        return tuple(self.items[i] for i in order)


def _design(
    items: Sequence[str], comparisons: Sequence[Comparison], ties: Ties
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
    """Winner indices, loser indices and weights; a counted tie is two half-weight wins."""
    index = {item: i for i, item in enumerate(items)}
    rows: list[tuple[int, int, float]] = []
    for c in comparisons:
        w, loser = index[c.winner], index[c.loser]  # KeyError names an unknown item
        if not c.tie:
            rows.append((w, loser, 1.0))
        elif ties == "half":
            rows += [(w, loser, 0.5), (loser, w, 0.5)]
    data = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return data[:, 0].astype(np.intp), data[:, 1].astype(np.intp), data[:, 2]


def _objective(
    theta: FloatArray, win: NDArray[np.intp], lose: NDArray[np.intp], weight: FloatArray, tau: float
) -> tuple[float, FloatArray]:
    """Negative log posterior and its gradient (tau = 1 / prior_sd^2)."""
    diff = theta[win] - theta[lose]
    value = -float(weight @ log_expit(diff)) + 0.5 * tau * float(theta @ theta)
    pull = weight * expit(-diff)  # d(-log sigmoid(diff)) / d(diff) = -(1 - sigmoid(diff))
    grad = tau * theta
    np.subtract.at(grad, win, pull)
    np.add.at(grad, lose, pull)
    return value, grad


def _hessian(
    theta: FloatArray, win: NDArray[np.intp], lose: NDArray[np.intp], weight: FloatArray, tau: float
) -> FloatArray:
    """The Hessian: a weighted graph Laplacian of the comparisons plus tau on the diagonal."""
    p = expit(theta[win] - theta[lose])
    h = weight * p * (1.0 - p)
    hess = tau * np.eye(theta.size)
    np.add.at(hess, (win, win), h)
    np.add.at(hess, (lose, lose), h)
    np.subtract.at(hess, (win, lose), h)
    np.subtract.at(hess, (lose, win), h)
    return hess


def fit(
    *,
    items: Sequence[str],
    comparisons: Sequence[Comparison],
    prior_sd: float = 2.0,
    ties: Ties = "half",
) -> Fit:
    """Bradley-Terry strengths of ``items`` (distinct names) from ``comparisons`` between them.

    Invariants: every strength is finite; relabeling or reordering the items permutes the
    result and changes nothing else; the order of the comparisons does not matter."""
    if len(set(items)) != len(items):
        raise ValueError("items must be distinct")
    win, lose, weight = _design(items, comparisons, ties)
    tau = 1.0 / prior_sd**2
    args = (win, lose, weight, tau)
    result = minimize(
        _objective, np.zeros(len(items)), args=args, jac=True, hess=_hessian,
        method="trust-exact", options={"gtol": 1e-10},
    )  # fmt: skip
    theta = np.asarray(result.x, dtype=np.float64)
    covariance = np.linalg.inv(_hessian(theta, *args))
    return Fit(tuple(items), theta, (covariance + covariance.T) / 2)


def _draws(model: Fit, *, draws: int, seed: int) -> FloatArray:
    """Seeded draws from the Laplace posterior, one row per draw."""
    rng = np.random.default_rng(seed)
    values, vectors = np.linalg.eigh(model.covariance)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))  # root @ root.T == covariance
    noise = rng.standard_normal((draws, len(model.items)))
    return np.asarray(model.strengths + noise @ root.T, dtype=np.float64)


def probability_best(model: Fit, *, draws: int = 4000, seed: int = 0) -> FloatArray:
    """Per item, the posterior probability that it has the highest strength; sums to 1."""
    best = np.argmax(_draws(model, draws=draws, seed=seed), axis=1)
    return np.bincount(best, minlength=len(model.items)) / draws


def leader_probability(model: Fit, *, draws: int = 4000, seed: int = 0) -> tuple[str, float]:
    """The current leader (the first of ``ranking()``) and the probability, in [0, 1], that it
    is the best of all items."""
    leader = model.ranking()[0]
    p_best = probability_best(model, draws=draws, seed=seed)
    return leader, float(p_best[model.items.index(leader)])


def seen_by(comparisons: Sequence[Comparison], judge: str) -> set[Pair]:
    """The pairs ``judge`` has already been shown."""
    return {frozenset((c.winner, c.loser)) for c in comparisons if c.judge == judge}


def information_gain(model: Fit, a: str, b: str) -> float:
    """Expected information from one comparison of a and b under the Laplace posterior: half
    the log of det(H + h x x^T) / det(H) = 1 + h x^T Sigma x, with x = e_a - e_b and h the
    Fisher weight p (1 - p) of the predicted outcome. Largest for close, uncertain pairs."""
    i, j = model.items.index(a), model.items.index(b)
    cov = model.covariance
    variance = cov[i, i] + cov[j, j] - 2.0 * cov[i, j]
    p = float(expit(model.strengths[i] - model.strengths[j]))
    return 0.5 * float(np.log1p(p * (1.0 - p) * variance))


def next_pair(
    model: Fit, *, seen: Collection[Pair] = (), draws: int = 2000, seed: int = 0
) -> tuple[str, str]:
    """The pair to show next: the highest information gain, weighted by the probability that
    one of the two is the best (P(a best) + P(b best)), so comparisons go where the winner is
    decided. Pairs in ``seen`` (the judge's, see ``seen_by``) are never chosen while another
    pair exists; when the judge has seen them all, every pair is a candidate again. Equal
    scores go to the first pair in the order of ``items``. Needs at least two items."""
    if len(model.items) < 2:
        raise ValueError("a pair needs at least two items")
    pairs = list(combinations(model.items, 2))
    fresh = [pair for pair in pairs if frozenset(pair) not in seen] or pairs
    p_best = dict(zip(model.items, probability_best(model, draws=draws, seed=seed), strict=True))
    scores = [information_gain(model, a, b) * (p_best[a] + p_best[b]) for a, b in fresh]
    return fresh[int(np.argmax(scores))]
