"""What the team pages show, read through the team and submission services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.access.rules import Permission
from app.competitions.models import Challenge, Competition
from app.competitions.schemas import localized
from app.core.db import pk
from app.core.i18n import gettext, translator
from app.identity.actor import Actor
from app.submissions import context as entries
from app.submissions import service as submissions
from app.submissions import states
from app.submissions.context import TeamContext
from app.teams import service as teams
from app.teams.models import Team, TeamMember
from frontend import formatting as fmt
from frontend.submissions.common import status_text
from frontend.teams import eligibility
from frontend.views import Page, path


def team_in(session: Session, *, competition: Competition, user_id: int | None) -> int | None:
    """The id of the person's team in the competition, if they are in one."""
    row = session.exec(
        select(TeamMember).where(
            TeamMember.competition_id == competition.id, TeamMember.user_id == user_id
        )
    ).first()
    return row.team_id if row else None


def _deadline(context: TeamContext, lang: str) -> dict[str, Any]:
    """The team's ``closes_at``: the deadline its entries are held to, to the second."""
    at, competition = context.closes_at, context.competition
    utc = gettext(
        lang,
        "%(date)s, %(time)s %(zone)s",
        date=fmt.date_text(at, "UTC", lang),
        time=fmt.time_text(at, "UTC", lang),
        zone="UTC",
    )
    return {"local": fmt.moment(at, competition.timezone, lang), "utc": utc, "at": at}


def _entries(session: Session, team: Team, lang: str) -> list[dict[str, Any]]:
    shown = []
    for entry in submissions.entries_of(session, team=team):
        challenge = session.get(Challenge, entry.challenge_id)
        shown.append(
            {
                "title": localized(challenge, "title", lang) if challenge else "",
                "status": status_text(states.standing(session, entry), lang),
                "version": entry.current_version,
                "url": path(lang, "submissions", str(entry.id)),
            }
        )
    return shown


def team_page(
    session: Session, *, team: Team, actor: Actor, now: datetime, lang: str, **extra: Any
) -> Page:
    """The team page: members, deadline, eligibility, entries, and what the viewer may do."""
    _ = translator(lang)
    context = entries.team_context(session, team=team, now=now)
    competition, rows = context.competition, context.roster
    me = actor.user.id if actor.user else None
    names = {pk(user): user.name for _member, user in rows}
    manage = entries.allowed(context, actor, Permission.MANAGE_TEAM, now)
    shown = {
        "team": team,
        "competition_name": localized(competition, "name", lang),
        "competition_url": path(lang, "competitions", competition.slug),
        "members": [
            {
                "id": pk(user),
                "name": user.name,
                "captain": user.id == team.captain_id,
                "me": user.id == me,
            }
            for _member, user in rows
        ],
        "limit": competition.team_size_max,
        "room": len(rows) < competition.team_size_max,
        "deadline": _deadline(context, lang),
        "panel": eligibility.panel(teams.report(session, team=team, roster=rows), names, lang),
        "entries": _entries(session, team, lang),
        "start_url": path(lang, "teams", str(team.id), "submissions", "new")
        if submissions.can_start(session, context=context, actor=actor, now=now)
        else None,
        "member": me in names,
        "captain": me == team.captain_id and manage,
        "manage": manage and me in names,
        "profile_url": path(lang, "account", "profile"),
        "base": path(lang, "teams", str(team.id)),
        "invited": None,
        **extra,
    }
    crumbs = [
        (_("Competitions"), path(lang)),
        (localized(competition, "name", lang), path(lang, "competitions", competition.slug)),
    ]
    return Page("team/team.html", team.name, shown, breadcrumbs=crumbs)
