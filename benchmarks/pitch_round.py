"""Pitch round: how many comparisons until the true winner is ranked first in 80 % of rounds,
choosing each pair actively (``scoring.pairwise.next_pair``) versus at random.

    .venv/bin/python -m benchmarks.pitch_round [--trials 200] [--finalists 10] [--budget 150]

Each trial draws true log-strengths N(0, spread^2) for the finalists (seeded by the trial
number), then simulates a round of ``--budget`` comparisons shown to ``--judges`` judges in
turn; the outcome of a against b is a win for a with probability sigmoid(theta_a - theta_b)
(no "can't decide"). Both strategies see the same truths and never show a judge a pair they
have already seen while another exists; random picks uniformly among those pairs. After every
``--step`` comparisons the Bradley-Terry fit's leader is checked against the true winner.
Prints, per budget, the share of trials whose leader is the true winner, and the first budget
at which that share reaches 80 % for each strategy. Exit code 0 when active needs no more
comparisons than random.
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import combinations

import numpy as np

from scoring.pairwise import Comparison, Pair, fit, next_pair

TARGET = 0.8


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pitch_round")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--finalists", type=int, default=10)
    parser.add_argument("--budget", type=int, default=150, help="comparisons per round")
    parser.add_argument("--step", type=int, default=5, help="check the leader every N")
    parser.add_argument("--judges", type=int, default=5)
    parser.add_argument("--spread", type=float, default=1.0, help="SD of true log-strengths")
    return parser.parse_args(argv)


def _random_pair(items: tuple[str, ...], seen: set[Pair], rng: np.random.Generator) -> Pair:
    pairs = [frozenset(p) for p in combinations(items, 2)]
    fresh = [p for p in pairs if p not in seen] or pairs
    return fresh[int(rng.integers(len(fresh)))]


def run_round(
    truth: np.ndarray, *, active: bool, args: argparse.Namespace, seed: int
) -> list[bool]:
    """One simulated round: at each checkpoint, whether the fit's leader is the true winner."""
    items = tuple(f"f{i}" for i in range(len(truth)))
    winner = items[int(np.argmax(truth))]
    rng = np.random.default_rng(seed)
    comparisons: list[Comparison] = []
    seen: dict[int, set[Pair]] = {j: set() for j in range(args.judges)}
    checks = []
    for t in range(1, args.budget + 1):
        judge = t % args.judges
        if active:
            model = fit(items=items, comparisons=comparisons)
            pair = frozenset(next_pair(model, seen=seen[judge], draws=1000, seed=seed + t))
        else:
            pair = _random_pair(items, seen[judge], rng)
        a, b = sorted(pair)
        i, j = items.index(a), items.index(b)
        a_wins = rng.random() < 1.0 / (1.0 + np.exp(truth[j] - truth[i]))
        comparisons.append(Comparison(a, b) if a_wins else Comparison(b, a))
        seen[judge].add(pair)
        if t % args.step == 0:
            checks.append(fit(items=items, comparisons=comparisons).ranking()[0] == winner)
    return checks


def first_reaching(shares: np.ndarray, budgets: list[int]) -> int | None:
    hits = [b for b, share in zip(budgets, shares, strict=True) if share >= TARGET]
    return hits[0] if hits else None


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    budgets = list(range(args.step, args.budget + 1, args.step))
    results: dict[str, np.ndarray] = {}
    for name, active in (("random", False), ("active", True)):
        started = time.perf_counter()
        rows = []
        for trial in range(args.trials):
            truth = np.random.default_rng(10_000 + trial).normal(0, args.spread, args.finalists)
            rows.append(run_round(truth, active=active, args=args, seed=trial))
        results[name] = np.mean(rows, axis=0)
        print(f"{name}: {args.trials} trials in {time.perf_counter() - started:.1f} s")
    print(f"\n{args.finalists} finalists, truth N(0, {args.spread}^2), {args.judges} judges")
    print(f"{'comparisons':>11}  {'random':>7}  {'active':>7}")
    for k, budget in enumerate(budgets):
        print(f"{budget:>11}  {results['random'][k]:>7.3f}  {results['active'][k]:>7.3f}")
    needed = {name: first_reaching(shares, budgets) for name, shares in results.items()}
    print(f"\nfirst budget with P(true winner first) >= {TARGET}: {needed}")
    se = 0.5 / np.sqrt(args.trials)
    print(f"(each share from {args.trials} trials, standard error at most {se:.3f})")
    beaten = needed["active"] is not None and (
        needed["random"] is None or needed["active"] <= needed["random"]
    )
    return 0 if beaten else 1


if __name__ == "__main__":
    sys.exit(main())
