"""Reviewer assignment: 2,000 entries x 200 judges, k = 3, 5 % conflicts, by min-cost flow.

    .venv/bin/python -m benchmarks.assignment [--entries 2000] [--judges 200] [--k 3]
        [--conflicts 0.05] [--seed 1] [--lp-entries 500] [--json]

Times ``scoring.assignment.assign`` (its checks, OR-Tools' min-cost flow and the verification of
the output) and, as the baseline in the same run, the same problem as a plain linear program
solved by SciPy's HiGHS (``linprog``, balance first, then cost with balance held): the
constraint matrix of a flow is totally unimodular, so the LP optimum is integral and equals the
flow's, which is the optimality evidence. The LP runs on the first ``--lp-entries`` entries
(500 by default: at 2,000 it takes minutes) and the flow is solved again on that sub-problem
to compare. Exit code 0 when the assignment takes under 5 s, has 0 conflicted pairs, keeps
every rule, and its objective equals the LP's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from scoring.assignment import Assignment, Costs, Entry, Judge, Problem, assign, verify
from scoring.assignment_rules import index_of

TARGET_SECONDS = 5.0
CHALLENGES = ("1", "2", "3", "4")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assignment")
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=200)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--conflicts", type=float, default=0.05, help="share of pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lp-entries", type=int, default=500, help="entries in the LP baseline")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def problem_of(args: argparse.Namespace) -> Problem:
    """Four challenges; each judge on two panels, preferring the lower-numbered (so challenge 1
    is wanted by half the judges, challenge 4 by none), cap 4/3 of the mean load;
    5 % of the entry-judge pairs conflicted, 10 % carry a bid (cost 0-4)."""
    rng = np.random.default_rng(args.seed)
    entries = tuple(Entry(f"e{i}", str(rng.choice(CHALLENGES))) for i in range(args.entries))
    cap = -(-4 * args.entries * args.k // (3 * args.judges))
    judges = []
    for i in range(args.judges):
        panel = frozenset(str(c) for c in rng.choice(CHALLENGES, 2, replace=False))
        judges.append(Judge(f"j{i}", panel, cap, frozenset({min(panel)})))
    pairs = rng.random((args.entries, args.judges))
    conflicts = frozenset(
        (f"e{e}", f"j{j}") for e, j in np.argwhere(pairs < args.conflicts).tolist()
    )
    bid_pairs = np.argwhere((pairs >= args.conflicts) & (pairs < args.conflicts + 0.1)).tolist()
    bids = {(f"e{e}", f"j{j}"): int(rng.integers(0, 5)) for e, j in bid_pairs}
    return Problem(entries, tuple(judges), args.k, conflicts, bids, Costs(preferred=0, other=2))


def sub_problem(problem: Problem, entries: int) -> Problem:
    kept = problem.entries[:entries]
    ids = {e.id for e in kept}
    conflicts = frozenset(p for p in problem.conflicts if p[0] in ids)
    bids = {p: c for p, c in problem.bids.items() if p[0] in ids}
    return Problem(kept, problem.judges, problem.k, conflicts, bids, problem.costs)


def objective(problem: Problem, assignment: Assignment) -> tuple[int, int]:
    """(sum of squared loads, preference cost): balance first, then cost, as the solver ranks."""
    return sum(v * v for v in assignment.loads.values()), assignment.cost


def lp_objective(problem: Problem) -> tuple[tuple[int, int], float]:
    """The same problem as an LP (pairs in [0, 1], one [0, 1] variable per possible review of a
    judge, costed 2t - 1 for balance): minimize balance, then cost with balance held (HiGHS)."""
    index = index_of(problem)
    n, m = len(problem.entries), len(problem.judges)
    pair_entry = np.repeat(np.arange(n), [len(c) for c in index.candidates])
    pair_judge = np.concatenate(index.candidates)
    pair_cost = np.concatenate(index.pair_costs).astype(float)
    tier_judge = np.repeat(np.arange(m), index.caps)
    tier_rank = np.arange(len(tier_judge)) - np.repeat(
        np.cumsum(index.caps) - index.caps, index.caps
    )
    p, t = len(pair_entry), len(tier_judge)
    rows = np.concatenate([pair_entry, n + pair_judge, n + tier_judge])
    cols = np.concatenate([np.arange(p), np.arange(p), p + np.arange(t)])
    vals = np.concatenate([np.ones(p), np.ones(p), -np.ones(t)])
    a_eq = sparse.csr_matrix((vals, (rows, cols)), shape=(n + m, p + t))
    b_eq = np.concatenate([np.full(n, problem.k), np.zeros(m)])
    balance = np.concatenate([np.zeros(p), 2.0 * tier_rank + 1])
    started = time.perf_counter()
    first = linprog(balance, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1), method="highs")
    held = round(first.fun)
    cost = np.concatenate([pair_cost, np.zeros(t)])
    second = linprog(cost, A_ub=balance[None, :], b_ub=[held + 0.5], A_eq=a_eq, b_eq=b_eq,
                     bounds=(0, 1), method="highs")  # fmt: skip
    seconds = time.perf_counter() - started
    assert first.status == 0 and second.status == 0, (first.message, second.message)
    return (held, round(second.fun)), seconds


def run(args: argparse.Namespace) -> dict[str, Any]:
    problem = problem_of(args)
    started = time.perf_counter()
    result = assign(problem, seed=args.seed)
    seconds = time.perf_counter() - started
    assert isinstance(result, Assignment), result
    conflicted = sum(
        (entry_id, j) in problem.conflicts
        for entry_id, judges in result.reviewers.items()
        for j in judges
    )
    loads = sorted(result.loads.values())
    started = time.perf_counter()
    index_of(problem)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    faults = verify(problem, result)
    verify_seconds = time.perf_counter() - started
    lp_problem = sub_problem(problem, args.lp_entries or args.entries)
    lp_result = result if lp_problem == problem else assign(lp_problem, seed=args.seed)
    assert isinstance(lp_result, Assignment), lp_result
    lp, lp_seconds = lp_objective(lp_problem)
    return {
        "entries": args.entries,
        "judges": args.judges,
        "k": args.k,
        "conflicted_pairs_in_problem": len(problem.conflicts),
        "assign_seconds": round(seconds, 3),
        "of_which_index_seconds": round(index_seconds, 3),
        "of_which_verify_seconds": round(verify_seconds, 3),
        "objective_balance_cost": objective(problem, result),
        "conflicted_pairs_assigned": conflicted,
        "faults": list(faults),
        "loads_min_max": (loads[0], loads[-1]),
        "lp_entries": len(lp_problem.entries),
        "lp_seconds": round(lp_seconds, 3),
        "lp_objective_balance_cost": lp,
        "flow_objective_on_lp_problem": objective(lp_problem, lp_result),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    figures = run(args)
    met = (
        figures["assign_seconds"] < TARGET_SECONDS
        and figures["conflicted_pairs_assigned"] == 0
        and not figures["faults"]
        and tuple(figures["lp_objective_balance_cost"])
        == tuple(figures["flow_objective_on_lp_problem"])
    )
    if args.json:
        print(json.dumps({**figures, "met": met}))
    else:
        for name, value in figures.items():
            print(f"{name:>32}: {value}")
        print(f"{'target met':>32}: {met} (under {TARGET_SECONDS} s, 0 conflicts, LP optimum)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
