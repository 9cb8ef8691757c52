"""An entry's algorithmic impact assessment: the competition's questionnaire (``impact.yaml``),
the entry's answers (the ``impact_assessment`` key of its answers, versioned with them) and the
level that :mod:`scoring.impact` computes from them.

The result travels with the entry: in every read of it, and frozen into the receipt's snapshot,
so the level judges read is the level of the version that was finalized.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.competitions import service as competitions
from app.competitions.catalogue import IMPACT_ANSWERS
from app.competitions.catalogue_schemas import ImpactFile
from app.competitions.models import Competition
from scoring import impact as scoring

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def questionnaire_of(competition: Competition) -> ImpactFile | None:
    if competition.impact_assessment is None:
        return None
    return competitions.parsed(competition, "impact_assessment", ImpactFile)


def given(answers: dict[str, Any]) -> dict[str, str]:
    """The questionnaire's answers inside an entry's answers (unanswered questions left out)."""
    value = answers.get(IMPACT_ANSWERS)
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)}


def assess(questionnaire: ImpactFile, answers: dict[str, Any]) -> scoring.Assessment:
    questions = [
        scoring.Question(q.id, q.kind, {c.id: c.points for c in q.choices})
        for q in questionnaire.questions
    ]
    policy = scoring.Policy(
        level_ceilings=questionnaire.level_ceilings,
        mitigation_threshold=questionnaire.mitigation_threshold,
        mitigation_reduction=questionnaire.mitigation_reduction,
    )
    return scoring.assess(questions, given(answers), policy)


def summary(questionnaire: ImpactFile | None, answers: dict[str, Any]) -> dict[str, Any] | None:
    """The scores and level as plain JSON (for the API and the receipt); None without a
    questionnaire. ``level`` is null until every question is answered."""
    if questionnaire is None:
        return None
    result = assess(questionnaire, answers)
    return {
        "level": result.level,
        "level_name": ROMAN[result.level] if result.level else None,
        "raw_score": result.raw_score,
        "max_raw_score": result.max_raw_score,
        "mitigation_score": result.mitigation_score,
        "max_mitigation_score": result.max_mitigation_score,
        "mitigation_applied": result.mitigation_applied,
        "current_score": str(Decimal(result.current_hundredths) / 100),
        "unanswered": list(result.unanswered),
    }


def report(questionnaire: ImpactFile, answers: dict[str, Any], lang: str) -> dict[str, Any]:
    """Every question with the answer chosen, in ``lang``, and the result with the level's
    description: what a judge reads beside the entry."""
    chosen = given(answers)
    rows = []
    for question in questionnaire.questions:
        choice = next((c for c in question.choices if c.id == chosen.get(question.id)), None)
        rows.append(
            {
                "id": question.id,
                "kind": question.kind,
                "area": question.area.get(lang),
                "text": question.text.get(lang),
                "answer": choice.id if choice else None,
                "answer_label": choice.label.get(lang) if choice else None,
                "points": choice.points if choice else None,
                "max_points": max(c.points for c in question.choices),
            }
        )
    result = summary(questionnaire, answers)
    assert result is not None
    level = result["level"]
    described = questionnaire.levels[level].get(lang) if level else None
    return {
        "name": questionnaire.name.get(lang),
        "questions": rows,
        **result,
        "level_text": described,
    }
