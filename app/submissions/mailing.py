"""The receipt e-mail, queued by ``states.set_status`` when an entry is finalized."""

from __future__ import annotations

from sqlmodel import Session

from app.core import mail
from app.core.config import Settings
from app.core.i18n import gettext
from app.mail import service as outbox
from app.submissions.context import TeamContext
from app.submissions.models import Receipt


def queue_receipt(
    session: Session, settings: Settings, *, context: TeamContext, receipt: Receipt
) -> None:
    """Queue the receipt's e-mail to every member of the team, each in their language, in the
    finalizing transaction: it goes out once the receipt is committed, and is retried until it
    is delivered."""
    competition, team, at = context.competition, context.team, receipt.finalized_at
    for _member, user in context.roster:
        lang = user.preferred_language
        message = mail.compose(
            settings,
            to=user.email,
            lang=lang,
            at=at,
            subject=gettext(lang, "Receipt for the entry of %(team)s", team=team.name),
            body=gettext(
                lang,
                "The entry of %(team)s in %(competition)s was finalized on %(at)s UTC "
                "(version %(version)s).\n\nSHA-256 of the snapshot: %(digest)s\n\n"
                "The receipt and its snapshot: %(link)s\n",
                team=team.name,
                competition=competition.name_fr if lang == "fr" else competition.name_en,
                at=at.strftime("%Y-%m-%d %H:%M:%S"),
                version=receipt.version,
                digest=receipt.digest,
                link=f"{settings.base_url}/api/v1/submissions/{receipt.submission_id}/receipt",
            ),
        )
        outbox.queue(session, message, now=at)
