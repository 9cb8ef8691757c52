"""Languages, message catalogues and language negotiation.

Catalogues are the Babel ``.po`` files under ``app/locales``; they are compiled in memory when
first used, so there is no build step and no binary file in the repository. The language of a
request comes from ``?lang=``, then the ``lang`` cookie, then ``Accept-Language``; anything
unknown falls back to the default language, never to an error.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")
DEFAULT_LANGUAGE: Language = "en"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
LANG_COOKIE = "lang"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(lang: str, message: str, **params: object) -> str:
    text = translations(lang).gettext(message)
    return text % localized(lang, params) if params else text


def ngettext(lang: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **localized(lang, params)}


def localized(lang: str, params: dict[str, object]) -> dict[str, object]:
    """``params`` with each decimal number written the language's way ("0.5" in English, "0,5"
    in French); whole numbers and text unchanged."""
    return {
        key: format_decimal(value, locale=lang) if isinstance(value, float) else value
        for key, value in params.items()
    }


def translator(lang: str) -> Callable[..., str]:
    def _(message: str, **params: object) -> str:
        return gettext(lang, message, **params)

    return _


def as_language(value: str | None) -> Language | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    for lang in LANGUAGES:
        if code == lang:
            return lang
    return None


def parse_accept_language(header: str | None) -> Language | None:
    """The supported language the client prefers most, by quality value, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, Language]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang = as_language(tag)
        if lang and quality > 0:
            ranked.append((-quality, index, lang))
    return min(ranked)[2] if ranked else None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    return (
        as_language(query)
        or as_language(cookie)
        or parse_accept_language(accept_language)
        or DEFAULT_LANGUAGE
    )
