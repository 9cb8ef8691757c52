"""What each page shows: read through the competition services, shaped for the templates.

Every function returns a ``Page`` or raises ``NotFound``; nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.access.rules import Permission, publicly
from app.access.vocabulary import Phase
from app.competitions import service
from app.competitions.dependencies import public_competition
from app.competitions.models import Competition
from app.competitions.schemas import localized
from app.core.clock import Clock
from app.core.i18n import gettext, translator
from frontend import formatting as fmt


@dataclass
class Page:
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)
    modified: date | None = None


@dataclass(frozen=True)
class Deadline:
    """The deadline panel: 'open' shows a countdown, 'closed' the closing time."""

    state: Literal["upcoming", "open", "closed", "closed_early"]
    deadline: fmt.LocalTime
    countdown: str | None = None
    opens: fmt.LocalTime | None = None


def path(lang: str, *parts: str) -> str:
    return "/" + "/".join((lang, *parts)) if parts else f"/{lang}/"


def deadline_panel(
    competition: Competition, phase: Phase, opens_at: datetime | None, now: datetime, lang: str
) -> Deadline:
    """Before the deadline a countdown from the server's clock; after it, when it closed. The
    deadline is the one enforced, grace period included."""
    zone, deadline = competition.timezone, service.entries_close_at(competition)
    shown = fmt.moment(deadline, zone, lang)
    if now >= deadline:
        return Deadline("closed", shown)
    if phase.order > Phase.OPEN.order:
        return Deadline("closed_early", shown)
    countdown = fmt.duration(deadline - now, lang)
    if phase is Phase.OPEN or opens_at is None or opens_at <= now:
        return Deadline("open", shown, countdown)
    return Deadline("upcoming", shown, countdown, fmt.moment(opens_at, zone, lang))


def competition_list(session: Session, *, now: datetime, lang: str) -> Page:
    _ = translator(lang)
    cards, modified = [], []
    for competition in service.list_competitions(session):
        phase = service.phase_of(session, competition=competition, now=now)
        if not publicly(Permission.VIEW_COMPETITION, phase):
            continue
        opens_at = service.schedule(session, competition=competition).get(Phase.OPEN)
        cards.append(
            {
                "name": localized(competition, "name", lang),
                "summary": localized(competition, "summary", lang),
                "url": path(lang, "competitions", competition.slug),
                "phase": gettext(lang, phase.label),
                "deadline": deadline_panel(competition, phase, opens_at, now, lang),
            }
        )
        modified.append(_local_date(competition.updated_at, competition.timezone))
    return Page(
        "competitions.html",
        _("Competitions"),
        {"competitions": cards},
        modified=max(modified, default=None),
    )


def competition_home(session: Session, *, clock: Clock, lang: str, slug: str) -> Page:
    found = public_competition(session, clock, slug)
    competition, phase, now = found.competition, found.phase, clock.now()
    schedule = service.schedule(session, competition=competition)
    name = localized(competition, "name", lang)
    context = {
        "competition": competition,
        "name": name,
        "summary": localized(competition, "summary", lang),
        "lead": localized(competition, "lead", lang),
        "phase": gettext(lang, phase.label),
        "deadline": deadline_panel(competition, phase, schedule.get(Phase.OPEN), now, lang),
        "envelope": fmt.money(competition.envelope_cents, competition.currency, lang),
        "award_cap": fmt.money(competition.award_cap_cents, competition.currency, lang),
        "milestones": [(m["when"][lang], m["what"][lang]) for m in competition.milestones],
        "challenges": [
            {
                "title": localized(c, "title", lang),
                "summary": localized(c, "summary", lang),
                "url": path(lang, "competitions", slug, "challenges", c.slug),
            }
            for c in service.challenges(session, competition=competition)
        ],
        "events_url": path(lang, "competitions", slug, "events"),
    }
    _ = translator(lang)
    return Page(
        "competition.html",
        name,
        context,
        breadcrumbs=[(_("Competitions"), path(lang))],
        modified=_local_date(competition.updated_at, competition.timezone),
    )


def challenge_page(session: Session, *, clock: Clock, lang: str, slug: str, challenge: str) -> Page:
    competition = public_competition(session, clock, slug).competition
    row = service.get_challenge(session, competition=competition, slug=challenge)
    title = localized(row, "title", lang)
    context = {
        "title": title,
        "summary": localized(row, "summary", lang),
        "body": fmt.markdown(localized(row, "body", lang)),
        "competition_name": localized(competition, "name", lang),
        "competition_url": path(lang, "competitions", slug),
    }
    return Page(
        "challenge.html",
        title,
        context,
        breadcrumbs=_competition_crumbs(competition, lang),
        modified=_local_date(competition.updated_at, competition.timezone),
    )


def events_page(session: Session, *, clock: Clock, lang: str, slug: str) -> Page:
    competition = public_competition(session, clock, slug).competition
    zone, now = competition.timezone, clock.now()
    events = [
        {
            "title": localized(event, "title", lang),
            "description": localized(event, "description", lang),
            "date": fmt.date_text(event.starts_at, zone, lang, weekday=True),
            "starts": fmt.LocalTime(
                fmt.time_text(event.starts_at, zone, lang), fmt.iso_utc(event.starts_at)
            ),
            "ends": fmt.LocalTime(
                fmt.time_text(event.ends_at, zone, lang), fmt.iso_utc(event.ends_at)
            ),
            "utc_range": (
                fmt.time_text(event.starts_at, "UTC", lang),
                fmt.time_text(event.ends_at, "UTC", lang),
            ),
            "zone": fmt.zone_abbreviation(zone, lang),
            "online": event.online,
            "past": event.ends_at <= now,
            "registration_required": event.registration_required,
            "recording_url": event.recording_url,
        }
        for event in service.events(session, competition=competition)
    ]
    name = localized(competition, "name", lang)
    _ = translator(lang)
    context = {
        "competition_name": name,
        "competition_url": path(lang, "competitions", slug),
        "events": events,
        "zone": fmt.zone_abbreviation(zone, lang),
        "zone_name": fmt.zone_name(zone, lang),
        "calendar_url": f"/api/v1/competitions/{slug}/events.ics?lang={lang}",
    }
    return Page(
        "events.html",
        _("Events: %(competition)s", competition=name),
        context,
        breadcrumbs=_competition_crumbs(competition, lang),
        modified=_local_date(competition.updated_at, competition.timezone),
    )


def _competition_crumbs(competition: Competition, lang: str) -> list[tuple[str, str]]:
    _ = translator(lang)
    return [
        (_("Competitions"), path(lang)),
        (localized(competition, "name", lang), path(lang, "competitions", competition.slug)),
    ]


def _local_date(at: datetime, zone: str) -> date:
    return at.astimezone(ZoneInfo(zone)).date()
