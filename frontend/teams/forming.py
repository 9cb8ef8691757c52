"""The caller's team in a competition: a redirect to it, or the form that forms one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.competitions.models import Competition
from app.competitions.schemas import localized
from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep, pk
from app.core.errors import AppError
from app.core.i18n import N_, gettext, translator
from app.identity.actor import Actor
from app.teams import service as teams
from frontend.accounts.common import Form, page_router, see_other, translated
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.teams import views
from frontend.teams.common import PublicCompetition, show
from frontend.views import Page, path

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
NOTICES = {"left": N_("You left the team.")}


def _page(
    session: Session, actor: Actor, competition: Competition, clock: Clock, lang: str
) -> Page:
    _ = translator(lang)
    try:
        teams.may_form_team(session, competition=competition, by=actor, now=clock.now())
        closed = None
    except AppError as exc:
        closed = translated(lang, exc)
    name = localized(competition, "name", lang)
    home = path(lang, "competitions", competition.slug)
    context = {
        "competition_name": name,
        "competition_url": home,
        "action": path(lang, "competitions", competition.slug, "team"),
        "closed": closed,
        "limit": competition.team_size_max,
    }
    crumbs = [(_("Competitions"), path(lang)), (name, home)]
    return Page("team/form.html", _("Form a team"), context, breadcrumbs=crumbs)


@router.get("/{lang}/competitions/{slug}/team")
def my_team(
    request: Request,
    lang: PageLang,
    competition: PublicCompetition,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    notice: str | None = None,
) -> Response:
    """To the caller's team in the competition, or the form to form one."""
    user_id = actor.user.id if actor.user else None
    if (team_id := views.team_in(session, competition=competition, user_id=user_id)) is not None:
        return see_other(path(lang, "teams", str(team_id)))
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    page = _page(session, actor, competition, clock, lang)
    return show(request, lang, page, form=Form(notice=shown))


def _form_refused(
    request: Request,
    lang: str,
    competition: Competition,
    session: Session,
    clock: Clock,
    actor: Actor,
    form: Form,
) -> Response:
    """The form again; a refusal keeps nothing, not even the team a lost race has flushed."""
    return show(request, lang, _page(session, actor, competition, clock, lang), form=form)


@router.post("/{lang}/competitions/{slug}/team")
@on_refusal(_form_refused)
def form_team(
    request: Request,
    lang: PageLang,
    competition: PublicCompetition,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    name: Text = "",
) -> Response:
    """Form the team through the same service and checks as the API; the caller is captain."""
    team = teams.create_team(session, competition=competition, name=name, now=clock.now(), by=actor)
    return see_other(path(lang, "teams", str(pk(team))) + "?notice=formed")
