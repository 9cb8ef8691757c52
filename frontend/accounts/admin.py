"""For admins: every user with their roles; grant or revoke a role; end a user's sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as FormField
from fastapi import Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.access import rules as access
from app.access.rules import Permission
from app.access.vocabulary import Role
from app.competitions import service as competitions
from app.competitions.schemas import localized
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import BadRequest, Forbidden, Unauthorized
from app.core.i18n import N_, gettext, translator
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from frontend.accounts.common import (
    Form,
    form_page,
    page_router,
    see_other,
    to_sign_in,
)
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.rendering import render
from frontend.views import Page

router = page_router()
Text = Annotated[str, FormField(max_length=200)]
PER_PAGE = 50
ROLES = {Role.ADMIN: N_("admin"), Role.JUDGE: N_("judge"), Role.ORGANIZER: N_("organizer")}
NOTICES = {
    "granted": N_("The role is granted."),
    "revoked": N_("The role is revoked."),
    "ended": N_("The user's sessions are ended: they must sign in again."),
}


def _users(session: Session, lang: str, page: int) -> tuple[list[dict[str, object]], int]:
    _ = translator(lang)
    rows, total = identity.list_users(session, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    users: list[dict[str, object]] = []
    for user in rows:
        roles = [
            {"role": role.value, "label": _(ROLES.get(role, role.value)), "competition": slug or ""}
            for role, slug in identity.roles_view(session, user=user)
        ]
        users.append(
            {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "verified": user.email_verified_at is not None,
                "roles": roles,
            }
        )
    return users, total


def _page(
    request: Request,
    lang: str,
    session: Session,
    *,
    page: int = 1,
    form: Form | None = None,
    status: int = 200,
) -> Response:
    _ = translator(lang)
    users, total = _users(session, lang, page)
    return form_page(
        request,
        lang,
        "admin/users.html",
        _("Users and roles"),
        form=form,
        status=status,
        users=users,
        total=total,
        page_number=page,
        previous_url=f"?page={page - 1}" if page > 1 else None,
        next_url=f"?page={page + 1}" if page * PER_PAGE < total else None,
        roles=[(role.value, _(label)) for role, label in ROLES.items()],
        competitions=[
            (c.slug, localized(c, "name", lang)) for c in competitions.list_competitions(session)
        ],
    )


def _gate(request: Request, lang: str, actor: Actor, permission: Permission) -> Response | None:
    """Sign-in for anonymous callers, a 403 page for others without the permission."""
    try:
        access.authorize(actor, permission)
    except Unauthorized:
        return to_sign_in(request, lang)
    except Forbidden as exc:
        return _not_allowed(request, lang, gettext(lang, exc.detail or exc.title, **exc.params))
    return None


def _not_allowed(request: Request, lang: str, detail: str) -> Response:
    _ = translator(lang)
    page = Page("account/message.html", _("Not allowed"), {"detail": detail, "link": None})
    return render(request, lang, page, status=403)


@router.get("/{lang}/admin/users")
def users(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    notice: str | None = None,
) -> Response:
    if (refusal := _gate(request, lang, actor, Permission.READ_USERS)) is not None:
        return refusal
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    return _page(request, lang, session, page=page, form=Form(notice=shown))


def _admin_refused(
    request: Request, lang: str, session: Session, actor: Actor, form: Form
) -> Response:
    """The users page with the reason; someone who may not manage users is only told so."""
    if not access.can(actor, Permission.MANAGE_USERS):
        return _not_allowed(request, lang, form.message or "")
    return _page(request, lang, session, form=form)


def _competition(session: Session, slug: str) -> object:
    return competitions.get_competition(session, slug=slug) if slug else None


def _role(value: str) -> Role:
    if value not in {role.value for role in ROLES}:
        raise BadRequest(N_("Choose a role from the list."))
    return Role(value)


@router.post("/{lang}/admin/users/{user_id}/roles")
@on_refusal(_admin_refused)
def grant(
    request: Request,
    lang: PageLang,
    user_id: int,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    role: Text = "",
    competition: Text = "",
) -> Response:
    access.authorize(actor, Permission.MANAGE_USERS)
    identity.grant_role(
        session,
        user=identity.get_user(session, user_id=user_id),
        role=_role(role),
        competition=_competition(session, competition),  # type: ignore[arg-type]
        now=clock.now(),
        actor=actor.label,
    )
    return see_other(f"/{lang}/admin/users?notice=granted")


@router.post("/{lang}/admin/users/{user_id}/roles/revoke")
@on_refusal(_admin_refused)
def revoke(
    request: Request,
    lang: PageLang,
    user_id: int,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    role: Text = "",
    competition: Text = "",
) -> Response:
    access.authorize(actor, Permission.MANAGE_USERS)
    found = identity.find_grant(
        session,
        user=identity.get_user(session, user_id=user_id),
        role=_role(role),
        competition=_competition(session, competition),  # type: ignore[arg-type]
    )
    identity.revoke_role(session, grant=found, now=clock.now(), actor=actor.label)
    return see_other(f"/{lang}/admin/users?notice=revoked")


@router.post("/{lang}/admin/users/{user_id}/sessions/end")
@on_refusal(_admin_refused)
def end_sessions(
    request: Request,
    lang: PageLang,
    user_id: int,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Response:
    access.authorize(actor, Permission.MANAGE_USERS)
    user = identity.get_user(session, user_id=user_id)
    identity.end_sessions(session, user=user, now=clock.now(), actor=actor.label)
    return see_other(f"/{lang}/admin/users?notice=ended")
