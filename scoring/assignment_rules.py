"""The assignment problem's values and its rules, checked on any proposed assignment.

``verify`` knows nothing of the solver: it recomputes every rule from the problem (k distinct
judges per entry, panels, conflicts, caps, the loads and the cost as stated, and balance: no
review can move, directly or along a chain of hand-overs, from a judge to one with two fewer
reviews and room under the cap). ``scoring.assignment.assign`` runs it on the solver's output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Entry:
    id: str
    challenge: str


@dataclass(frozen=True)
class Judge:
    id: str
    panel: frozenset[str]  # the challenges this judge may review
    cap: int  # the most reviews this judge takes
    prefers: frozenset[str] = frozenset()  # challenges the judge asked for


@dataclass(frozen=True)
class Costs:
    """Preference costs per review, non-negative integers (lower is wanted more)."""

    preferred: int = 0  # a challenge the judge prefers
    other: int = 2  # any other challenge of the judge's panel


@dataclass(frozen=True)
class Problem:
    """``bids`` override ``costs`` for a pair: a judge's bid on an entry, as a cost (>= 0)."""

    entries: tuple[Entry, ...]
    judges: tuple[Judge, ...]
    k: int  # judges per entry
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (entry id, judge id)
    bids: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (entry, judge) -> cost
    costs: Costs = Costs()


@dataclass(frozen=True)
class Assignment:
    """``reviewers[entry id]``: the entry's k judges, sorted; ``cost``: the preference cost."""

    reviewers: Mapping[str, tuple[str, ...]]
    loads: Mapping[str, int]
    cost: int
    seed: int


Constraint = Literal["challenge capacity", "entry", "total", "group"]


@dataclass(frozen=True)
class Infeasible:
    """No valid assignment exists; ``message`` names the binding constraint and its figures."""

    constraint: Constraint
    message: str


class AssignmentError(RuntimeError):
    """The solver's output broke a constraint (never expected: it would be a solver bug)."""


@dataclass(frozen=True)
class Index:
    """Per entry, the judges (indices, ascending) on its panel and free of conflict with it, and
    each pair's cost; per judge, the cap bounded by the entries the judge may review."""

    candidates: tuple[IntArray, ...]
    pair_costs: tuple[IntArray, ...]
    caps: IntArray


def _check(problem: Problem) -> None:
    entry_ids = {e.id for e in problem.entries}
    judge_ids = {j.id for j in problem.judges}
    faults = [
        "k must be at least 1" if problem.k < 1 else "",
        "entry ids repeat" if len(entry_ids) < len(problem.entries) else "",
        "judge ids repeat" if len(judge_ids) < len(problem.judges) else "",
        "a cap is negative" if any(j.cap < 0 for j in problem.judges) else "",
        "a cost is negative" if min(problem.costs.preferred, problem.costs.other) < 0 else "",
        "a bid is negative" if any(c < 0 for c in problem.bids.values()) else "",
    ]
    for name, pairs in (("conflict", problem.conflicts), ("bid", problem.bids.keys())):
        unknown = [p for p in pairs if p[0] not in entry_ids or p[1] not in judge_ids]
        faults.append(f"a {name} names an unknown entry or judge: {unknown[0]}" if unknown else "")
    if any(faults):
        raise ValueError("; ".join(f for f in faults if f))


def index_of(problem: Problem) -> Index:
    """The allowed pairs; raises ValueError on a malformed problem (repeated ids, unknown names,
    negative caps or costs, k < 1)."""
    _check(problem)
    conflicted: dict[str, set[str]] = {}
    for entry_id, judge_id in problem.conflicts:
        conflicted.setdefault(entry_id, set()).add(judge_id)
    bids: dict[str, dict[str, int]] = {}
    for (entry_id, judge_id), cost in problem.bids.items():
        bids.setdefault(entry_id, {})[judge_id] = cost
    candidates, costs = [], []
    for entry in problem.entries:
        chosen, pair_costs = _pairs_of(problem, entry, conflicted.get(entry.id, set()), bids)
        candidates.append(chosen)
        costs.append(pair_costs)
    reach = np.bincount(np.concatenate([*candidates, np.empty(0, np.int64)]),
                        minlength=len(problem.judges))  # fmt: skip
    caps = np.minimum(np.array([j.cap for j in problem.judges], np.int64), reach)
    return Index(tuple(candidates), tuple(costs), caps.astype(np.int64))


def _pairs_of(
    problem: Problem, entry: Entry, conflicted: set[str], bids: dict[str, dict[str, int]]
) -> tuple[IntArray, IntArray]:
    chosen = [
        i
        for i, j in enumerate(problem.judges)
        if entry.challenge in j.panel and j.id not in conflicted
    ]
    entry_bids = bids.get(entry.id, {})
    costs = [
        entry_bids.get(
            problem.judges[i].id,
            problem.costs.preferred
            if entry.challenge in problem.judges[i].prefers
            else problem.costs.other,
        )
        for i in chosen
    ]
    return np.array(chosen, np.int64), np.array(costs, np.int64)


def verify(problem: Problem, assignment: Assignment) -> tuple[str, ...]:
    """Every rule the assignment breaks, in words; empty when it keeps them all."""
    index = index_of(problem)
    position = {j.id: i for i, j in enumerate(problem.judges)}
    faults: list[str] = []
    if set(assignment.reviewers) != {e.id for e in problem.entries}:
        faults.append("the entries assigned are not the problem's entries")
        return tuple(faults)
    cost, loads = 0, np.zeros(len(problem.judges), np.int64)
    for entry, candidates, pair_costs in zip(
        problem.entries, index.candidates, index.pair_costs, strict=True
    ):
        judges = assignment.reviewers[entry.id]
        faults += _entry_faults(problem, entry, judges, candidates, position)
        allowed = {int(j): int(c) for j, c in zip(candidates, pair_costs, strict=True)}
        for judge_id in judges:
            if judge_id in position:
                loads[position[judge_id]] += 1
                cost += allowed.get(position[judge_id], 0)
    faults += _load_faults(problem, assignment, loads)
    if cost != assignment.cost:
        faults.append(f"the stated cost {assignment.cost} is not the pairs' cost {cost}")
    return tuple(faults) if faults else _balance_faults(problem, assignment, index, loads)


def _entry_faults(
    problem: Problem,
    entry: Entry,
    judges: tuple[str, ...],
    candidates: IntArray,
    position: Mapping[str, int],
) -> list[str]:
    faults = []
    if len(judges) != problem.k or len(set(judges)) != len(judges):
        faults.append(f"entry {entry.id}: {len(set(judges))} distinct judges, not {problem.k}")
    allowed = {int(j) for j in candidates}
    for judge_id in judges:
        if (entry.id, judge_id) in problem.conflicts:
            faults.append(f"entry {entry.id}: judge {judge_id} has a conflict with it")
        elif position.get(judge_id, -1) not in allowed:
            faults.append(f"entry {entry.id}: judge {judge_id} is not on its challenge's panel")
    return faults


def _load_faults(problem: Problem, assignment: Assignment, loads: IntArray) -> list[str]:
    faults = []
    for judge, load in zip(problem.judges, loads, strict=True):
        if assignment.loads.get(judge.id) != int(load):
            faults.append(f"judge {judge.id}: stated load is not the {int(load)} assigned")
        if load > judge.cap:
            faults.append(f"judge {judge.id}: {int(load)} reviews, over the cap of {judge.cap}")
    return faults


def _balance_faults(
    problem: Problem, assignment: Assignment, index: Index, loads: IntArray
) -> tuple[str, ...]:
    """A judge who could hand a review, directly or along a chain, to one with two fewer."""
    position = {j.id: i for i, j in enumerate(problem.judges)}
    m = len(problem.judges)
    reach = np.zeros((m, m), bool)  # reach[a, b]: a can pass one of its entries on to b
    for entry, candidates in zip(problem.entries, index.candidates, strict=True):
        holders = np.array([position[j] for j in assignment.reviewers[entry.id]], np.int64)
        free = np.setdiff1d(candidates, holders)
        reach[np.ix_(holders, free)] = True
    for via in range(m):  # transitive closure (Warshall)
        reach |= reach[:, via : via + 1] & reach[via : via + 1, :]
    caps = np.array([j.cap for j in problem.judges], np.int64)
    better = reach & (loads[:, None] >= loads[None, :] + 2) & (loads < caps)[None, :]
    if not better.any():
        return ()
    giver, taker = (int(x) for x in np.argwhere(better)[0])
    return (
        f"loads unbalanced: judge {problem.judges[giver].id} ({int(loads[giver])} reviews) "
        f"could hand one to judge {problem.judges[taker].id} ({int(loads[taker])} reviews)",
    )
