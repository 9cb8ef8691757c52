"""Rubric totals: worked examples on the G7 rubric's shape, refusals naming the criterion, and
properties (JSON round trip to 1e-9, permutation invariance, bounds, weight scaling)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from random import Random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rubric import (
    Criterion,
    MissingCriterion,
    Rubric,
    RubricError,
    ScoreOutOfScale,
    UnknownCriterion,
    from_json,
    rubric_from_data,
    to_json,
    total,
    total_fraction,
)

G7 = Path(__file__).parents[2] / "challenges" / "g7-govai-2025" / "rubric.yaml"


def _g7() -> Rubric:
    data = yaml.safe_load(G7.read_text(encoding="utf-8"))
    return rubric_from_data(
        scale_min=data["scale_min"], scale_max=data["scale_max"], criteria=data["criteria"]
    )


def test_the_g7_rubric_totals_are_exact_percentages() -> None:
    rubric = _g7()
    ids = [c.id for c in rubric.criteria]
    assert total(rubric=rubric, review=dict.fromkeys(ids, 1)) == Decimal(0)
    assert total(rubric=rubric, review=dict.fromkeys(ids, 5)) == Decimal(100)
    # impact 30 at 5 (share 1), the rest at 3 (share 1/2): 30 + 70 / 2 = 65
    review = {**dict.fromkeys(ids, 3), "impact": 5}
    assert total(rubric=rubric, review=review) == Decimal(65)
    review = {**dict.fromkeys(ids, 1), "explainability": 2}  # 15 x 1/4
    assert total(rubric=rubric, review=review) == Decimal("3.75")


def test_weights_need_not_add_up_to_one_and_an_optional_criterion_left_out_does_not_count() -> None:
    rubric = Rubric(
        (
            Criterion("a", 2, 0, 10),
            Criterion("b", Decimal("0.5"), 1, 5),
            Criterion("c", 1, 0, 2, required=False),
        )
    )
    # a: 2 x 1/2, b: 0.5 x 1 -> 1.5 / 2.5 = 60 %
    assert total(rubric=rubric, review={"a": 5, "b": 5}) == Decimal(60)
    # with c at 0: 1.5 / 3.5 = 300/7 %, rounded once to 28 digits
    thirds = total(rubric=rubric, review={"a": 5, "b": 5, "c": 0})
    assert thirds == Decimal("42.85714285714285714285714286")
    assert total_fraction(rubric=rubric, review={"a": 5, "b": 5, "c": 0}) == Fraction(300, 7)


def test_refusals_name_the_criterion() -> None:
    rubric = _g7()
    full = dict.fromkeys((c.id for c in rubric.criteria), 3)
    with pytest.raises(ScoreOutOfScale) as off:
        total(rubric=rubric, review={**full, "scalability": 6})
    assert off.value.criterion == "scalability" and "1..5" in str(off.value)
    with pytest.raises(ScoreOutOfScale):
        total(rubric=rubric, review={**full, "impact": 0})
    with pytest.raises(ScoreOutOfScale):
        total(rubric=rubric, review={**full, "impact": True})
    missing = {k: v for k, v in full.items() if k != "responsible-ai"}
    with pytest.raises(MissingCriterion) as absent:
        total(rubric=rubric, review=missing)
    assert absent.value.criterion == "responsible-ai"
    with pytest.raises(UnknownCriterion) as unknown:
        total(rubric=rubric, review={**full, "charisma": 4})
    assert unknown.value.criterion == "charisma"


def test_a_rubric_refuses_bad_criteria() -> None:
    with pytest.raises(RubricError, match="twice"):
        Rubric((Criterion("a", 1, 1, 5), Criterion("a", 1, 1, 5)))
    with pytest.raises(RubricError, match="positive"):
        Criterion("a", 0, 1, 5)
    with pytest.raises(RubricError, match="above"):
        Criterion("a", 1, 5, 5)
    with pytest.raises(RubricError, match="int or a Decimal"):
        Criterion("a", 0.5, 1, 5)  # type: ignore[arg-type]


@st.composite
def rubrics_and_reviews(draw: st.DrawFn) -> tuple[Rubric, dict[str, int]]:
    n = draw(st.integers(1, 8))
    criteria, review = [], {}
    for i in range(n):
        low = draw(st.integers(-5, 5))
        high = low + draw(st.integers(1, 10))
        weight = draw(
            st.integers(1, 100)
            | st.decimals(Decimal("0.001"), Decimal(50), places=3, allow_nan=False)
        )
        required = draw(st.booleans())
        criteria.append(Criterion(f"c{i}", weight, low, high, required))
        if required or draw(st.booleans()):
            review[f"c{i}"] = draw(st.integers(low, high))
    if not review:
        criteria[0] = Criterion("c0", criteria[0].weight, criteria[0].scale_min, 10, True)
        review["c0"] = criteria[0].scale_min
    return Rubric(tuple(criteria)), review


@settings(max_examples=150)
@given(rubrics_and_reviews())
def test_totals_are_reproducible_from_a_json_export(case: tuple[Rubric, dict[str, int]]) -> None:
    rubric, review = case
    exported = json.loads(json.dumps({"rubric": to_json(rubric=rubric), "review": review}))
    again = from_json(exported["rubric"])
    assert again == rubric
    assert total(rubric=again, review=exported["review"]) == total(rubric=rubric, review=review)
    # recomputed in floats from the export alone, by the formula the docstring states
    rows = json.loads(exported["rubric"])
    scored = [r for r in rows if r["id"] in review]
    shares = [
        (review[r["id"]] - r["scale_min"]) / (r["scale_max"] - r["scale_min"]) for r in scored
    ]
    weights = [float(r["weight"]) for r in scored]
    by_float = 100 * sum(w * s for w, s in zip(weights, shares, strict=True)) / sum(weights)
    assert abs(float(total(rubric=rubric, review=review)) - by_float) <= 1e-9


@settings(max_examples=100)
@given(rubrics_and_reviews(), st.randoms(use_true_random=False))
def test_the_order_of_criteria_and_of_the_review_does_not_matter(
    case: tuple[Rubric, dict[str, int]], random: Random
) -> None:
    rubric, review = case
    criteria = list(rubric.criteria)
    random.shuffle(criteria)
    keys = list(review)
    random.shuffle(keys)
    shuffled = {k: review[k] for k in keys}
    assert total(rubric=Rubric(tuple(criteria)), review=shuffled) == total(
        rubric=rubric, review=review
    )


@settings(max_examples=100)
@given(rubrics_and_reviews(), st.integers(2, 7))
def test_totals_are_bounded_and_scaling_every_weight_changes_nothing(
    case: tuple[Rubric, dict[str, int]], factor: int
) -> None:
    rubric, review = case
    value = total_fraction(rubric=rubric, review=review)
    assert 0 <= value <= 100
    scaled = Rubric(
        tuple(
            Criterion(c.id, c.weight * factor, c.scale_min, c.scale_max, c.required)
            for c in rubric.criteria
        )
    )
    assert total_fraction(rubric=scaled, review=review) == value
