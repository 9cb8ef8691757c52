"""Why an eligibility rule's result is unknown, in the reader's language: the API and the pages
give the same words."""

from __future__ import annotations

from app.core.i18n import N_, gettext
from app.teams import eligibility

ATTRIBUTE_NAMES = {
    "country_of_residence": N_("country of legal residence"),
    "age": N_("age bracket"),
    "sector": N_("sector"),
}


def missing_fields(verdict: eligibility.Verdict, lang: str) -> str:
    """The profile items the verdict lacked, named in ``lang``: "age bracket, sector"."""
    return ", ".join(
        gettext(lang, ATTRIBUTE_NAMES.get(name, name)) for name in sorted(verdict.missing)
    )


def unknown_reason(verdict: eligibility.Verdict, lang: str) -> str | None:
    """Why the result is unknown, when it is; None for a pass or a fail."""
    if verdict.result != "unknown":
        return None
    fields = missing_fields(verdict, lang)
    return gettext(lang, "Not known yet: complete the profile (%(fields)s).", fields=fields)
