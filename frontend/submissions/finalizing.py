"""Review and finalize an entry, withdraw it, and its receipt.

Finalizing goes through ``service.finalize`` as the API does; it queues the receipt e-mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.access.rules import Permission
from app.competitions.schemas import localized
from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError, FieldError, NotFound
from app.core.i18n import N_, translator
from app.identity.actor import Actor
from app.identity.models import User
from app.submissions import impact, receipts, service, states
from app.submissions.context import EntryContext
from app.submissions.dependencies import entry_for
from app.teams import service as teams
from frontend import guards
from frontend.accounts.common import Form, form_page, page_router, see_other
from frontend.formatting import moment
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.submissions.common import (
    Entry,
    Viewed,
    field_views,
    label_of,
    refusal,
    utc_text,
)
from frontend.submissions.editor import common_context

router = page_router()
Token = Annotated[str, FormField(max_length=2000)]


def answer_rows(entry: Entry, answers: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    _ = translator(lang)
    rows = []
    for spec in field_views(entry.competition, lang):
        value = answers.get(spec.id)
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif spec.type == "challenge":
            value = common_title(entry, lang)
        rows.append({"id": spec.id, "label": spec.label, "type": spec.type, "value": value})
    return rows


def impact_rows(entry: Entry, answers: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The questionnaire as it will be frozen: each question with its answer, and the level."""
    questionnaire = impact.questionnaire_of(entry.competition)
    return impact.report(questionnaire, answers, lang) if questionnaire else None


def common_title(entry: Entry, lang: str) -> str:
    return localized(entry.challenge, "title", lang)


def eligibility_problems(session: Session, entry: Entry, lang: str) -> list[dict[str, str]]:
    """Rules for taking part or for funding that the team does not (yet) meet."""
    _ = translator(lang)
    report = teams.report(session, team=entry.team, roster=entry.roster)
    levels = {"participation": _("To take part"), "funding": _("To receive funding")}
    return [
        {"level": levels[row.rule.level], "text": row.rule.explanation.get(lang)}
        for row in report.rules
        if row.rule.level in levels and row.result != "pass"
    ]


def review_page(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: Entry,
    now: datetime,
    *,
    form: Form | None = None,
    status: int = 200,
) -> Response:
    _ = translator(lang)
    answers = service.version_of(session, entry.submission, entry.submission.current_version)
    entry_url = f"/{lang}/submissions/{entry.id}"
    missing = [
        {"label": label_of(entry, p.field, lang), "url": f"{entry_url}#{p.field}"}
        for p in service.missing_answers(entry.competition, answers.answers)
    ]
    return form_page(
        request,
        lang,
        "submission/review.html",
        _("Review and finalize the entry"),
        form=form,
        status=status,
        **common_context(session, entry, lang, now),
        version=answers.number,
        answers=answer_rows(entry, answers.answers, lang),
        impact=impact_rows(entry, answers.answers, lang),
        missing=missing,
        problems=eligibility_problems(session, entry, lang),
        editable=service.can_change(entry, actor, now),
        receipt=states.current_receipt(session, entry.submission),
    )


@router.get("/{lang}/submissions/{submission_id:int}/review")
def review(
    request: Request, lang: PageLang, entry: Viewed, session: SessionDep, clock: ClockDep,
    actor: SignedIn,
) -> Response:  # fmt: skip
    """Every answer as it will be frozen, what is still missing, and the Finalize button."""
    return review_page(request, lang, session, actor, entry, clock.now())


def _review_refused(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: EntryContext,
    clock: Clock,
    exc: AppError,
) -> Response:
    """The review page again with the reason, nothing written."""
    now = clock.now()
    form = refusal(lang, exc)
    return review_page(request, lang, session, actor, entry, now, form=form, status=exc.status)


def _finalize_refused(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: EntryContext,
    clock: Clock,
    exc: AppError,
) -> Response:
    """As ``_review_refused``; missing answers are listed on the page, so they are only named."""
    if not isinstance(exc, FieldError):
        return _review_refused(request, lang, session, actor, entry, clock, exc)
    _ = translator(lang)
    form = Form(
        message=_("The entry cannot be finalized yet: answer everything listed as missing.")
    )
    return review_page(
        request, lang, session, actor, entry, clock.now(), form=form, status=exc.status
    )


@router.post("/{lang}/submissions/{submission_id:int}/finalize")
@on_refusal(_finalize_refused)
def finalize(
    request: Request, lang: PageLang, entry: Viewed,
    session: SessionDep, clock: ClockDep, actor: SignedIn,
) -> Response:  # fmt: skip
    """Freeze the current version (303 to its receipt, e-mailed to every member)."""
    now, submission_id = clock.now(), entry.id
    entry = entry_for(session, actor, submission_id, Permission.FINALIZE_SUBMISSION, now, lock=True)
    service.finalize(
        session, context=entry, by=actor, now=now,
        settings=request.app.state.settings,
    )  # fmt: skip
    return see_other(f"/{lang}/submissions/{submission_id}/receipt")


@router.post("/{lang}/submissions/{submission_id:int}/withdraw")
@on_refusal(_review_refused)
def withdraw(
    request: Request, lang: PageLang, entry: Viewed, session: SessionDep, clock: ClockDep,
    actor: SignedIn, confirm: Annotated[str, FormField(max_length=10)] = "",
) -> Response:  # fmt: skip
    """Withdraw the entry once the person has ticked "I understand" (303 to the editor)."""
    now, submission_id = clock.now(), entry.id
    entry = entry_for(session, actor, submission_id, Permission.WITHDRAW_SUBMISSION, now, lock=True)
    if confirm != "yes":
        message = N_("Tick the box to confirm that you want to withdraw the entry.")
        raise FieldError(message, field="confirm")
    service.withdraw(session, context=entry, by=actor, now=now)
    return see_other(f"/{lang}/submissions/{submission_id}?done=withdrawn")


def finalized_by(session: Session, label: str) -> str:
    """The person behind an actor label ("user:3"), else the label itself."""
    kind, _, key = label.partition(":")
    user = session.get(User, int(key)) if kind == "user" and key.isdigit() else None
    return user.name if user else label


@router.get("/{lang}/submissions/{submission_id:int}/receipt")
def receipt(
    request: Request, lang: PageLang, entry: Viewed, session: SessionDep,
) -> Response:  # fmt: skip
    """The current receipt, printable, with how to recompute its digest; 404 until finalized."""
    _ = translator(lang)
    found = states.current_receipt(session, entry.submission)
    if found is None:
        raise guards.not_found(request, lang, NotFound("This entry has not been finalized."))
    return form_page(
        request,
        lang,
        "submission/receipt.html",
        _("Receipt of the entry"),
        entry=entry,
        entry_url=f"/{lang}/submissions/{entry.id}",
        team_url=f"/{lang}/teams/{entry.team.id}",
        challenge_title=common_title(entry, lang),
        receipt=found,
        at_local=moment(found.finalized_at, entry.competition.timezone, lang),
        at_utc=utc_text(found.finalized_at),
        by=finalized_by(session, found.finalized_by),
        files=found.snapshot.get("attachments", []),
        recipe_text=receipts.RECIPE_TEXT,
        recipe_code=receipts.RECIPE_CODE,
        canonical=receipts.canonical(found.snapshot),
    )
