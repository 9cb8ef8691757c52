"""The eligibility engine as pure functions: examples and properties."""

from __future__ import annotations

import random
from functools import cache

import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.competitions.catalogue_schemas import EligibilityFile
from app.core.config import ROOT
from app.teams.eligibility import AGE_BRACKETS, Member, TeamFacts, evaluate

COUNTRIES = ["CA", "FR", "DE", "JP", "BR", "CN", "IN", None]


@cache
def g7() -> EligibilityFile:
    path = ROOT / "challenges" / "g7-govai-2025" / "eligibility.yaml"
    return EligibilityFile.model_validate(yaml.safe_load(path.read_text()))


def members(start: int = 1) -> st.SearchStrategy[list[Member]]:
    one = st.builds(
        Member,
        user_id=st.integers(min_value=start, max_value=start + 10_000),
        country_of_residence=st.sampled_from(COUNTRIES),
        age_bracket=st.sampled_from([*AGE_BRACKETS, None]),
    )
    return st.lists(one, min_size=1, max_size=4, unique_by=lambda m: m.user_id)


def _team(people: list[Member], **declared: bool) -> TeamFacts:
    return TeamFacts(captain_id=people[0].user_id, members=tuple(people), **declared)


def _summary(team: TeamFacts) -> tuple[bool, bool, tuple[str, ...], list[str]]:
    report = evaluate(g7(), team)
    return (
        report.may_participate,
        report.may_receive_funding,
        report.flags,
        [r.result for r in report.rules],
    )


def test_age_is_judged_by_bracket() -> None:
    def flags(bracket: str) -> tuple[str, ...]:
        return evaluate(g7(), _team([Member(1, "CA", bracket)])).flags

    assert flags("18-29") == ("pool-18-29",)
    assert flags("30-plus") == () and flags("under-18") == ()


def test_a_lone_resident_adult_may_take_part_but_funding_needs_the_attestation() -> None:
    alone = [Member(1, "IT", "30-plus")]
    assert _summary(_team(alone))[:2] == (True, False)
    assert evaluate(g7(), _team(alone)).recognition_only
    assert _summary(_team(alone, funding_attestation=True))[:2] == (True, True)


@given(members(), st.sampled_from(["BR", "CN", "IN"]), st.booleans(), st.booleans())
def test_a_member_failing_residence_never_makes_a_team_eligible(
    people: list[Member], country: str, guardian: bool, attested: bool
) -> None:
    outsider = Member(user_id=99_999, country_of_residence=country, age_bracket="30-plus")
    team = _team([*people[:3], outsider], guardian_named=guardian, funding_attestation=attested)
    assert evaluate(g7(), team).may_participate is False


@given(members(), st.randoms(use_true_random=False), st.booleans())
def test_results_do_not_depend_on_member_order(
    people: list[Member], rng: random.Random, attested: bool
) -> None:
    shuffled = list(people)
    rng.shuffle(shuffled)
    team = _team(people, funding_attestation=attested)
    reordered = TeamFacts(team.captain_id, tuple(shuffled), funding_attestation=attested)
    assert _summary(team) == _summary(reordered)


@given(members())
def test_funding_implies_participation_and_recognition_excludes_funding(
    people: list[Member],
) -> None:
    report = evaluate(g7(), _team(people, funding_attestation=True))
    assert not report.may_receive_funding or report.may_participate
    assert not (report.recognition_only and report.may_receive_funding)


@given(members())
def test_unknown_never_counts_as_passing(people: list[Member]) -> None:
    blank = [Member(m.user_id) for m in people]
    report = evaluate(g7(), _team(blank, funding_attestation=True))
    assert report.may_participate is False
    assert next(r for r in report.rules if r.rule.id == "residence-g7-eu").result == "unknown"
