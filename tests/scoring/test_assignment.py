"""Reviewer assignment: every hard rule checked here independently of ``verify``, against brute
force on tiny instances (feasibility, the most balanced loads, then the least cost), over many
random instances, and the reports' exact words."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import assignment
from scoring.assignment import (
    Assignment,
    AssignmentError,
    Costs,
    Entry,
    Infeasible,
    Judge,
    Problem,
    assign,
    verify,
)
from scoring.assignment_rules import Index, IntArray


def _random_problem(rng: np.random.Generator, *, entries: int, judges: int, k: int) -> Problem:
    challenges = [str(c) for c in range(int(rng.integers(1, 4)))]
    es = tuple(Entry(f"e{i}", str(rng.choice(challenges))) for i in range(entries))
    js = tuple(
        Judge(
            f"j{i}",
            frozenset(c for c in challenges if rng.random() < 0.7),
            int(rng.integers(0, 2 * entries * k // max(judges, 1) + 2)),
            frozenset(c for c in challenges if rng.random() < 0.3),
        )
        for i in range(judges)
    )
    conflicts = frozenset((e.id, j.id) for e in es for j in js if rng.random() < 0.15)
    bids = {(e.id, j.id): int(rng.integers(0, 5)) for e in es for j in js if rng.random() < 0.2}
    return Problem(es, js, k, conflicts, bids, Costs(preferred=0, other=int(rng.integers(0, 4))))


def _hard_faults(problem: Problem, assignment: Assignment) -> Iterator[str]:
    """The hard rules, written out again without the module's own index."""
    judges = {j.id: j for j in problem.judges}
    assert set(assignment.reviewers) == {e.id for e in problem.entries}
    for entry in problem.entries:
        chosen = assignment.reviewers[entry.id]
        if len(set(chosen)) != problem.k or len(chosen) != problem.k:
            yield f"{entry.id} has {chosen}"
        for judge_id in chosen:
            if (entry.id, judge_id) in problem.conflicts:
                yield f"conflict {entry.id} {judge_id}"
            if entry.challenge not in judges[judge_id].panel:
                yield f"off panel {entry.id} {judge_id}"
    for judge in problem.judges:
        load = sum(judge.id in chosen for chosen in assignment.reviewers.values())
        if load > judge.cap or load != assignment.loads[judge.id]:
            yield f"load {judge.id} {load}"


def _pair_cost(problem: Problem, entry: Entry, judge: Judge) -> int:
    default = problem.costs.preferred if entry.challenge in judge.prefers else problem.costs.other
    return problem.bids.get((entry.id, judge.id), default)


def _brute_force(problem: Problem) -> tuple[int, int] | None:
    """(least sum of squared loads, least cost among those) over every valid assignment."""
    options = [
        itertools.combinations(
            [
                j
                for j in problem.judges
                if e.challenge in j.panel and (e.id, j.id) not in problem.conflicts
            ],
            problem.k,
        )
        for e in problem.entries
    ]
    best: tuple[int, int] | None = None
    for choice in itertools.product(*(list(o) for o in options)):
        loads = {j.id: 0 for j in problem.judges}
        for chosen in choice:
            for judge in chosen:
                loads[judge.id] += 1
        if any(loads[j.id] > j.cap for j in problem.judges):
            continue
        cost = sum(
            _pair_cost(problem, e, j)
            for e, chosen in zip(problem.entries, choice, strict=True)
            for j in chosen
        )
        score = (sum(v * v for v in loads.values()), cost)
        best = score if best is None or score < best else best
    return best


@st.composite
def tiny_problems(draw: st.DrawFn) -> Problem:
    """Up to 4 entries, 4 judges, k up to 2: small enough to enumerate every assignment."""
    challenges = st.sampled_from("ab")
    entries = draw(st.lists(challenges, min_size=1, max_size=4))
    es = tuple(Entry(f"e{i}", c) for i, c in enumerate(entries))
    panels = st.frozensets(challenges, min_size=1)
    shapes = st.tuples(panels, st.integers(0, 4), st.frozensets(challenges))
    js = tuple(
        Judge(f"j{i}", panel, cap, prefers)
        for i, (panel, cap, prefers) in enumerate(draw(st.lists(shapes, min_size=1, max_size=4)))
    )
    pairs = [(e.id, j.id) for e in es for j in js]
    conflicts = draw(st.frozensets(st.sampled_from(pairs), max_size=4))
    bids = draw(st.dictionaries(st.sampled_from(pairs), st.integers(0, 4), max_size=4))
    other = draw(st.integers(0, 3))
    return Problem(es, js, draw(st.integers(1, 2)), conflicts, bids, Costs(0, other))


@settings(max_examples=300, deadline=None)
@given(tiny_problems(), st.integers(0, 2**16))
def test_tiny_instances_match_brute_force(problem: Problem, seed: int) -> None:
    result, best = assign(problem, seed=seed), _brute_force(problem)
    if best is None:
        assert isinstance(result, Infeasible), result
        demand, possible = _figures(result)
        assert demand > possible  # the report's own figures show the shortfall
        return
    assert isinstance(result, Assignment), result
    assert list(_hard_faults(problem, result)) == []
    squares = sum(v * v for v in result.loads.values())
    assert (squares, result.cost) == best  # the most balanced, then the cheapest


def _figures(report: Infeasible) -> tuple[int, int]:
    """(reviews needed, reviews possible) as the report states them."""
    numbers = [int(n) for n in re.findall(r"\b\d+\b", report.message.split(": ", 1)[1])]
    if report.constraint == "entry":
        return numbers[0], numbers[1]  # judges needed, judges available
    if report.constraint == "group":
        return numbers[2], numbers[3]  # n x k = demand, at most possible
    return numbers[2], numbers[-1]  # n x k = demand, ... with capacity C


def test_a_thousand_random_instances_keep_every_hard_rule() -> None:
    rng = np.random.default_rng(20261202)
    outcomes: Counter[str] = Counter()
    for _ in range(1000):
        sizes = {"entries": int(rng.integers(1, 30)), "judges": int(rng.integers(1, 12))}
        problem = _random_problem(rng, **sizes, k=int(rng.integers(1, 4)))
        result = assign(problem, seed=int(rng.integers(0, 1000)))
        if isinstance(result, Infeasible):
            outcomes[result.constraint] += 1
            continue
        outcomes["assigned"] += 1
        assert list(_hard_faults(problem, result)) == []
        assert verify(problem, result) == ()
    assert outcomes["assigned"] > 100
    assert set(outcomes) == {"assigned", "challenge capacity", "entry", "total", "group"}


def _open_panel(entries: int, judges: int, cap: int) -> Problem:
    es = tuple(Entry(f"e{i}", "1") for i in range(entries))
    js = tuple(Judge(f"j{i}", frozenset({"1"}), cap) for i in range(judges))
    conflicts = frozenset((f"e{i}", f"j{(i * 7) % judges}") for i in range(entries))
    return Problem(es, js, 3, conflicts)


def test_loads_are_within_one_of_the_average_when_every_judge_may_review_everything() -> None:
    result = assign(_open_panel(entries=47, judges=11, cap=30), seed=3)
    assert isinstance(result, Assignment)
    assert set(result.loads.values()) == {12, 13}  # 47 x 3 = 141 over 11 judges: 12.8


def test_the_same_seed_gives_the_same_assignment_and_any_seed_the_same_optimum() -> None:
    problem = _open_panel(entries=60, judges=15, cap=20)
    problem = Problem(problem.entries, problem.judges, 3, problem.conflicts, bids={
        (e.id, j.id): (i * 7 + n * 3) % 4 for i, e in enumerate(problem.entries)
        for n, j in enumerate(problem.judges)})  # fmt: skip
    first, again = assign(problem, seed=11), assign(problem, seed=11)
    assert isinstance(first, Assignment) and isinstance(again, Assignment)
    assert first == again
    other = assign(problem, seed=12)
    assert isinstance(other, Assignment)
    assert other.cost == first.cost
    assert sorted(other.loads.values()) == sorted(first.loads.values())


def test_preferences_are_honoured_by_cost() -> None:
    es = tuple(Entry(f"e{i}", "ab"[i % 2]) for i in range(4))
    js = (
        Judge("likes-a", frozenset("ab"), 2, frozenset("a")),
        Judge("likes-b", frozenset("ab"), 2, frozenset("b")),
    )
    result = assign(Problem(es, js, 1), seed=0)
    assert isinstance(result, Assignment) and result.cost == 0
    assert result.reviewers == {"e0": ("likes-a",), "e1": ("likes-b",), "e2": ("likes-a",),
                                "e3": ("likes-b",)}  # fmt: skip
    bid = Problem(es, js, 1, bids={("e0", "likes-a"): 5})
    rebid = assign(bid, seed=0)
    assert isinstance(rebid, Assignment) and rebid.reviewers["e0"] == ("likes-b",)


def test_a_challenge_short_of_capacity_is_named_with_its_figures() -> None:
    es = tuple(Entry(f"e{i}", "1" if i < 10 else "2") for i in range(50))
    js = (
        *(Judge(f"j{i}", frozenset({"1"}), 20) for i in range(4)),
        Judge("j4", frozenset({"2"}), 25),
        Judge("j5", frozenset({"2"}), 25),
    )
    assert assign(Problem(es, js, 3)) == Infeasible(
        "challenge capacity", "challenge 2: 40 entries x 3 reviews = 120, 2 eligible judges with "
        "capacity 50"
    )  # fmt: skip


def test_an_entry_without_enough_conflict_free_judges_is_named() -> None:
    problem = _open_panel(entries=20, judges=5, cap=20)  # e17 conflicts with j4
    conflicted = problem.conflicts | {("e17", "j0"), ("e17", "j1")}
    result = assign(Problem(problem.entries, problem.judges, 3, conflicted))
    assert result == Infeasible(
        "entry", "entry e17: needs 3 judges, 2 are eligible and free of conflict"
    )


def test_a_group_of_challenges_sharing_too_few_judges_is_named_by_the_minimum_cut() -> None:
    es = tuple(Entry(f"e{i}", "ABC"[i // 5]) for i in range(15))
    js = tuple(Judge(f"j{i}", frozenset("AB"), 5) for i in range(2)) + tuple(
        Judge(f"j{i}", frozenset("C"), 5) for i in range(2, 6)
    )
    result = assign(Problem(es, js, 2))
    assert result == Infeasible(
        "group",
        "entries e0, e1, e2, e3, e4, e5, e6, e7, e8, e9 (challenges A, B): 10 entries x 2 reviews "
        "= 20, at most 10 possible: judges j0, j1 with capacity 10",
    )


def test_verify_catches_a_conflict_a_cap_and_an_unbalanced_load() -> None:
    es = tuple(Entry(f"e{i}", "1") for i in range(4))
    js = tuple(Judge(f"j{i}", frozenset({"1"}), 3) for i in range(3))
    problem = Problem(es, js, 1, frozenset({("e0", "j2")}))
    lopsided = Assignment({"e0": ("j0",), "e1": ("j0",), "e2": ("j0",), "e3": ("j1",)},
                          {"j0": 3, "j1": 1, "j2": 0}, 8, 0)  # fmt: skip
    assert verify(problem, lopsided) == (
        "loads unbalanced: judge j0 (3 reviews) could hand one to judge j1 (1 reviews)",
    )
    conflicted = Assignment({"e0": ("j2",), "e1": ("j0",), "e2": ("j1",), "e3": ("j1",)},
                            {"j0": 1, "j1": 2, "j2": 1}, 6, 0)  # fmt: skip
    assert verify(problem, conflicted) == ("entry e0: judge j2 has a conflict with it",)
    tight = Problem(es, tuple(Judge(j.id, j.panel, 1) for j in js), 1)
    over = Assignment({"e0": ("j0",), "e1": ("j0",), "e2": ("j1",), "e3": ("j2",)},
                      {"j0": 2, "j1": 1, "j2": 1}, 8, 0)  # fmt: skip
    assert verify(tight, over) == ("judge j0: 2 reviews, over the cap of 1",)


def test_a_solver_output_that_breaks_a_rule_is_refused_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _open_panel(entries=6, judges=6, cap=6)

    def lopsided(problem: Problem, index: Index, *, seed: int) -> IntArray:
        # every entry to its first k candidates: the low-numbered judges take nearly everything
        return np.concatenate([np.arange(len(c)) < problem.k for c in index.candidates]).astype(
            np.int64
        )

    monkeypatch.setattr(assignment, "_solve", lopsided)
    with pytest.raises(AssignmentError, match="loads unbalanced"):
        assign(problem)


def test_a_malformed_problem_is_refused() -> None:
    problem = _open_panel(entries=3, judges=3, cap=3)
    with pytest.raises(ValueError, match="a conflict names an unknown entry or judge"):
        assign(Problem(problem.entries, problem.judges, 1, frozenset({("e9", "j0")})))
    with pytest.raises(ValueError, match="k must be at least 1"):
        assign(Problem(problem.entries, problem.judges, 0))
