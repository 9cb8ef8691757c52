"""The profile page: only what the eligibility rules need, each item saying why it is asked."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from babel import Locale
from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.access import rules as access
from app.access.rules import Permission
from app.accounts import service as accounts
from app.competitions.catalogue_schemas import country_codes
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import FieldError
from app.core.i18n import N_, gettext, translator
from app.identity import service as identity
from app.identity.models import User
from app.identity.schemas import AgeBracket, ProfileIn, Sector
from frontend.accounts.common import Form, form_page, page_router, see_other
from frontend.guards import CurrentUser, PageLang, SignedIn
from frontend.refusals import on_refusal

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
FIELDS = (
    "name",
    "country_of_residence",
    "sector",
    "organization",
    "age_bracket",
    "preferred_language",
)
NOTICES = {
    "saved": N_("Your profile is saved."),
    "password-changed": N_("Your new password is saved. Your other sessions were signed out."),
}
FIELD_PROBLEMS = {
    "name": N_("Enter your name (at most 200 characters)."),
    "country_of_residence": N_("Choose a country from the list."),
    "sector": N_("Choose a sector from the list."),
    "organization": N_("Use at most 200 characters, or leave it empty."),
    "age_bracket": N_("Choose an age bracket from the list."),
    "preferred_language": N_("Choose English or French."),
}
SECTORS = {
    Sector.STUDENT: N_("Student"),
    Sector.RESEARCHER: N_("Researcher"),
    Sector.PUBLIC_SERVANT: N_("Public servant"),
    Sector.CIVIL_SOCIETY: N_("Civil society"),
    Sector.ACADEMIA: N_("Academia"),
    Sector.INDUSTRY: N_("Industry"),
}
AGE_BRACKETS = {
    AgeBracket.UNDER_18: N_("Under 18"),
    AgeBracket.FROM_18_TO_29: N_("18 to 29"),
    AgeBracket.FROM_30: N_("30 or older"),
}


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def countries(lang: str) -> list[tuple[str, str]]:
    """ISO 3166-1 codes with their names in the page's language, in that language's order."""
    names = Locale.parse(lang).territories
    shown = [(code, str(names.get(code, code))) for code in country_codes()]
    return sorted(shown, key=lambda item: _sort_key(item[1]))


def _values(user: User) -> dict[str, str]:
    return {name: str(getattr(user, name) or "") for name in FIELDS}


def _profile_page(
    request: Request, lang: str, session: Session, user: User, form: Form, status: int = 200
) -> Response:
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/profile.html",
        _("Your profile"),
        form=form,
        status=status,
        **_profile_context(session, user, lang),
    )


@router.get("/{lang}/account/profile")
def profile(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    user: CurrentUser,
    notice: str | None = None,
) -> Response:
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    return _profile_page(request, lang, session, user, Form(_values(user), notice=shown))


@router.post("/{lang}/account/profile")
@on_refusal(_profile_page)
def save_profile(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    user: CurrentUser,
    name: Text = "",
    country_of_residence: Text = "",
    sector: Text = "",
    organization: Text = "",
    age_bracket: Text = "",
    preferred_language: Text = "",
) -> Response:
    """Save through the same service as ``PUT /api/v1/me/profile``, after the same checks."""
    values = dict(
        zip(
            FIELDS,
            (name, country_of_residence, sector, organization, age_bracket, preferred_language),
            strict=True,
        )
    )
    access.authorize(actor, Permission.EDIT_OWN_PROFILE)
    changes = _validated(values, lang)
    identity.update_profile(session, user=user, changes=changes, now=clock.now())
    return see_other(f"/{lang}/account/profile?notice=saved")


def _validated(values: dict[str, str], lang: str) -> dict[str, object]:
    """The form's values checked by the API's own schema; empty optional fields become null."""
    given: dict[str, object] = {name: values[name].strip() or None for name in FIELDS}
    given["name"] = values["name"]
    given["preferred_language"] = values["preferred_language"] or lang
    try:
        return ProfileIn.model_validate(given).model_dump(mode="json")
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors() if error.get("loc")}
        raise FieldError(
            [FieldError(FIELD_PROBLEMS[name], field=name) for name in FIELDS if name in fields]
        ) from exc


def _profile_context(session: Session, user: User, lang: str) -> dict[str, Any]:
    _ = translator(lang)
    return {
        "email": user.email,
        "email_verified": user.email_verified_at is not None,
        "has_password": accounts.has_password(session, user=user),
        "countries": countries(lang),
        "sectors": [(code.value, _(label)) for code, label in SECTORS.items()],
        "age_brackets": [(code.value, _(label)) for code, label in AGE_BRACKETS.items()],
        "languages": [("en", "English"), ("fr", "Français")],
    }
