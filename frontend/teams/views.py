"""What the team pages show, read through the team and submission services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.competitions.models import Challenge, Competition
from app.competitions.schemas import localized
from app.core.db import pk
from app.core.errors import AppError
from app.core.i18n import N_, gettext, translator
from app.identity.actor import Actor
from app.identity.permissions import Permission
from app.submissions import dependencies as entry_rules
from app.submissions import service as submissions
from app.teams import service as teams
from app.teams.models import Team, TeamMember
from frontend import formatting as fmt
from frontend.teams import eligibility
from frontend.views import Page, path

STATUSES = {"draft": N_("Draft"), "finalized": N_("Submitted"), "withdrawn": N_("Withdrawn")}


def team_in(session: Session, *, competition: Competition, user_id: int | None) -> int | None:
    """The id of the person's team in the competition, if they are in one."""
    row = session.exec(
        select(TeamMember).where(
            TeamMember.competition_id == competition.id, TeamMember.user_id == user_id
        )
    ).first()
    return row.team_id if row else None


def allowed(session: Session, actor: Actor, team: Team, permission: Permission, now: Any) -> bool:
    """Whether ``actor`` may exercise ``permission`` on the team now (phase and team deadline
    included), so the page offers only what would be accepted."""
    try:
        entry_rules.authorize(session, actor, team, permission, now)
    except AppError:
        return False
    return True


def _deadline(session: Session, team: Team, competition: Competition, lang: str) -> dict[str, Any]:
    at = submissions.deadline_of(session, team=team, competition=competition)
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
                "status": gettext(lang, STATUSES.get(entry.status, entry.status)),
                "version": entry.current_version,
                "url": path(lang, "submissions", str(entry.id)),
            }
        )
    return shown


def _may_start(
    session: Session, actor: Actor, team: Team, competition: Competition, now: datetime
) -> bool:
    """A member may start an entry before the team's deadline while it has entries to spare."""
    active = [e for e in submissions.entries_of(session, team=team) if e.status != "withdrawn"]
    return (
        teams.membership(session, team=team, user_id=actor.user.id if actor.user else None)
        is not None
        and len(active) < competition.max_challenges_per_team
        and now < submissions.deadline_of(session, team=team, competition=competition)
        and allowed(session, actor, team, Permission.EDIT_SUBMISSION, now)
    )


def team_page(
    session: Session, *, team: Team, actor: Actor, now: datetime, lang: str, **extra: Any
) -> Page:
    """The team page: members, deadline, eligibility, entries, and what the viewer may do."""
    _ = translator(lang)
    competition = teams.competition_of(session, team=team)
    rows = teams.members(session, team=team)
    me = actor.user.id if actor.user else None
    names = {pk(user): user.name for _member, user in rows}
    manage = allowed(session, actor, team, Permission.MANAGE_TEAM, now)
    context = {
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
        "deadline": _deadline(session, team, competition, lang),
        "panel": eligibility.panel(teams.report(session, team=team), names, lang),
        "entries": _entries(session, team, lang),
        "start_url": path(lang, "teams", str(team.id), "submissions", "new")
        if _may_start(session, actor, team, competition, now)
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
    return Page("team/team.html", team.name, context, breadcrumbs=crumbs)
