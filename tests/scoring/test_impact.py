"""The AIA arithmetic: worked examples on the boundaries, and properties that must hold for
any questionnaire and any answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scoring.impact import Policy, Question, assess, level_of

RISK = [Question(f"r{i}", "risk", {"low": 0, "mid": 2, "high": 5}) for i in range(4)]  # max 20
MITIGATION = [Question(f"m{i}", "mitigation", {"no": 0, "yes": 1}) for i in range(5)]  # max 5


def _answers(risk: list[str], mitigation: list[str]) -> dict[str, str]:
    return {
        **{f"r{i}": a for i, a in enumerate(risk)},
        **{f"m{i}": a for i, a in enumerate(mitigation)},
    }


def test_the_bands_are_shares_of_the_maximum_raw_score_with_inclusive_ceilings() -> None:
    policy = Policy()
    # Maximum raw score 20: level I up to 5 points (25 %), II up to 10, III up to 15, IV above.
    assert [level_of(points * 100, 20, policy) for points in (0, 5, 6, 10, 11, 15, 16, 20)] == [
        1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip
    assert level_of(501, 20, policy) == 2  # 5.01 points: 25.05 %, just over the ceiling


def test_mitigation_from_eighty_percent_takes_fifteen_percent_off() -> None:
    risk = ["high", "high", "mid", "low"]  # 12 of 20: 60 %, level III
    three_of_five = assess(RISK + MITIGATION, _answers(risk, ["yes"] * 3 + ["no"] * 2))
    assert (three_of_five.mitigation_score, three_of_five.mitigation_applied) == (3, False)
    assert (three_of_five.current_hundredths, three_of_five.level) == (1200, 3)
    four_of_five = assess(RISK + MITIGATION, _answers(risk, ["yes"] * 4 + ["no"]))
    assert four_of_five.mitigation_applied  # 4 of 5 is exactly 80 %
    assert (four_of_five.current_hundredths, four_of_five.level) == (1020, 3)  # 10.2: 51 %
    risk = ["high", "high", "low", "low"]  # 10 of 20: 50 %, level II either way
    assert assess(RISK + MITIGATION, _answers(risk, ["yes"] * 5)).current_hundredths == 850


def test_the_level_waits_for_every_answer_and_ignores_unknown_choices() -> None:
    partial = assess(RISK + MITIGATION, {"r0": "high", "r1": "maybe", "zz": "high"})
    assert partial.level is None and partial.raw_score == 5
    assert partial.unanswered == ("r1", "r2", "r3", "m0", "m1", "m2", "m3", "m4")


risk_answers = st.lists(st.sampled_from(["low", "mid", "high"]), min_size=4, max_size=4)
mitigation_answers = st.lists(st.sampled_from(["no", "yes"]), min_size=5, max_size=5)


@given(risk_answers, mitigation_answers, st.integers(0, 3))
def test_more_risk_never_lowers_the_level(risk: list[str], mitigation: list[str], i: int) -> None:
    before = assess(RISK + MITIGATION, _answers(risk, mitigation))
    riskier = [*risk]
    riskier[i] = "high"
    after = assess(RISK + MITIGATION, _answers(riskier, mitigation))
    assert before.level is not None and after.level is not None
    assert after.level >= before.level


@given(risk_answers, mitigation_answers, st.integers(0, 4))
def test_more_mitigation_never_raises_the_level(
    risk: list[str], mitigation: list[str], i: int
) -> None:
    before = assess(RISK + MITIGATION, _answers(risk, mitigation))
    safer = [*mitigation]
    safer[i] = "yes"
    after = assess(RISK + MITIGATION, _answers(risk, safer))
    assert after.level is not None and before.level is not None
    assert after.level <= before.level
    assert after.current_hundredths <= before.current_hundredths


@given(mitigation_answers)
def test_no_risk_is_level_one_and_all_risk_without_safeguards_is_level_four(
    mitigation: list[str],
) -> None:
    assert assess(RISK + MITIGATION, _answers(["low"] * 4, mitigation)).level == 1
    assert assess(RISK + MITIGATION, _answers(["high"] * 4, ["no"] * 5)).level == 4
