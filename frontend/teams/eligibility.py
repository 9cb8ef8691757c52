"""The eligibility panel of the team page: every rule with its result and reason, in the page's
language, from the same report and reason texts as ``GET /api/v1/teams/{id}/eligibility``."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import N_, gettext
from app.teams import eligibility, reasons

RESULTS = {
    "pass": N_("Met"),
    "fail": N_("Not met"),
    "unknown": N_("Not known yet"),
}


@dataclass(frozen=True)
class MemberLine:
    name: str
    result: str
    label: str
    reason: str | None


@dataclass(frozen=True)
class RuleLine:
    id: str
    explanation: str
    result: str
    label: str
    reason: str | None
    members: tuple[MemberLine, ...]
    override_reason: str | None


@dataclass(frozen=True)
class Panel:
    participation: tuple[RuleLine, ...]
    funding: tuple[RuleLine, ...]
    flags: tuple[RuleLine, ...]
    may_participate: bool
    may_receive_funding: bool
    recognition_only: bool
    missing: str | None  # profile items still needed, when any rule is unknown for want of them


def _member(outcome: eligibility.MemberOutcome, names: dict[int, str], lang: str) -> MemberLine:
    verdict = outcome.verdict
    return MemberLine(
        name=names.get(outcome.user_id, "?"),
        result=verdict.result,
        label=gettext(lang, RESULTS[verdict.result]),
        reason=reasons.unknown_reason(verdict, lang),
    )


def _rule(result: eligibility.RuleResult, names: dict[int, str], lang: str) -> RuleLine:
    shown = result.result
    reason = None if result.override else reasons.unknown_reason(result.computed, lang)
    return RuleLine(
        id=result.rule.id,
        explanation=result.rule.explanation.get(lang),
        result=shown,
        label=gettext(lang, RESULTS[shown]),
        reason=reason,
        members=tuple(_member(m, names, lang) for m in result.members),
        override_reason=result.override.reason if result.override else None,
    )


def _missing(report: eligibility.Report, lang: str) -> str | None:
    """Every profile item an unknown result waits for, named once."""
    lacking = frozenset().union(
        *(r.computed.missing for r in report.rules if r.result == "unknown"),
        *(m.verdict.missing for r in report.rules if r.result == "unknown" for m in r.members),
    )
    return reasons.missing_fields(eligibility.Verdict("unknown", lacking), lang) or None


def panel(report: eligibility.Report, names: dict[int, str], lang: str) -> Panel:
    """The report shaped for the page; ``names`` maps member ids to their names."""

    def lines(level: str) -> tuple[RuleLine, ...]:
        return tuple(_rule(r, names, lang) for r in report.rules if r.rule.level == level)

    return Panel(
        participation=lines("participation"),
        funding=lines("funding"),
        flags=lines("flag"),
        may_participate=report.may_participate,
        may_receive_funding=report.may_receive_funding,
        recognition_only=report.recognition_only,
        missing=_missing(report, lang),
    )
