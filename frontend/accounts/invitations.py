"""The page an invitation e-mail links to: see the role offered, and accept it once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response

from app.access import rules as access
from app.access.rules import Permission
from app.competitions import service as competitions
from app.competitions.schemas import localized
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import N_, translator
from app.identity import service as identity
from frontend.accounts.common import Form, form_page, page_router
from frontend.guards import CurrentUser, PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.rendering import render
from frontend.views import Page

router = page_router()
Code = Annotated[str, Path(max_length=200)]
ROLE_NAMES = {"judge": N_("judge"), "organizer": N_("organizer")}


@router.get("/{lang}/invitations/{code}")
def invitation(
    request: Request, lang: PageLang, code: Code, session: SessionDep, actor: SignedIn
) -> Response:
    """What the invitation offers, with a button to accept it; sign in first."""
    _ = translator(lang)
    try:
        found = identity.find_invitation(session, code=code)
    except AppError as exc:
        return _message(request, lang, _("Invitation"), exc, status=exc.status)
    competition = competitions.get_competition_by_id(session, competition_id=found.competition_id)
    return form_page(
        request,
        lang,
        "account/invitation.html",
        _("Invitation"),
        role=_(ROLE_NAMES[found.role]),
        competition=localized(competition, "name", lang),
        invited=found.email,
        action=f"/{lang}/invitations/{code}",
    )


def _invitation_refused(request: Request, lang: str, code: str, form: Form) -> Response:
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/invitation.html",
        _("Invitation"),
        form=form,
        role=None,
        competition=None,
        invited=None,
        action=f"/{lang}/invitations/{code}",
    )


@router.post("/{lang}/invitations/{code}")
@on_refusal(_invitation_refused)
def accept(
    request: Request,
    lang: PageLang,
    code: Code,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    user: CurrentUser,
) -> Response:
    """Take the role: once, before it expires, only by the person it was sent to."""
    _ = translator(lang)
    access.authorize(actor, Permission.ACCEPT_INVITATION)
    grant = identity.accept_invitation(session, code=code, user=user, now=clock.now())
    competition = competitions.get_competition_by_id(
        session, competition_id=grant.competition_id or 0
    )
    name = localized(competition, "name", lang)
    detail = _(
        "You are now %(role)s in %(competition)s.", role=_(ROLE_NAMES[grant.role]), competition=name
    )
    link = (f"/{lang}/competitions/{competition.slug}", name)
    return render(
        request,
        lang,
        Page("account/message.html", _("Invitation accepted"), {"detail": detail, "link": link}),
    )


def _message(request: Request, lang: str, title: str, exc: AppError, *, status: int) -> Response:
    from frontend.accounts.common import translated

    return render(
        request,
        lang,
        Page("account/message.html", title, {"detail": translated(lang, exc), "link": None}),
        status=status,
    )
