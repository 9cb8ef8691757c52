"""Receipts: the frozen snapshot, its canonical JSON and SHA-256, and the e-mail to members.

Anyone can recompute a receipt's digest from its snapshot with :data:`RECIPE`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.competitions.models import Competition
from app.core import canonical as canonical_json
from app.core import mail
from app.core.config import Settings
from app.core.i18n import N_, gettext
from app.mail import service as outbox
from app.submissions.models import Receipt
from app.teams import service as teams
from app.teams.models import Team

ALGORITHM = "sha256"
RECIPE_TEXT = N_(
    "SHA-256 (hex) of the UTF-8 bytes of the snapshot serialized as JSON with keys sorted, no "
    "whitespace and non-ASCII characters kept as they are; in Python:"
)
RECIPE_CODE = (
    "hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(',', ':'), "
    "ensure_ascii=False).encode('utf-8')).hexdigest()"
)
RECIPE = f"{RECIPE_TEXT} {RECIPE_CODE}"  # in the API's receipts, English like its field names


def snapshot(
    *,
    competition: str,
    submission: int,
    team: int,
    members: list[int],
    challenge: str,
    version: int,
    answers: dict[str, Any],
    attachments: list[dict[str, Any]] | None = None,
    impact_assessment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a receipt proves: the answers of one version, the entry, the team and its members,
    each attachment's name, SHA-256 and size (sorted by SHA-256), and the impact level the
    answers gave when the competition has an impact questionnaire."""
    frozen = {"impact_assessment": impact_assessment} if impact_assessment is not None else {}
    return {
        **frozen,
        "competition": competition,
        "submission": submission,
        "team": team,
        "members": sorted(members),
        "challenge": challenge,
        "version": version,
        "answers": answers,
        "attachments": list(attachments or []),
    }


canonical = canonical_json.canonical  # the snapshot's text that the digest covers
digest = canonical_json.sha256  # the receipt's SHA-256, as :data:`RECIPE` recomputes it


def queue(
    session: Session,
    settings: Settings,
    *,
    recipients: list[tuple[str, str]],
    competition_names: dict[str, str],
    team_name: str,
    submission_id: int,
    version: int,
    finalized_at: datetime,
    sha256: str,
) -> None:
    """Queue the receipt's e-mail to each (address, language), in that language."""
    for address, lang in recipients:
        message = mail.compose(
            settings,
            to=address,
            lang=lang,
            at=finalized_at,
            subject=gettext(lang, "Receipt for the entry of %(team)s", team=team_name),
            body=gettext(
                lang,
                "The entry of %(team)s in %(competition)s was finalized on %(at)s UTC "
                "(version %(version)s).\n\nSHA-256 of the snapshot: %(digest)s\n\n"
                "The receipt and its snapshot: %(link)s\n",
                team=team_name,
                competition=competition_names.get(lang, competition_names["en"]),
                at=finalized_at.strftime("%Y-%m-%d %H:%M:%S"),
                version=version,
                digest=sha256,
                link=f"{settings.base_url}/api/v1/submissions/{submission_id}/receipt",
            ),
        )
        outbox.queue(session, message, now=finalized_at)


def mail_to_team(session: Session, settings: Settings, *, team: Team, receipt: Receipt) -> None:
    """Queue the receipt e-mail to every member of the team, each in their language, in the
    finalizing transaction: it goes out once the receipt is committed, and is retried until it
    is delivered. The API and the pages both finalize through here."""
    competition: Competition = teams.competition_of(session, team=team)
    queue(
        session,
        settings,
        recipients=[(u.email, u.preferred_language) for _, u in teams.members(session, team=team)],
        competition_names={"en": competition.name_en, "fr": competition.name_fr},
        team_name=team.name,
        submission_id=receipt.submission_id,
        version=receipt.version,
        finalized_at=receipt.finalized_at,
        sha256=receipt.digest,
    )
