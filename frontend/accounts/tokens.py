"""Personal access tokens: list, create (the secret shown once), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.access import rules as access
from app.access.rules import Permission
from app.access.vocabulary import Scope
from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep
from app.core.i18n import N_, gettext, translator
from app.identity.models import User
from app.oauth import personal_tokens
from frontend import formatting as fmt
from frontend.accounts.common import (
    Form,
    form_page,
    page_router,
    see_other,
)
from frontend.guards import CurrentUser, PageLang, SignedIn
from frontend.refusals import on_refusal

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
SCOPES = {
    Scope.READ: N_("Read everything your roles let you read"),
    Scope.PROFILE: N_("Read and change your own account and profile"),
    Scope.PARTICIPATE: N_("Act for your teams: drafts and submissions"),
    Scope.JUDGE: N_("Judge: declare conflicts and score entries"),
    Scope.ORGANIZE: N_("Organize competitions you organize"),
    Scope.ADMIN: N_("Administer the platform (admins only)"),
}
LIFETIMES = (30, 90, 365)
NOTICES = {"revoked": N_("The token is revoked: it no longer works.")}


def _rows(session: Session, user: User, lang: str, now: datetime) -> list[dict[str, object]]:
    _ = translator(lang)
    rows: list[dict[str, object]] = []
    for token in personal_tokens.list_personal_tokens(session, user=user):
        if token.revoked_at is not None:
            state = _("revoked")
        elif token.expires_at <= now:
            state = _("expired")
        else:
            state = _("active")
        rows.append(
            {
                "id": token.id,
                "name": token.name,
                "prefix": token.prefix,
                "scopes": ", ".join(token.scopes),
                "created": fmt.date_text(token.created_at, "UTC", lang),
                "expires": fmt.date_text(token.expires_at, "UTC", lang),
                "last_used": fmt.date_text(token.last_used_at, "UTC", lang)
                if token.last_used_at
                else _("never"),
                "state": state,
                "live": token.revoked_at is None and token.expires_at > now,
            }
        )
    return rows


def _page(
    request: Request,
    lang: str,
    session: Session,
    user: User,
    now: datetime,
    *,
    form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    secret: str | None = None,
) -> Response:
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/tokens.html",
        _("Personal access tokens"),
        form=form,
        status=status,
        headers=headers,
        secret=secret,
        tokens=_rows(session, user, lang, now),
        scopes=[(scope.value, _(label)) for scope, label in SCOPES.items()],
        lifetimes=[(str(days), _("%(days)s days", days=days)) for days in LIFETIMES],
    )


@router.get("/{lang}/account/tokens")
def tokens(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
    notice: str | None = None,
) -> Response:
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    return _page(
        request,
        lang,
        session,
        user,
        clock.now(),
        form=Form({"expires_in_days": "90"}, notice=shown),
    )


def _tokens_refused(
    request: Request, lang: str, session: Session, clock: Clock, user: User, form: Form
) -> Response:
    return _page(request, lang, session, user, clock.now(), form=form)


@router.post("/{lang}/account/tokens")
@on_refusal(_tokens_refused)
def create_token(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    user: CurrentUser,
    name: Text = "",
    expires_in_days: Text = "",
    scopes: Annotated[list[str] | None, FormField()] = None,
) -> Response:
    """A new token; its secret is on this response only, never stored."""
    now = clock.now()
    access.authorize(actor, Permission.MANAGE_OWN_TOKENS)
    days = int(expires_in_days) if expires_in_days.isdigit() else 0
    _row, secret = personal_tokens.create_personal_token(
        session, by=actor, name=name, scopes=scopes or [], expires_in_days=days, now=now
    )
    return _page(
        request, lang, session, user, now, secret=secret, form=Form({"expires_in_days": "90"})
    )


@router.post("/{lang}/account/tokens/{token_id}/revoke")
@on_refusal(_tokens_refused)
def revoke_token(
    request: Request,
    lang: PageLang,
    token_id: int,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    user: CurrentUser,
) -> Response:
    access.authorize(actor, Permission.MANAGE_OWN_TOKENS)
    personal_tokens.revoke_personal_token(session, user=user, token_id=token_id, now=clock.now())
    return see_other(f"/{lang}/account/tokens?notice=revoked")
