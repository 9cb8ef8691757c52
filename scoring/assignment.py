"""Reviewer assignment as a min-cost flow (OR-Tools' ``SimpleMinCostFlow``).

Every entry gets exactly ``k`` distinct judges. The network is entry -> judge -> sink:

- an entry supplies ``k`` units; an entry -> judge arc (capacity 1) exists only when the judge
  sits on the panel of the entry's challenge and has no conflict with the entry, so a
  conflicted or ineligible pair **cannot** carry flow (a hard constraint of the solver, never a
  filter afterwards);
- a judge -> sink has one unit arc per possible review, the ``t``-th costing ``B * (2t - 1)``:
  the total is ``B * load**2``, convex, so the solver spreads the loads as evenly as the
  panels, conflicts and caps allow; the number of arcs is the judge's cap, a hard constraint;
- the entry -> judge arc costs the pair's preference (``bids``, else the judge's preferred
  challenges, else the default), and ``B`` is larger than any difference of total preference
  cost, so balance comes first and preferences decide among the most balanced assignments.

*Balanced within one* means: no review can move from a judge to one with two fewer reviews
and room under the cap, directly or along a chain of hand-overs (the optimality condition of
the convex load cost). When every judge may review every entry, as far as caps allow, this is
every load within one of the average (between its floor and its ceiling). ``verify`` checks it,
and every other rule, on the solver's output; ``assign`` raises ``AssignmentError`` if any fails.

When no assignment exists, ``assign`` returns ``Infeasible`` naming the binding constraint
(per challenge supply and demand, then per entry, then the whole, then the group of entries
the solver's minimum cut isolates), never a partial assignment. Deterministic for a seed: the
seed permutes the order in which arcs reach the solver, which decides among equal optima.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from scoring.assignment_rules import (
    Assignment,
    AssignmentError,
    Costs,
    Entry,
    Index,
    Infeasible,
    Judge,
    Problem,
    index_of,
    verify,
)

__all__ = [
    "Assignment",
    "AssignmentError",
    "Costs",
    "Entry",
    "Infeasible",
    "Judge",
    "Problem",
    "assign",
    "verify",
]

IntArray = NDArray[np.int64]


def assign(problem: Problem, *, seed: int = 0) -> Assignment | Infeasible:
    """An optimal assignment (balance first, then preference cost), or why none exists."""
    index = index_of(problem)
    shortfall = _challenge_shortfall(problem) or _entry_shortfall(problem, index)
    shortfall = shortfall or _total_shortfall(problem, index)
    if shortfall is not None:
        return shortfall
    flows = _solve(problem, index, seed=seed)
    if flows is None:
        return _group_shortfall(problem, index)
    assignment = _assignment_of(problem, index, flows, seed=seed)
    faults = verify(problem, assignment)
    if faults:
        raise AssignmentError("; ".join(faults))
    return assignment


def _challenge_shortfall(problem: Problem) -> Infeasible | None:
    """Per challenge: its panel's capacity for its n x k reviews (each judge at most n; so a panel
    of fewer than k judges falls short here too)."""
    counts: dict[str, int] = {}
    for entry in problem.entries:
        counts[entry.challenge] = counts.get(entry.challenge, 0) + 1
    k = problem.k
    for challenge, n in counts.items():
        panel = [j for j in problem.judges if challenge in j.panel]
        capacity = sum(min(j.cap, n) for j in panel)
        if capacity < n * k:
            message = (
                f"challenge {challenge}: {n} entries x {k} reviews = {n * k}, "
                f"{len(panel)} eligible judges with capacity {capacity}"
            )
            return Infeasible("challenge capacity", message)
    return None


def _entry_shortfall(problem: Problem, index: Index) -> Infeasible | None:
    """Per entry: k judges on its panel and free of conflict with it."""
    for entry, candidates in zip(problem.entries, index.candidates, strict=True):
        if len(candidates) < problem.k:
            message = (
                f"entry {entry.id}: needs {problem.k} judges, "
                f"{len(candidates)} are eligible and free of conflict"
            )
            return Infeasible("entry", message)
    return None


def _total_shortfall(problem: Problem, index: Index) -> Infeasible | None:
    """The whole: every review against the judges' capacity (each capped by what they may take)."""
    demand, capacity = len(problem.entries) * problem.k, int(index.caps.sum())
    if capacity >= demand:
        return None
    message = (
        f"all challenges: {len(problem.entries)} entries x {problem.k} reviews = {demand}, "
        f"{len(problem.judges)} judges with capacity {capacity}"
    )
    return Infeasible("total", message)


def _pair_arcs(index: Index, seed: int) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Entry, judge and cost of every allowed pair in a seeded order, and that order."""
    tails = np.repeat(np.arange(len(index.candidates)), [len(c) for c in index.candidates])
    heads = np.concatenate([*index.candidates, np.empty(0, np.int64)])
    costs = np.concatenate([*index.pair_costs, np.empty(0, np.int64)])
    order = np.random.default_rng(seed).permutation(len(tails))
    return tails[order].astype(np.int64), heads[order].astype(np.int64), costs[order], order


def _load_arcs(index: Index, weight: int) -> tuple[IntArray, IntArray]:
    """One unit arc per possible review of each judge; the t-th costs weight x (2t - 1)."""
    judges = np.repeat(np.arange(len(index.caps)), index.caps)
    starts = np.cumsum(index.caps) - index.caps
    rank = np.arange(len(judges)) - np.repeat(starts, index.caps) + 1
    return judges.astype(np.int64), (weight * (2 * rank - 1)).astype(np.int64)


def _solve(problem: Problem, index: Index, *, seed: int) -> IntArray | None:
    """The flow on each allowed pair (in ``index`` order), or None when k each is impossible."""
    n, m = len(problem.entries), len(problem.judges)
    demand = n * problem.k
    tails, heads, costs, order = _pair_arcs(index, seed)
    weight = demand * int(costs.max(initial=0)) + 1  # more than any preference difference
    load_judges, load_costs = _load_arcs(index, weight)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([tails, n + load_judges]).astype(np.int32),
        np.concatenate([n + heads, np.full(len(load_judges), n + m)]).astype(np.int32),
        np.ones(len(tails) + len(load_judges), np.int64),
        np.concatenate([costs, load_costs]),
    )
    supplies = np.concatenate([np.full(n, problem.k), np.zeros(m, np.int64), [-demand]])
    flow.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies.astype(np.int64))
    status = flow.solve()
    if status == flow.INFEASIBLE:
        return None
    if status != flow.OPTIMAL:
        raise AssignmentError(f"the min-cost flow solver stopped with status {status}")
    pair_flows = np.asarray(flow.flows(np.arange(len(tails), dtype=np.int32)), np.int64)
    flows = np.empty_like(pair_flows)
    flows[order] = pair_flows  # back in index order: entry by entry, candidates in order
    return flows


def _assignment_of(problem: Problem, index: Index, flows: IntArray, *, seed: int) -> Assignment:
    reviewers: dict[str, tuple[str, ...]] = {}
    loads = {judge.id: 0 for judge in problem.judges}
    offset, cost = 0, 0
    for entry, candidates, pair_costs in zip(
        problem.entries, index.candidates, index.pair_costs, strict=True
    ):
        used = flows[offset : offset + len(candidates)] > 0
        offset += len(candidates)
        chosen = sorted(problem.judges[int(j)].id for j in candidates[used])
        reviewers[entry.id] = tuple(chosen)
        cost += int(pair_costs[used].sum())
        for judge_id in chosen:
            loads[judge_id] += 1
    return Assignment(reviewers, loads, cost, seed)


def _group_shortfall(problem: Problem, index: Index) -> Infeasible:
    """The entries on the source side of a minimum cut: they need more reviews than the judges
    on their side can take plus one review per pair linking them to the other judges."""
    n, m = len(problem.entries), len(problem.judges)
    source, sink = n + m, n + m + 1
    flow = max_flow.SimpleMaxFlow()
    tails = np.repeat(np.arange(n), [len(c) for c in index.candidates])
    heads = np.concatenate([*index.candidates, np.empty(0, np.int64)])
    flow.add_arcs_with_capacity(
        np.concatenate([np.full(n, source), tails, n + np.arange(m)]).astype(np.int32),
        np.concatenate([np.arange(n), n + heads, np.full(m, sink)]).astype(np.int32),
        np.concatenate([np.full(n, problem.k), np.ones(len(tails)), index.caps]).astype(np.int64),
    )
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise AssignmentError("the max-flow solver could not bound the shortfall")
    side = set(flow.get_source_side_min_cut())
    entries = [e for e in range(n) if e in side]
    judges = [j for j in range(m) if n + j in side]
    links = sum(int(np.sum([n + int(j) not in side for j in index.candidates[e]])) for e in entries)
    return Infeasible("group", _group_message(problem, index, entries, judges, links))


def _group_message(
    problem: Problem, index: Index, entries: list[int], judges: list[int], links: int
) -> str:
    challenges = sorted({problem.entries[e].challenge for e in entries})
    capacity = int(index.caps[judges].sum()) if judges else 0
    names = ", ".join(problem.judges[j].id for j in judges) or "none"
    others = f" and {links} from other judges, one per pair" if links else ""
    return (
        f"entries {', '.join(problem.entries[e].id for e in entries)} "
        f"(challenge{'s' if len(challenges) > 1 else ''} {', '.join(challenges)}): "
        f"{len(entries)} entries x {problem.k} reviews = {len(entries) * problem.k}, "
        f"at most {capacity + links} possible: judges {names} with capacity {capacity}{others}"
    )
