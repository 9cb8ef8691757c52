"""Submissions: drafts, versions, finalization with receipts, withdrawal, deadline extensions.

Every change is audited in the caller's transaction; every refusal raises before anything is
written. Writes lock the submission row (``FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction already holds the database's write lock), so two members saving or finalizing the
same entry at once are serialized: the second sees the first's result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.competitions import service as competitions
from app.competitions.catalogue_schemas import FormFile
from app.competitions.lifecycle import Phase
from app.competitions.models import Challenge, Competition
from app.core.db import pk
from app.core.errors import (
    Conflict,
    DeadlinePassed,
    FieldError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.core.i18n import N_
from app.identity.actor import Actor
from app.identity.models import User
from app.submissions import impact, receipts, validation
from app.submissions.models import (
    Attachment,
    DeadlineExtension,
    Receipt,
    Submission,
    SubmissionVersion,
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


def extension_of(session: Session, *, team: Team) -> DeadlineExtension | None:
    query = select(DeadlineExtension).where(DeadlineExtension.team_id == team.id)
    return session.exec(query).first()


def deadline_of(session: Session, *, team: Team, competition: Competition) -> datetime:
    """The team's deadline: the competition's, plus any grace, or the team's extension."""
    extension = extension_of(session, team=team)
    deadline = competitions.entries_close_at(competition)
    return max(deadline, extension.until) if extension else deadline


def local_time(at: datetime, competition: Competition) -> str:
    return at.astimezone(ZoneInfo(competition.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def require_before(now: datetime, deadline: datetime, competition: Competition) -> None:
    """Refuse at and after the deadline; one second before is still in time."""
    if now >= deadline:
        raise DeadlinePassed(
            "The deadline was %(utc)s UTC (%(local)s, %(zone)s).",
            utc=deadline.strftime("%Y-%m-%d %H:%M:%S"),
            local=local_time(deadline, competition),
            zone=competition.timezone,
        )


def effective_phase(
    session: Session, *, team: Team, competition: Competition, now: datetime, entry: bool = False
) -> Phase:
    """The competition's phase, except that a team with a running extension is still open.

    ``entry``: for changes to an entry, a closed phase after the team's deadline is refused as
    the deadline having passed (409 naming it), not as a phase rule.
    """
    phase = competitions.phase_of(session, competition=competition, now=now)
    if entry and phase is Phase.CLOSED:
        require_before(now, deadline_of(session, team=team, competition=competition), competition)
    extended = phase is Phase.CLOSED and extension_of(session, team=team) is not None
    if extended and now < deadline_of(session, team=team, competition=competition):
        return Phase.OPEN
    return phase


def member_or_refuse(session: Session, team: Team, user: User) -> None:
    if teams.membership(session, team=team, user_id=user.id) is None:
        raise NotFound("There is no team %(id)s.", id=team.id)


def audit_entry(
    session: Session, team: Team, action: str, *, now: datetime, actor: str, payload: Any
) -> None:
    audit.append(
        session,
        at=now,
        actor=actor,
        action=action,
        competition=teams.competition_of(session, team=team).slug,
        subject=f"team:{team.id}",
        payload=payload,
    )


def _check(competition: Competition, answers: dict[str, Any], slugs: dict[str, Challenge]) -> None:
    questionnaire = impact.questionnaire_of(competition)
    problems = validation.check_answers(form_of(competition), answers, slugs, questionnaire)
    if problems:
        raise FieldError(problems)


def create(
    session: Session, *, team: Team, user: User, answers: dict[str, Any], now: datetime, actor: str
) -> tuple[Submission, SubmissionVersion]:
    """A draft for the problem statement named in ``answers``; version 1. Audited."""
    member_or_refuse(session, team, user)
    competition = teams.competition_of(session, team=team)
    require_before(now, deadline_of(session, team=team, competition=competition), competition)
    form, slugs = form_of(competition), challenge_slugs(session, competition)
    answers = {k: v for k, v in answers.items() if v is not None}
    _check(competition, answers, slugs)
    field = validation.challenge_field(form)
    if field not in answers:
        raise FieldError(N_("This field is required."), field=field)
    challenge = slugs[answers[field]]
    teams.get_team(session, team_id=pk(team), lock=True)  # serializes drafts of one team
    active = session.exec(
        select(Submission).where(Submission.team_id == team.id, Submission.status != "withdrawn")
    ).all()
    if any(s.challenge_id == challenge.id for s in active):
        raise Conflict("This team already has an entry for this problem statement.")
    if len(active) >= competition.max_challenges_per_team:
        raise Conflict(
            "A team enters at most %(limit)s problem statement(s).",
            limit=competition.max_challenges_per_team,
        )
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
    audit_entry(session, team, "submission.created", now=now, actor=actor, payload=payload)
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


def visible(
    session: Session, *, submission_id: int, actor: Actor, lock: bool = False
) -> tuple[Submission, Team]:
    """The entry, for its team's members and the competition's organizers; else 404."""
    submission = get_submission(session, submission_id=submission_id)
    try:
        team = teams.visible_team(session, team_id=submission.team_id, actor=actor)
    except NotFound:
        raise NotFound("There is no submission %(id)s.", id=submission_id) from None
    # The row lock is taken after the visibility check, so outsiders never wait on it, and the
    # entry read again under it. SQLite has no row locks: a writing request's transaction holds
    # the database's write lock from its first statement, so the first read was already locked.
    if lock and session.get_bind().dialect.name != "sqlite":
        session.refresh(submission, with_for_update=True)
    return submission, team


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


def writable(session: Session, submission: Submission, team: Team, now: datetime) -> None:
    if submission.status == "withdrawn":
        raise Conflict("This entry was withdrawn; it cannot be changed.")
    competition = teams.competition_of(session, team=team)
    require_before(now, deadline_of(session, team=team, competition=competition), competition)


def save(
    session: Session,
    *,
    submission: Submission,
    team: Team,
    user: User,
    patch: dict[str, Any],
    if_match: str | None,
    now: datetime,
    actor: str,
) -> SubmissionVersion:
    """Merge ``patch`` over the current answers as the next version, if ``If-Match`` names the
    current one. Audited."""
    allowed = if_match_allows(if_match, submission.current_version)
    member_or_refuse(session, team, user)
    current = version_of(session, submission, submission.current_version)
    if not allowed:
        raise StaleVersion(current)
    writable(session, submission, team, now)
    competition = teams.competition_of(session, team=team)
    slugs = challenge_slugs(session, competition)
    _check(competition, {k: v for k, v in patch.items() if v is not None}, slugs)
    field = validation.challenge_field(form_of(competition))
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
    audit_entry(session, team, "submission.version_saved", now=now, actor=actor, payload=payload)
    return version


def current_receipt(session: Session, submission: Submission) -> Receipt | None:
    return session.exec(
        select(Receipt).where(
            Receipt.submission_id == submission.id, col(Receipt.superseded_at).is_(None)
        )
    ).first()


def finalize(
    session: Session, *, submission: Submission, team: Team, user: User, now: datetime, actor: str
) -> tuple[Receipt, bool]:
    """Freeze the current version into a receipt; returns it and whether it is new.

    The current version already finalized, with the same attachments, gives back its receipt
    (so two members finalizing at once get one receipt); a later version or a change of
    attachments supersedes the earlier receipt. Audited.
    """
    member_or_refuse(session, team, user)
    writable(session, submission, team, now)
    previous = current_receipt(session, submission)
    attached = attachment_digests(session, submission)
    if (
        previous is not None
        and previous.version == submission.current_version
        and previous.snapshot.get("attachments", []) == attached
    ):
        return previous, False
    roster = teams.members(session, team=team)
    if not teams.report(session, team=team, roster=roster).may_participate:
        raise Conflict("This team may not take part yet: see its eligibility panel.")
    competition = teams.competition_of(session, team=team)
    version = version_of(session, submission, submission.current_version)
    missing = missing_answers(competition, version.answers)
    if missing:
        raise FieldError(missing)
    challenge = session.get(Challenge, submission.challenge_id)
    assert challenge is not None
    snapshot = receipts.snapshot(
        competition=competition.slug,
        submission=pk(submission),
        team=pk(team),
        members=[pk(u) for _, u in roster],
        challenge=challenge.slug,
        version=version.number,
        answers=version.answers,
        attachments=attached,
        impact_assessment=impact.summary(impact.questionnaire_of(competition), version.answers),
    )
    if previous is not None:
        previous.superseded_at = now
        session.add(previous)
    receipt = Receipt(
        submission_id=pk(submission),
        version=version.number,
        finalized_by=actor,
        digest=receipts.digest(snapshot),
        snapshot=snapshot,
    )
    receipt.finalized_at = now
    submission.status, submission.updated_at = "finalized", now
    session.add_all([receipt, submission])
    session.flush()
    payload = {
        "submission": submission.id,
        "receipt": receipt.id,
        "version": version.number,
        "sha256": receipt.digest,
        "supersedes": previous.id if previous else None,
    }
    audit_entry(session, team, "submission.finalized", now=now, actor=actor, payload=payload)
    return receipt, True


def attachments_of(session: Session, submission: Submission) -> list[Attachment]:
    query = select(Attachment).where(Attachment.submission_id == submission.id)
    return list(session.exec(query.order_by(col(Attachment.id))).all())


def attachment_digests(session: Session, submission: Submission) -> list[dict[str, Any]]:
    """What a receipt records of each current attachment, sorted by SHA-256."""
    rows = [
        {"filename": a.filename, "sha256": a.sha256, "size": a.size}
        for a in attachments_of(session, submission)
    ]
    return sorted(rows, key=lambda r: (r["sha256"], r["filename"]))


def withdraw(
    session: Session, *, submission: Submission, team: Team, user: User, now: datetime, actor: str
) -> Submission:
    """Withdraw the entry before the deadline; its receipt is superseded. Audited."""
    member_or_refuse(session, team, user)
    writable(session, submission, team, now)
    receipt = current_receipt(session, submission)
    if receipt is not None:
        receipt.superseded_at = now
        session.add(receipt)
    submission.status, submission.withdrawn_at, submission.updated_at = "withdrawn", now, now
    session.add(submission)
    session.flush()
    payload = {"submission": submission.id}
    audit_entry(session, team, "submission.withdrawn", now=now, actor=actor, payload=payload)
    return submission


def grant_extension(
    session: Session, *, team: Team, until: datetime, reason: str, now: datetime, actor: str
) -> DeadlineExtension:
    """Move one team's deadline to ``until`` (after the competition's), replacing any earlier
    extension. Audited."""
    competition = teams.competition_of(session, team=team)
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
        session, team, "submission.extension_granted", now=now, actor=actor, payload=payload
    )
    return row
