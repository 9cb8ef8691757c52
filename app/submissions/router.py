"""The submissions API: drafts and versions, finalization and receipts, withdrawal, extensions.

POSTs take an ``Idempotency-Key``: the first successful response is kept for the caller and key,
and a retry with the same request gets it back without doing anything again. Refusals are not
kept (they changed nothing), so a retry of a refused request is decided afresh.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.access.rules import Permission
from app.core.clock import ClockDep
from app.core.db import SessionDep, pk
from app.core.errors import (
    PROBLEM_MEDIA_TYPE,
    NotFound,
    problem_response,
    request_language,
)
from app.core.http import LangDep
from app.core.idempotency import Attempt, IdempotencyKeyHeader
from app.core.text import UnicodeJson, UnicodeKey
from app.identity.dependencies import ActorDep, access
from app.submissions import attachments_router, impact, receipts, service, states
from app.submissions.context import EntryContext, local_time, person_of, with_entry
from app.submissions.dependencies import Editing, Id, Readable, entry_for, team_for
from app.submissions.models import Receipt
from app.submissions.schemas import (
    ExtensionIn,
    ExtensionOut,
    ImpactReportOut,
    ReceiptOut,
    SubmissionOut,
    SubmissionsOut,
    VersionOut,
    VersionsOut,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["submissions"])
IfMatch = Annotated[
    str | None, Header(max_length=100, description="The version being changed, or * for any")
]
Answers = Annotated[
    dict[UnicodeKey, UnicodeJson], Body(description="Answers keyed by the form's field ids")
]


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _out(session: Session, context: EntryContext) -> SubmissionOut:
    submission, competition = context.submission, context.competition
    version = service.version_of(session, submission, submission.current_version)
    standing = states.standing(session, submission)
    return SubmissionOut(
        id=pk(submission),
        team_id=pk(context.team),
        competition=competition.slug,
        challenge=context.challenge.slug,
        status=standing.status,
        version=version.number,
        answers=version.answers,
        author_id=version.author_id,
        saved_at=version.created_at,
        created_at=submission.created_at,
        deadline=context.closes_at,
        deadline_local=local_time(context.closes_at, competition),
        finalized_version=standing.receipt_version,
        changed_since_finalized=standing.changed_since_finalized,
        receipt_id=standing.receipt.id if standing.receipt else None,
        impact_assessment=impact.summary(impact.questionnaire_of(competition), version.answers),
    )


def _receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=pk(receipt),
        submission_id=receipt.submission_id,
        version=receipt.version,
        finalized_at=receipt.finalized_at,
        finalized_by=receipt.finalized_by,
        superseded_at=receipt.superseded_at,
        algorithm=receipts.ALGORITHM,
        digest=receipt.digest,
        recipe=receipts.RECIPE,
        canonical=receipts.canonical(receipt.snapshot),
        snapshot=receipt.snapshot,
    )


@router.post(
    "/teams/{team_id}/submissions",
    response_model=SubmissionOut,
    status_code=201,
    **access(Permission.EDIT_SUBMISSION, 404, 409, 422),
)
def create_submission(
    team_id: Id,
    answers: Answers,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """A draft for one problem statement (named in the form's challenge field): one per team
    per problem statement, within the competition's limit. Drafts may be incomplete; types
    and word limits are always checked."""
    now, user = clock.now(), person_of(actor)
    attempt = Attempt.of(request, session, pk(user), idempotency_key, now, answers)
    if attempt.replayed is not None:
        return attempt.replayed
    context = team_for(session, actor, team_id, Permission.EDIT_SUBMISSION, now)
    submission, version = service.create(
        session, context=context, by=actor, answers=answers, now=now
    )
    out = _out(session, with_entry(session, context, submission))
    return attempt.respond(201, out, _etag(version.number))


@router.get(
    "/teams/{team_id}/submissions",
    response_model=SubmissionsOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def list_submissions(
    team_id: Id, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> SubmissionsOut:
    """The team's entries, withdrawn ones included, oldest first: for its members and the
    competition's organizers."""
    context = team_for(session, actor, team_id, Permission.READ_SUBMISSION, clock.now())
    entries = service.entries_of(session, team=context.team)
    return SubmissionsOut(
        team_id=team_id,
        submissions=[_out(session, with_entry(session, context, s)) for s in entries],
    )


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def read_submission(found: Readable, session: SessionDep) -> Response:
    """The current version, for the team's members and the competition's organizers. The ETag
    is the version number, for ``If-Match``."""
    out = _out(session, found)
    return JSONResponse(jsonable_encoder(out), headers=_etag(out.version))


@router.get(
    "/submissions/{submission_id}/versions",
    response_model=VersionsOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def read_versions(found: Readable, session: SessionDep) -> VersionsOut:
    """Every saved version, oldest first."""
    submission = found.submission
    return VersionsOut(
        submission_id=pk(submission),
        versions=[
            VersionOut(
                number=v.number, answers=v.answers, author_id=v.author_id, created_at=v.created_at
            )
            for v in service.versions(session, submission)
        ],
    )


@router.get(
    "/submissions/{submission_id}/impact-assessment",
    response_model=ImpactReportOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def read_impact_assessment(found: Readable, session: SessionDep, lang: LangDep) -> ImpactReportOut:
    """The current version's answers to the algorithmic impact questionnaire, each question
    with the answer chosen and its points, and the impact level they give: what judges read
    beside the entry. 404 when the competition has no questionnaire."""
    submission = found.submission
    questionnaire = impact.questionnaire_of(found.competition)
    if questionnaire is None:
        raise NotFound("This competition has no impact questionnaire.")
    answers = service.version_of(session, submission, submission.current_version).answers
    report = impact.report(questionnaire, answers, lang)
    return ImpactReportOut(
        submission_id=pk(submission), version=submission.current_version, **report
    )


@router.patch(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    **access(Permission.EDIT_SUBMISSION, 404, 409, 412, 422, 428),
)
def update_submission(
    change: Editing, answers: Answers, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Merge the given answers over the current ones (``null`` clears a field) as the next
    version. Needs ``If-Match`` with the current version (or ``*``): 428 without, 412 when
    stale."""
    version = service.save(
        session,
        context=change.context,
        by=change.by,
        patch=answers,
        if_match=if_match,
        now=change.now,
    )
    out = _out(session, change.context)
    return JSONResponse(jsonable_encoder(out), headers=_etag(version.number))


@router.post(
    "/submissions/{submission_id}/finalize",
    response_model=ReceiptOut,
    **access(Permission.FINALIZE_SUBMISSION, 404, 409, 422),
)
def finalize(
    submission_id: Id,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Before the team's deadline, with the team eligible and every required field answered:
    freeze the current version and return its receipt, e-mailed to every member. Finalizing a
    later version supersedes the earlier receipt; the same version gives the same receipt."""
    now, user = clock.now(), person_of(actor)
    attempt = Attempt.of(request, session, pk(user), idempotency_key, now)
    if attempt.replayed is not None:
        return attempt.replayed
    context = entry_for(
        session, actor, submission_id, Permission.FINALIZE_SUBMISSION, now, lock=True
    )
    receipt, _new = service.finalize(
        session, context=context, by=actor, now=now,
        settings=request.app.state.settings,
    )  # fmt: skip
    return attempt.respond(200, _receipt_out(receipt))


@router.get(
    "/submissions/{submission_id}/receipt",
    response_model=ReceiptOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def read_receipt(found: Readable, session: SessionDep) -> ReceiptOut:
    """The current receipt with its canonical snapshot, so anyone can recompute the digest."""
    receipt = states.current_receipt(session, found.submission)
    if receipt is None:
        raise NotFound("This entry has not been finalized.")
    return _receipt_out(receipt)


@router.post(
    "/submissions/{submission_id}/withdraw",
    response_model=SubmissionOut,
    **access(Permission.WITHDRAW_SUBMISSION, 404, 409),
)
def withdraw(
    submission_id: Id,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Withdraw the entry, until the deadline. A withdrawn entry cannot be changed."""
    now, user = clock.now(), person_of(actor)
    attempt = Attempt.of(request, session, pk(user), idempotency_key, now)
    if attempt.replayed is not None:
        return attempt.replayed
    context = entry_for(
        session, actor, submission_id, Permission.WITHDRAW_SUBMISSION, now, lock=True
    )
    service.withdraw(session, context=context, by=actor, now=now)
    out = _out(session, context)
    return attempt.respond(200, out)


@router.post(
    "/teams/{team_id}/extensions",
    response_model=ExtensionOut,
    status_code=201,
    **access(Permission.GRANT_EXTENSION, 404, 409, 422),
)
def grant_extension(
    team_id: Id, body: ExtensionIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> ExtensionOut:
    """An organizer moves one team's deadline, with a written reason. Audited."""
    now = clock.now()
    context = team_for(session, actor, team_id, Permission.GRANT_EXTENSION, now)
    row = service.grant_extension(
        session, context=context, until=body.until, reason=body.reason, now=now, actor=actor.label
    )
    return ExtensionOut(
        team_id=pk(context.team),
        until=row.until,
        reason=row.reason,
        granted_by=row.granted_by,
        granted_at=row.granted_at,
    )


async def _stale(request: Request, exc: Exception) -> Response:
    """412 with the current version and its answers, so the caller can merge and retry."""
    assert isinstance(exc, service.StaleVersion)
    problem = problem_response(
        request, status=412, kind=exc.kind, title=exc.title, detail=exc.detail, params=exc.params
    )
    body = json.loads(bytes(problem.body))
    body.update(current_version=exc.number, answers=exc.answers)
    return JSONResponse(
        body,
        status_code=412,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": request_language(request), **_etag(exc.number)},
    )


def install(app: FastAPI) -> None:
    """The routes and the rendering of the problem that carries more than a message."""
    app.include_router(router)
    app.include_router(attachments_router.router)
    app.add_exception_handler(service.StaleVersion, _stale)
