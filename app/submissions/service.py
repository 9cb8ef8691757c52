"""Submissions: drafts, versions, finalization with receipts, withdrawal, deadline extensions.

Every change is audited in the caller's transaction; every refusal raises before anything is
written. Writes lock the submission row (``FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction already holds the database's write lock), so two members saving or finalizing the
same entry at once are serialized: the second sees the first's result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.access.rules import Permission
from app.competitions import service as competitions
from app.competitions.catalogue_schemas import FormFile
from app.competitions.models import Challenge, Competition
from app.core.config import Settings
from app.core.db import pk
from app.core.errors import (
    AppError,
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.core.i18n import N_
from app.identity.actor import Actor
from app.identity.models import User
from app.submissions import impact, receipts, validation
from app.submissions.context import (
    EntryContext,
    TeamContext,
    allowed,
    audit_entry,
    authorize,
    closed,
    extension_of,
    person_of,
    require_open,
)
from app.submissions.models import (
    ACTIVE,
    DeadlineExtension,
    Receipt,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from app.submissions.states import (
    attachment_digests,
    current_receipt,
    holds,
    set_status,
)
from app.teams import service as teams
from app.teams.models import Team


class StaleVersion(PreconditionFailed):
    """``If-Match`` names an older version; carries the current one to show the caller."""

    def __init__(self, version: SubmissionVersion) -> None:
        super().__init__(
            N_("Version %(version)s is the current one; yours is out of date."),
            version=version.number,
        )
        # plain values: the session rolls back (expiring the row) before the problem is shown
        self.number, self.answers = version.number, dict(version.answers)


def form_of(competition: Competition) -> FormFile:
    return competitions.parsed(competition, "form", FormFile)


def missing_answers(competition: Competition, answers: dict[str, Any]) -> list[FieldError]:
    """What finalizing would still ask for: required fields and unanswered impact questions."""
    questionnaire = impact.questionnaire_of(competition)
    return validation.missing_required(form_of(competition), answers, questionnaire)


def challenge_slugs(session: Session, competition: Competition) -> dict[str, Challenge]:
    return {c.slug: c for c in competitions.challenges(session, competition=competition)}


def member_or_refuse(context: TeamContext, user: User) -> None:
    if not context.is_member(user):
        raise NotFound("There is no team %(id)s.", id=context.team.id)


def _check(competition: Competition, answers: dict[str, Any], slugs: dict[str, Challenge]) -> None:
    questionnaire = impact.questionnaire_of(competition)
    problems = validation.check_answers(form_of(competition), answers, slugs, questionnaire)
    if problems:
        raise FieldError(problems)


def start_refusal(
    session: Session,
    *,
    context: TeamContext,
    user: User,
    now: datetime,
    challenge: Challenge | None = None,
) -> AppError | None:
    """Why ``user`` may not start an entry now (for ``challenge``, when named), or None: a
    member of the team, before its deadline, with an entry to spare and none yet for that
    challenge may."""
    if not context.is_member(user):
        return NotFound("There is no team %(id)s.", id=context.team.id)
    if (error := closed(context, now)) is not None:
        return error
    active = [s for s in entries_of(session, team=context.team) if s.status in ACTIVE]
    if challenge is not None and any(s.challenge_id == challenge.id for s in active):
        return Conflict("This team already has an entry for this problem statement.")
    if len(active) >= context.competition.max_challenges_per_team:
        return Conflict(
            "A team enters at most %(limit)s problem statement(s).",
            limit=context.competition.max_challenges_per_team,
        )
    return None


def can_start(session: Session, *, context: TeamContext, actor: Actor, now: datetime) -> bool:
    """Whether ``actor`` may start an entry now: what ``create`` would accept, as a boolean."""
    if actor.user is None or not allowed(context, actor, Permission.EDIT_SUBMISSION, now):
        return False
    return start_refusal(session, context=context, user=actor.user, now=now) is None


def create(
    session: Session,
    *,
    context: TeamContext,
    by: Actor,
    answers: dict[str, Any],
    now: datetime,
) -> tuple[Submission, SubmissionVersion]:
    """A draft for the problem statement named in ``answers``; version 1. Audited."""
    user = person_of(by)
    authorize(context, by, Permission.EDIT_SUBMISSION, now)
    member_or_refuse(context, user)
    require_open(context, now)
    team, competition = context.team, context.competition
    slugs = challenge_slugs(session, competition)
    answers = {k: v for k, v in answers.items() if v is not None}
    _check(competition, answers, slugs)
    field = validation.challenge_field(context.form)
    if field not in answers:
        raise FieldError(N_("This field is required."), field=field)
    challenge = slugs[answers[field]]
    teams.get_team(session, team_id=pk(team), lock=True)  # serializes drafts of one team
    if error := start_refusal(session, context=context, user=user, now=now, challenge=challenge):
        raise error
    submission = Submission(
        team_id=pk(team),
        competition_id=pk(competition),
        challenge_id=pk(challenge),
        current_version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(submission)
    session.flush()
    version = _add_version(session, submission, 1, answers, user, now)
    payload = {"submission": submission.id, "challenge": challenge.slug}
    audit_entry(session, context, "submission.created", now=now, actor=by.label, payload=payload)
    return submission, version


def _add_version(
    session: Session,
    submission: Submission,
    number: int,
    answers: dict[str, Any],
    user: User,
    now: datetime,
) -> SubmissionVersion:
    version = SubmissionVersion(
        submission_id=pk(submission), number=number, answers=answers, author_id=user.id
    )
    version.created_at = now
    session.add(version)
    session.flush()
    return version


def get_submission(session: Session, *, submission_id: int, lock: bool = False) -> Submission:
    query = select(Submission).where(Submission.id == submission_id)
    found = session.exec(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound("There is no submission %(id)s.", id=submission_id)
    return found


def entries_of(session: Session, *, team: Team) -> list[Submission]:
    query = select(Submission).where(Submission.team_id == team.id)
    return list(session.exec(query.order_by(col(Submission.id))).all())


def version_of(session: Session, submission: Submission, number: int) -> SubmissionVersion:
    version = session.exec(
        select(SubmissionVersion).where(
            SubmissionVersion.submission_id == submission.id, SubmissionVersion.number == number
        )
    ).one()
    return version


def versions(session: Session, submission: Submission) -> list[SubmissionVersion]:
    query = select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
    return list(session.exec(query.order_by(col(SubmissionVersion.number))).all())


def if_match_allows(value: str | None, current: int) -> bool:
    """Whether ``If-Match`` lets a change of the ``current`` version through (RFC 9110 13.1.1):
    ``*`` matches whatever version is current; otherwise one of its comma-separated tags must
    name it (``3``, ``"3"``, ``W/"v3"`` all name version 3). 428 without the header."""
    if value is None:
        raise PreconditionRequired(N_("Send If-Match with the version you are changing."))
    if value.strip() == "*":
        return True
    return current in {_version_of_tag(tag) for tag in value.split(",")}


def _version_of_tag(tag: str) -> int | None:
    tag = tag.strip().removeprefix("W/").strip('"').removeprefix("v")
    return int(tag) if tag.isdigit() and len(tag) < 10 else None


def change_refusal(context: EntryContext, now: datetime) -> AppError | None:
    """A withdrawn entry, or the team's deadline passed: why the entry cannot change, or None."""
    if context.submission.status not in ACTIVE:
        return Conflict("This entry was withdrawn; it cannot be changed.")
    return closed(context, now)


def writable(context: EntryContext, now: datetime) -> None:
    if (error := change_refusal(context, now)) is not None:
        raise error


def can_change(context: EntryContext, actor: Actor, now: datetime) -> bool:
    """Whether ``actor`` may change the entry now: the checks a change makes, as a boolean."""
    if not context.is_member(actor.user):
        return False
    if not allowed(context, actor, Permission.EDIT_SUBMISSION, now):
        return False
    return change_refusal(context, now) is None


def save(
    session: Session,
    *,
    context: EntryContext,
    by: Actor,
    patch: dict[str, Any],
    if_match: str | None,
    now: datetime,
) -> SubmissionVersion:
    """Merge ``patch`` over the current answers as the next version, if ``If-Match`` names the
    current one. Audited."""
    user = person_of(by)
    authorize(context, by, Permission.EDIT_SUBMISSION, now)
    submission = context.submission
    allowed = if_match_allows(if_match, submission.current_version)
    member_or_refuse(context, user)
    current = version_of(session, submission, submission.current_version)
    if not allowed:
        raise StaleVersion(current)
    writable(context, now)
    slugs = challenge_slugs(session, context.competition)
    _check(context.competition, {k: v for k, v in patch.items() if v is not None}, slugs)
    field = validation.challenge_field(context.form)
    if field in patch and patch[field] != current.answers.get(field):
        message = N_("The problem statement cannot be changed; withdraw and start a new entry.")
        raise FieldError(message, field=field)
    answers = validation.merge_patch(current.answers, patch)
    number = submission.current_version + 1
    version = _add_version(session, submission, number, answers, user, now)
    submission.current_version, submission.updated_at = number, now
    session.add(submission)
    session.flush()
    payload = {"submission": submission.id, "version": number}
    audit_entry(
        session, context, "submission.version_saved", now=now, actor=by.label, payload=payload
    )
    return version


def finalize(
    session: Session,
    *,
    context: EntryContext,
    by: Actor,
    now: datetime,
    settings: Settings,
) -> tuple[Receipt, bool]:
    """Freeze the current version into a receipt; returns it and whether it is new.

    The current version already finalized, with the same attachments, gives back its receipt
    (so two members finalizing at once get one receipt); a later version or a change of
    attachments supersedes the earlier receipt (see ``set_status``).
    """
    user = person_of(by)
    authorize(context, by, Permission.FINALIZE_SUBMISSION, now)
    member_or_refuse(context, user)
    writable(context, now)
    submission, team, competition = context.submission, context.team, context.competition
    previous = current_receipt(session, submission)
    attached = attachment_digests(session, submission)
    if previous is not None and holds(previous, submission, attached):
        return previous, False
    if not teams.report(session, team=team, roster=context.roster).may_participate:
        raise Conflict("This team may not take part yet: see its eligibility panel.")
    version = version_of(session, submission, submission.current_version)
    missing = missing_answers(competition, version.answers)
    if missing:
        raise FieldError(missing)
    snapshot = receipts.snapshot(
        competition=competition.slug,
        submission=pk(submission),
        team=pk(team),
        members=[pk(u) for _, u in context.roster],
        challenge=context.challenge.slug,
        version=version.number,
        answers=version.answers,
        attachments=attached,
        impact_assessment=impact.summary(impact.questionnaire_of(competition), version.answers),
    )
    receipt = Receipt(
        submission_id=pk(submission),
        version=version.number,
        finalized_by=by.label,
        digest=receipts.digest(snapshot),
        snapshot=snapshot,
    )
    receipt.finalized_at = now
    set_status(
        session, context=context, status=SubmissionStatus.FINALIZED, now=now, actor=by.label,
        receipt=receipt, previous=previous, settings=settings,
    )  # fmt: skip
    return receipt, True


def withdraw(session: Session, *, context: EntryContext, by: Actor, now: datetime) -> Submission:
    """Withdraw the entry before the deadline; its receipt is superseded (``set_status``)."""
    user = person_of(by)
    authorize(context, by, Permission.WITHDRAW_SUBMISSION, now)
    member_or_refuse(context, user)
    writable(context, now)
    previous = current_receipt(session, context.submission)
    set_status(
        session, context=context, status=SubmissionStatus.WITHDRAWN, now=now, actor=by.label,
        previous=previous,
    )  # fmt: skip
    return context.submission


def grant_extension(
    session: Session, *, context: TeamContext, until: datetime, reason: str, now: datetime,
    actor: str,
) -> DeadlineExtension:  # fmt: skip
    """Move one team's deadline to ``until`` (after the competition's), replacing any earlier
    extension. Audited."""
    team, competition = context.team, context.competition
    if until <= competitions.entries_close_at(competition):
        message = N_("An extension ends after the competition's deadline, %(utc)s UTC.")
        at = competitions.entries_close_at(competition).strftime("%Y-%m-%d %H:%M:%S")
        raise FieldError(message, field="until", utc=at)
    row = extension_of(session, team=team) or DeadlineExtension(
        team_id=pk(team), until=until, reason=reason, granted_by=actor
    )
    row.until, row.reason, row.granted_by, row.granted_at = until, reason, actor, now
    session.add(row)
    session.flush()
    payload = {"until": until.isoformat(), "reason": reason}
    audit_entry(
        session, context, "submission.extension_granted", now=now, actor=actor, payload=payload
    )
    return row
