"""How pages show times, durations, money and Markdown, in the page's language.

Times are stored in UTC and shown in the competition's zone, with the zone's short name in the
page's language ("ET" in English, "HE" in Canadian French); every ``<time>`` element carries the
UTC instant in its ``datetime`` attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name
from babel.numbers import format_currency
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.core.i18n import gettext, ngettext

LOCALES = {"en": "en_CA", "fr": "fr_CA"}
# A Canadian dollar is "$" in en_CA and fr_CA; entrants come from every G7 country, so say whose.
_DOLLAR = {"en": "CA$", "fr": "$\u00a0CA"}
_WHOLE_AMOUNT = {"en": "¤#,##0", "fr": "#,##0\u00a0¤"}


@dataclass(frozen=True)
class LocalTime:
    """An instant as a person reads it: ``text`` in the zone, ``iso`` for ``<time datetime>``."""

    text: str
    iso: str


def iso_utc(at: datetime) -> str:
    return at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_abbreviation(zone: str, lang: str) -> str:
    """The zone's generic short name: "ET" / "HE" for America/Toronto."""
    return get_timezone_name(ZoneInfo(zone), width="short", locale=LOCALES[lang])


def zone_name(zone: str, lang: str) -> str:
    """The zone's generic long name: "Eastern Time" / "heure de l’Est"."""
    return get_timezone_name(ZoneInfo(zone), width="long", locale=LOCALES[lang])


def date_text(at: datetime, zone: str, lang: str, *, weekday: bool = False) -> str:
    """ "1 December 2025" / "1er décembre 2025", with the weekday in front if asked."""
    local = at.astimezone(ZoneInfo(zone))
    day = "d'er'" if lang == "fr" and local.day == 1 else "d"
    pattern = f"{'EEEE ' if weekday else ''}{day} MMMM y"
    return format_datetime(local, pattern, tzinfo=ZoneInfo(zone), locale=LOCALES[lang])


def time_text(at: datetime, zone: str, lang: str) -> str:
    """ "09:00" / "9 h", "10 h 30": the Government of Canada's styles in each language."""
    local = at.astimezone(ZoneInfo(zone))
    pattern = "HH:mm" if lang == "en" else ("H 'h'" if local.minute == 0 else "H 'h' mm")
    return format_datetime(local, pattern, tzinfo=ZoneInfo(zone), locale=LOCALES[lang])


def moment(at: datetime, zone: str, lang: str) -> LocalTime:
    """ "1 December 2025, 15:00 ET" / "1 décembre 2025 à 15 h 00 (HE)"."""
    text = gettext(
        lang,
        "%(date)s, %(time)s %(zone)s",
        date=date_text(at, zone, lang),
        time=time_text(at, zone, lang),
        zone=zone_abbreviation(zone, lang),
    )
    return LocalTime(text=text, iso=iso_utc(at))


def duration(delta: timedelta, lang: str) -> str:
    """The two largest units, rounded down: "3 days, 4 hours", "5 hours, 12 minutes"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes == 0:
        return gettext(lang, "less than a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        ngettext(lang, "%(num)d day", "%(num)d days", days),
        ngettext(lang, "%(num)d hour", "%(num)d hours", hours),
        ngettext(lang, "%(num)d minute", "%(num)d minutes", minutes),
    ]
    amounts = [days, hours, minutes]
    first = next((i for i, amount in enumerate(amounts) if amount), len(amounts) - 1)
    if first + 1 < len(amounts) and amounts[first + 1]:
        return gettext(lang, "%(first)s, %(second)s", first=parts[first], second=parts[first + 1])
    return parts[first]


def money(cents: int, currency: str, lang: str) -> str:
    """ "CA$100,000" / "100 000 $ CA"; cents only when there are some."""
    amount = Decimal(cents) / 100
    whole = cents % 100 == 0
    text = format_currency(
        amount,
        currency,
        locale=LOCALES[lang],
        format=_WHOLE_AMOUNT[lang] if whole else None,
        currency_digits=not whole,
    )
    if currency == "CAD":
        text = text.replace("$", _DOLLAR[lang])
    return text


def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off: any HTML in a problem statement is shown as text.
    return MarkdownIt("commonmark", {"html": False})


def markdown(source: str, *, top_level: int = 2) -> Markup:
    """Markdown as HTML, headings shifted so the highest is ``<h{top_level}>``."""
    parser = _markdown()
    tokens = parser.parse(source)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = top_level - min(levels) if levels else 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return Markup(parser.renderer.render(tokens, parser.options, {}))
