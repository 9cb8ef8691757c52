"""The impact level of an algorithmic impact questionnaire, as Canada's Algorithmic Impact
Assessment (AIA) computes it under the Directive on Automated Decision-Making.

Risk questions add up to a raw impact score; mitigation questions to a mitigation score. When
the mitigation score reaches a share of its maximum (80 % in the AIA), the raw score is reduced
by a share of itself (15 %) to give the current score. The impact level follows from the
current score as a share of the maximum raw score: up to 25 % is level I, up to 50 % level II,
up to 75 % level III, above that level IV.

Pure and exact: points are integers and shares are compared by cross-multiplication, so a score
on a boundary always falls on the same side. Scores are carried in hundredths of a point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["risk", "mitigation"]
LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    points: Mapping[str, int]  # choice id -> points


@dataclass(frozen=True)
class Policy:
    level_ceilings: tuple[int, int, int] = (25, 50, 75)  # % of the maximum raw score
    mitigation_threshold: int = 80  # % of the maximum mitigation score
    mitigation_reduction: int = 15  # % taken off the raw score


@dataclass(frozen=True)
class Assessment:
    """The scores and the level; ``level`` is None until every question is answered."""

    raw_score: int
    max_raw_score: int
    mitigation_score: int
    max_mitigation_score: int
    mitigation_applied: bool
    current_hundredths: int  # the current score x 100, exact
    level: int | None
    unanswered: tuple[str, ...]


def _maximum(questions: Sequence[Question], kind: Kind) -> int:
    return sum(max(q.points.values()) for q in questions if q.kind == kind)


def _earned(questions: Sequence[Question], answers: Mapping[str, str], kind: Kind) -> int:
    return sum(q.points[answers[q.id]] for q in questions if q.kind == kind and q.id in answers)


def level_of(current_hundredths: int, max_raw_score: int, policy: Policy) -> int:
    """The level whose band holds the current score (a share of the maximum raw score)."""
    for level, ceiling in zip(LEVELS, policy.level_ceilings, strict=False):
        if current_hundredths <= ceiling * max_raw_score:  # current / max <= ceiling %
            return level
    return LEVELS[-1]


def assess(
    questions: Sequence[Question], answers: Mapping[str, str], policy: Policy | None = None
) -> Assessment:
    """Score the given answers; answers naming unknown questions or choices are ignored (the
    caller validates them first)."""
    policy = policy or Policy()
    valid = {q.id: answers[q.id] for q in questions if answers.get(q.id) in q.points}
    raw, max_raw = _earned(questions, valid, "risk"), _maximum(questions, "risk")
    mitigation = _earned(questions, valid, "mitigation")
    max_mitigation = _maximum(questions, "mitigation")
    applied = max_mitigation > 0 and (
        mitigation * 100 >= policy.mitigation_threshold * max_mitigation
    )
    current = raw * (100 - policy.mitigation_reduction) if applied else raw * 100
    unanswered = tuple(q.id for q in questions if q.id not in valid)
    level = None if unanswered else level_of(current, max_raw, policy)
    return Assessment(raw, max_raw, mitigation, max_mitigation, applied, current, level, unanswered)
