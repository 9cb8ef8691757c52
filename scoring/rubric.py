"""A judging rubric as plain data, and a review's exact weighted total.

A rubric is a tuple of criteria, each with an id, a weight (a positive int or Decimal), a scale
(integer minimum and maximum, minimum below maximum) and a required flag. The competition data
(``challenges/<slug>/rubric.yaml``) gives one scale for every criterion and integer weights
that add up to 100; :func:`rubric_from_data` takes that shape, but nothing here assumes the
weights add up to anything.

**Normalisation.** Each score is first placed on its own scale as a share of it,
``(score - min) / (max - min)``, so 0 at the scale's minimum and 1 at its maximum. The total is
the weighted mean of those shares over the criteria the review scores, times 100:

    total = 100 * sum(w_c * share_c) / sum(w_c)      (sums over the scored criteria)

so it lies in [0, 100] whatever the weights add up to, and an optional criterion left unscored
neither counts as zero nor changes the other criteria's relative weights.

**Exactness.** The arithmetic is done in fractions; the one division is rounded once, to 28
significant digits half-even in a private decimal context (the caller's context is never used),
so the same review always gives the same Decimal, and a total is exact whenever it has a
terminating decimal expansion of that length (always, for weights adding up to 100).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

Weight = int | Decimal
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


class RubricError(ValueError):
    """A rubric or review refused; ``criterion`` names the criterion at fault."""

    def __init__(self, criterion: str, reason: str) -> None:
        super().__init__(f"criterion {criterion!r}: {reason}")
        self.criterion = criterion
        self.reason = reason


class ScoreOutOfScale(RubricError):
    """A score below the criterion's minimum, above its maximum, or not an integer."""


class MissingCriterion(RubricError):
    """A required criterion the review does not score."""


class UnknownCriterion(RubricError):
    """A review scores a criterion the rubric does not have."""


@dataclass(frozen=True)
class Criterion:
    """One criterion; invariants: ``weight > 0`` and ``scale_min < scale_max``."""

    id: str
    weight: Weight
    scale_min: int
    scale_max: int
    required: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.weight, bool) or not isinstance(self.weight, int | Decimal):
            raise RubricError(self.id, "the weight must be an int or a Decimal")
        if isinstance(self.weight, Decimal) and not self.weight.is_finite():
            raise RubricError(self.id, "the weight must be finite")
        if self.weight <= 0:
            raise RubricError(self.id, "the weight must be positive")
        if self.scale_min >= self.scale_max:
            raise RubricError(self.id, "scale_max must be above scale_min")


@dataclass(frozen=True)
class Rubric:
    """Criteria with unique ids; invariant: at least one criterion."""

    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        if not self.criteria:
            raise RubricError("", "a rubric needs at least one criterion")
        seen: set[str] = set()
        for criterion in self.criteria:
            if criterion.id in seen:
                raise RubricError(criterion.id, "the id appears twice")
            seen.add(criterion.id)

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with that id; UnknownCriterion when there is none."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise UnknownCriterion(criterion_id, "not in the rubric")


def rubric_from_data(
    *, scale_min: int, scale_max: int, criteria: Sequence[Mapping[str, Any]]
) -> Rubric:
    """A rubric from the competition data's shape: one scale for all, ``id``/``weight`` per
    criterion, ``required`` optional (default True) and other keys (names) ignored."""
    return Rubric(
        tuple(
            Criterion(
                id=str(c["id"]),
                weight=c["weight"],
                scale_min=scale_min,
                scale_max=scale_max,
                required=bool(c.get("required", True)),
            )
            for c in criteria
        )
    )


def _share(criterion: Criterion, score: object) -> Fraction:
    if isinstance(score, bool) or not isinstance(score, int):
        raise ScoreOutOfScale(criterion.id, f"the score {score!r} is not an integer")
    if not criterion.scale_min <= score <= criterion.scale_max:
        raise ScoreOutOfScale(
            criterion.id,
            f"the score {score} is outside {criterion.scale_min}..{criterion.scale_max}",
        )
    return Fraction(score - criterion.scale_min, criterion.scale_max - criterion.scale_min)


def check(*, rubric: Rubric, review: Mapping[str, int]) -> None:
    """Refuse (a RubricError subclass naming the criterion) an unknown criterion, a score off
    its scale, or a required criterion left unscored; checked in that order."""
    for criterion_id in sorted(review):
        _share(rubric.criterion(criterion_id), review[criterion_id])
    for criterion in rubric.criteria:
        if criterion.required and criterion.id not in review:
            raise MissingCriterion(criterion.id, "required but not scored")


def total_fraction(*, rubric: Rubric, review: Mapping[str, int]) -> Fraction:
    """The exact total in [0, 100] as a fraction (see the module docstring)."""
    check(rubric=rubric, review=review)
    scored = [c for c in rubric.criteria if c.id in review]
    weights = sum((Fraction(c.weight) for c in scored), Fraction(0))
    if weights == 0:
        raise MissingCriterion("", "the review scores no criterion")
    earned = sum((Fraction(c.weight) * _share(c, review[c.id]) for c in scored), Fraction(0))
    return 100 * earned / weights


def total(*, rubric: Rubric, review: Mapping[str, int]) -> Decimal:
    """The total in [0, 100] as a Decimal, rounded once to 28 significant digits half-even;
    raises a RubricError subclass naming the criterion when the review is refused."""
    exact = total_fraction(rubric=rubric, review=review)
    return _CONTEXT.divide(Decimal(exact.numerator), Decimal(exact.denominator))


def to_json(*, rubric: Rubric) -> str:
    """The rubric as JSON; weights as strings, so a Decimal weight survives the round trip."""
    return json.dumps(
        [
            {
                "id": c.id,
                "weight": str(c.weight),
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "required": c.required,
            }
            for c in rubric.criteria
        ]
    )


def from_json(text: str) -> Rubric:
    """The rubric :func:`to_json` wrote; integer-valued weights come back as ints."""
    rows = json.loads(text)
    return Rubric(
        tuple(
            Criterion(
                id=r["id"],
                weight=_weight(r["weight"]),
                scale_min=r["scale_min"],
                scale_max=r["scale_max"],
                required=r["required"],
            )
            for r in rows
        )
    )


def _weight(text: str) -> Weight:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else value
