"""iCalendar (RFC 5545) export of a competition's events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.competitions.models import Competition, Event
from app.competitions.schemas import localized
from app.core.i18n import gettext


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")


def calendar(
    competition: Competition, events: Iterable[Event], *, lang: str, stamp: datetime, base_url: str
) -> str:
    name = localized(competition, "name", lang)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//GovAI Challenge Platform//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    page = f"{base_url}/{lang}/competitions/{competition.slug}/events"
    for event in events:
        description = localized(event, "description", lang)
        if not event.registration_required:
            description += "\n" + gettext(lang, "No registration required.")
        if event.recording_url:
            description += "\n" + gettext(lang, "Recording") + ": " + event.recording_url
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.slug}.{competition.slug}@govai-platform",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(event.starts_at)}",
            f"DTEND:{_utc(event.ends_at)}",
            f"SUMMARY;LANGUAGE={lang}:{_escape(localized(event, 'title', lang) + ' — ' + name)}",
            f"DESCRIPTION;LANGUAGE={lang}:{_escape(description)}",
            f"URL:{page}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
