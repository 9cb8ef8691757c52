"""The eligibility engine: a competition's rules evaluated for a team and each member.

Pure functions over plain values: no session, no clock. Results are three-valued: a rule
"passes", "fails", or is "unknown" when the data it needs is missing (an incomplete profile);
unknown never counts as passing. Age is known only as a bracket, so an age test passes or fails
only when the whole bracket does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from app.competitions.catalogue_schemas import Attribute, Condition, EligibilityFile, Rule

Outcome = Literal["pass", "fail", "unknown"]
Value = str | int | bool | None

AGE_BRACKETS: Mapping[str, tuple[int, int | None]] = {
    "under-18": (0, 17),
    "18-29": (18, 29),
    "30-plus": (30, None),
}
PERSONAL = (Attribute.COUNTRY, Attribute.AGE, Attribute.SECTOR)


@dataclass(frozen=True)
class Member:
    user_id: int
    country_of_residence: str | None = None
    age_bracket: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class TeamFacts:
    captain_id: int
    members: tuple[Member, ...]
    guardian_named: bool = False
    funding_attestation: bool = False


@dataclass(frozen=True)
class Override:
    result: Literal["pass", "fail"]
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Verdict:
    """An outcome and, when unknown, the attributes that were missing."""

    result: Outcome
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MemberOutcome:
    user_id: int
    verdict: Verdict


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    computed: Verdict
    members: tuple[MemberOutcome, ...] = ()
    override: Override | None = None

    @property
    def result(self) -> Outcome:
        return self.override.result if self.override else self.computed.result


@dataclass(frozen=True)
class Report:
    rules: tuple[RuleResult, ...]
    may_participate: bool
    may_receive_funding: bool
    flags: tuple[str, ...] = field(default=())

    @property
    def recognition_only(self) -> bool:
        return self.may_participate and not self.may_receive_funding


def _all(verdicts: Iterable[Verdict]) -> Verdict:
    found = list(verdicts)
    if any(v.result == "fail" for v in found):
        return Verdict("fail")
    missing = frozenset().union(*(v.missing for v in found if v.result == "unknown"))
    unknown = any(v.result == "unknown" for v in found)
    return Verdict("unknown", missing) if unknown else Verdict("pass")


def _any(verdicts: Iterable[Verdict]) -> Verdict:
    found = list(verdicts)
    if any(v.result == "pass" for v in found):
        return Verdict("pass")
    missing = frozenset().union(*(v.missing for v in found if v.result == "unknown"))
    unknown = any(v.result == "unknown" for v in found)
    return Verdict("unknown", missing) if unknown else Verdict("fail")


def _bound(low: int, high: int | None, at_least: int | None, at_most: int | None) -> Outcome:
    """A test on a range of possible values: pass if every value passes, fail if none does."""
    outcomes: list[Outcome] = []
    if at_least is not None:
        outcomes.append(
            "pass"
            if low >= at_least
            else "fail"
            if high is not None and high < at_least
            else "unknown"
        )
    if at_most is not None:
        outcomes.append(
            "pass"
            if high is not None and high <= at_most
            else "fail"
            if low > at_most
            else "unknown"
        )
    return _all(Verdict(o) for o in outcomes).result


def brackets_decide(*, at_least: int | None = None, at_most: int | None = None) -> bool:
    """Whether every age bracket passes or fails these bounds: bounds that cut a bracket
    leave its people "unknown" whatever their profile says."""
    return all(
        _bound(low, high, at_least, at_most) != "unknown" for low, high in AGE_BRACKETS.values()
    )


def _test(condition: Condition, value: Value, sets: Mapping[str, list[str]]) -> Outcome:
    attribute = condition.attribute
    if attribute is Attribute.AGE:
        low, high = AGE_BRACKETS[str(value)]
        outcome = _bound(low, high, condition.at_least, condition.at_most)
        if condition.equals is not None and outcome != "fail":
            same = low == high == condition.equals
            inside = isinstance(condition.equals, int) and low <= condition.equals <= (high or 200)
            outcome = "pass" if same else "unknown" if inside else "fail"
        return outcome
    checks: list[bool] = []
    if condition.in_sets is not None:
        checks.append(any(value in sets.get(name, []) for name in condition.in_sets))
    if condition.one_of is not None:
        checks.append(str(value) in condition.one_of)
    if condition.equals is not None:
        checks.append(value == condition.equals)
    if isinstance(value, int) and not isinstance(value, bool):
        checks.append(_bound(value, value, condition.at_least, condition.at_most) == "pass")
    return "pass" if all(checks) else "fail"


def check(
    condition: Condition, facts: Mapping[str, Value], sets: Mapping[str, list[str]]
) -> Verdict:
    """Evaluate ``condition`` against ``facts`` (attribute name -> value; missing or None:
    unknown)."""
    if condition.all is not None:
        return _all(check(c, facts, sets) for c in condition.all)
    if condition.any is not None:
        return _any(check(c, facts, sets) for c in condition.any)
    if condition.not_ is not None:
        inner = check(condition.not_, facts, sets)
        flipped: dict[Outcome, Outcome] = {"pass": "fail", "fail": "pass", "unknown": "unknown"}
        return Verdict(flipped[inner.result], inner.missing)
    assert condition.attribute is not None  # the schema guarantees an attribute or a combinator
    value = facts.get(condition.attribute.value)
    if value is None or (condition.attribute is Attribute.AGE and value not in AGE_BRACKETS):
        return Verdict("unknown", frozenset({condition.attribute.value}))
    return Verdict(_test(condition, value, sets))


def _team_facts(team: TeamFacts) -> dict[str, Value]:
    return {
        Attribute.TEAM_SIZE.value: len(team.members),
        Attribute.GUARDIAN_NAMED.value: team.guardian_named,
        Attribute.FUNDING_ATTESTATION.value: team.funding_attestation,
    }


def _member_facts(team: TeamFacts, member: Member) -> dict[str, Value]:
    return {
        **_team_facts(team),
        Attribute.COUNTRY.value: member.country_of_residence,
        Attribute.AGE.value: member.age_bracket,
        Attribute.SECTOR.value: member.sector,
    }


def evaluate_rule(
    rule: Rule, team: TeamFacts, sets: Mapping[str, list[str]], override: Override | None = None
) -> RuleResult:
    if rule.applies_to == "team":
        return RuleResult(rule, check(rule.condition, _team_facts(team), sets), (), override)
    if rule.applies_to == "primary_contact":
        subjects = [m for m in team.members if m.user_id == team.captain_id]
    else:
        subjects = sorted(team.members, key=lambda m: m.user_id)
    outcomes = tuple(
        MemberOutcome(m.user_id, check(rule.condition, _member_facts(team, m), sets))
        for m in subjects
    )
    computed = _all(o.verdict for o in outcomes) if outcomes else Verdict("unknown")
    return RuleResult(rule, computed, outcomes, override)


def evaluate(
    eligibility: EligibilityFile,
    team: TeamFacts,
    overrides: Mapping[str, Override] | None = None,
) -> Report:
    """Every rule for the team, and the summary: taking part, funding, flags."""
    overrides = overrides or {}
    results = tuple(
        evaluate_rule(rule, team, eligibility.country_sets, overrides.get(rule.id))
        for rule in eligibility.rules
    )

    def passes(level: str) -> bool:
        return all(r.result == "pass" for r in results if r.rule.level == level)

    participate = passes("participation")
    return Report(
        rules=results,
        may_participate=participate,
        may_receive_funding=participate and passes("funding"),
        flags=tuple(r.rule.id for r in results if r.rule.level == "flag" and r.result == "pass"),
    )
