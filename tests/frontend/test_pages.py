"""The public pages: language prefixes, what each page shows, and 404 pages (no browser here)."""

from __future__ import annotations

import html as html_module
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import make_engine
from app.main import create_app
from tests.conftest import SMALL_COMPETITION, load

HOME = "/{lang}/competitions/g7-govai-2025"
NAMES = {"en": "G7 GovAI Grand Challenge 2025", "fr": "Grand Défi IAgouv du G7 2025"}
NBSP = "\u00a0"


class Parsed(HTMLParser):
    """Headings, links and attributes of a page, enough to check what a reader gets."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.attrs: dict[str, list[dict[str, str | None]]] = {}
        self._open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.setdefault(tag, []).append(dict(attrs))
        if tag in ("h1", "h2", "h3", "h4", "a"):
            self._open.append((tag, dict(attrs).get("href"), []))

    def handle_data(self, data: str) -> None:
        for _tag, _href, texts in self._open:
            texts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _tag, href, texts = self._open.pop()
            content = " ".join("".join(texts).split())
            if tag == "a":
                self.links.append((href or "", content))
            else:
                self.headings.append((tag, content))

    def texts(self, tag: str) -> list[str]:
        return [content for name, content in self.headings if name == tag]


def parse(html: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(html)
    return parsed


def words(html: str) -> str:
    """The page's text with tags dropped and spaces (no-break ones too) collapsed."""
    inline_dropped = re.sub(r"</?(a|time|strong|em|span)\b[^>]*>", "", html)
    plain = html_module.unescape(re.sub(r"<[^>]+>", " ", inline_dropped))
    return " ".join(plain.replace(NBSP, " ").split())


# --- language prefixes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookies", "expected"),
    [
        ({"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, {}, "/fr/"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, {}, "/en/"),
        ({"Accept-Language": "de-DE"}, {}, "/en/"),
        ({"Accept-Language": "en"}, {"lang": "fr"}, "/fr/"),
    ],
)
def test_root_redirects_to_the_negotiated_language(
    fe_client: TestClient, headers: dict[str, str], cookies: dict[str, str], expected: str
) -> None:
    fe_client.cookies.update(cookies)
    response = fe_client.get("/", headers=headers)
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_an_unknown_prefix_redirects_to_the_same_page_in_english(fe_client: TestClient) -> None:
    response = fe_client.get("/de/competitions/g7-govai-2025?x=1")
    assert response.status_code == 307
    assert response.headers["location"] == "/en/competitions/g7-govai-2025?x=1"
    assert fe_client.get("/de/competitions/g7-govai-2025/events").headers["location"] == (
        "/en/competitions/g7-govai-2025/events"
    )
    assert fe_client.get("/de/").headers["location"] == "/en/"
    # A regional tag of a language we have goes to that language.
    assert fe_client.get("/fr-CA/competitions/g7-govai-2025").headers["location"] == (
        "/fr/competitions/g7-govai-2025"
    )


def test_slashes_lead_to_the_page(fe_client: TestClient) -> None:
    assert fe_client.get("/fr").headers["location"].endswith("/fr/")
    response = fe_client.get("/en/competitions/g7-govai-2025/")
    assert response.status_code == 307
    assert response.headers["location"] == "/en/competitions/g7-govai-2025"


def test_api_paths_are_not_pages(fe_client: TestClient) -> None:
    response = fe_client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


# --- competition home ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_competition_home_in_each_language(fe_client: TestClient, lang: str) -> None:
    response = fe_client.get(HOME.format(lang=lang))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.texts("h1") == [NAMES[lang]]
    assert page.attrs["html"][0]["lang"] == lang
    challenge_links = [href for href, _ in page.links if "/challenges/" in href]
    assert len(challenge_links) == 4
    assert all(
        href.startswith(f"/{lang}/competitions/g7-govai-2025/challenges/")
        for href in challenge_links
    )
    other = "fr" if lang == "en" else "en"
    assert page.attrs["gcds-header"][0]["lang-href"] == HOME.format(lang=other)
    hreflangs = {tag["hreflang"]: tag["href"] for tag in page.attrs["link"] if tag.get("hreflang")}
    base_url = fe_client.app.state.settings.base_url  # type: ignore[attr-defined]
    assert hreflangs[other] == base_url + HOME.format(lang=other)  # never the Host header
    assert f"/{lang}/competitions/g7-govai-2025/events" in [href for href, _ in page.links]
    assert "mailto:G7AIChallenge-DefiIAG7@tbs-sct.gc.ca" in [href for href, _ in page.links]
    assert f"lang={lang}" in response.headers["set-cookie"]
    assert "samesite=lax" in response.headers["set-cookie"].lower()


def test_headings_do_not_skip_levels(fe_client: TestClient) -> None:
    for path in (HOME, HOME + "/challenges/information-volume", HOME + "/events", "/{lang}/"):
        page = parse(fe_client.get(path.format(lang="en")).text)
        levels = [int(tag[1]) for tag, _ in page.headings]
        assert levels[0] == 1 and levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in pairwise(levels)), (path, levels)


def test_countdown_before_the_deadline(fe_client: TestClient, fe_clock: FrozenClock) -> None:
    english = fe_client.get(HOME.format(lang="en")).text
    assert "Submissions close in 11 days, 8 hours." in words(english)
    assert '<time datetime="2025-12-01T20:00:00Z">1 December 2025, 15:00 ET</time>' in english

    fe_clock.set(datetime(2025, 11, 28, 16, tzinfo=UTC))
    english = fe_client.get(HOME.format(lang="en")).text
    assert "Submissions close in 3 days, 4 hours." in words(english)
    french = fe_client.get(HOME.format(lang="fr")).text
    assert "La période de soumission se termine dans 3 jours et 4 heures." in words(french)
    assert ">1er décembre 2025 à 15 h (HE)</time>" in french


def test_closed_note_after_the_deadline(fe_client: TestClient, fe_clock: FrozenClock) -> None:
    fe_clock.set(datetime(2025, 12, 2, 12, tzinfo=UTC))
    text_en = words(fe_client.get(HOME.format(lang="en")).text)
    assert "Submissions closed on 1 December 2025, 15:00 ET." in text_en
    assert "Submissions close in" not in text_en
    text_fr = words(fe_client.get(HOME.format(lang="fr")).text)
    assert "La période de soumission s’est terminée le 1er décembre 2025 à 15 h (HE)." in text_fr


def test_the_deadline_shown_is_the_one_enforced_grace_included(
    fe_settings: Settings, fe_clock: FrozenClock
) -> None:
    """The HackQc fixture's deadline is 12:00 Montreal time with a 60 s grace: entries are taken
    until 12:01:00, so the page counts down to 12:01:00 and says closed only from then (it used
    to say closed at 12:00 while the server still took entries)."""
    engine = make_engine(fe_settings)
    load(engine, SMALL_COMPETITION)
    engine.dispose()
    page = "/{lang}/competitions/hackqc-coeur-ia"
    with TestClient(create_app(fe_settings, clock=fe_clock)) as client:
        fe_clock.set(datetime(2026, 6, 14, 16, 0, 30, tzinfo=UTC))  # in the grace period
        during = client.get(page.format(lang="en")).text
        assert "Submissions close in" in words(during)
        assert '<time datetime="2026-06-14T16:01:00Z">' in during
        fe_clock.set(datetime(2026, 6, 14, 16, 1, tzinfo=UTC))
        after = words(client.get(page.format(lang="fr")).text)
        assert "La période de soumission s’est terminée le" in after
        assert "12 h 01" in after


def test_money_in_the_page_locale(fe_client: TestClient) -> None:
    text_en = words(fe_client.get(HOME.format(lang="en")).text)
    assert "up to CA$100,000." in text_en and "up to CA$10,000." in text_en
    text_fr = words(fe_client.get(HOME.format(lang="fr")).text)
    assert "jusqu’à 100 000 $ CA." in text_fr and "jusqu’à 10 000 $ CA." in text_fr


def test_competition_list_links_each_visible_competition(fe_client: TestClient) -> None:
    for lang in ("en", "fr"):
        page = parse(fe_client.get(f"/{lang}/").text)
        assert [h for tag, h in page.headings if tag == "h2"] == [NAMES[lang]]
        assert (HOME.format(lang=lang), NAMES[lang]) in page.links


# --- problem statements --------------------------------------------------------------------


def test_challenge_page_renders_markdown(fe_client: TestClient) -> None:
    response = fe_client.get(HOME.format(lang="en") + "/challenges/information-volume")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.texts("h1") == ["Managing high volumes of information"]
    assert "The problem" in page.texts("h2")
    assert "<strong>Privacy:</strong>" in response.text
    assert ("/en/competitions/g7-govai-2025", NAMES["en"]) in page.links  # breadcrumbs
    french = parse(fe_client.get(HOME.format(lang="fr") + "/challenges/navigating-rules").text)
    assert french.texts("h1") == ["Rendre les règles plus faciles à comprendre"]
    assert "Le problème" in french.texts("h2")


def test_challenge_page_escapes_raw_html(fe_client: TestClient, fe_settings: Settings) -> None:
    engine = make_engine(fe_settings)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE challenge SET body_en = :body WHERE slug = 'information-volume'"),
            {"body": "# Top\n\n## Part\n\n<script>alert('x')</script>\n\n<b onclick=x>bold</b>"},
        )
    engine.dispose()
    html = fe_client.get(HOME.format(lang="en") + "/challenges/information-volume").text
    assert "<script>alert" not in html and "<b onclick" not in html
    assert "<p>&lt;script&gt;alert('x')&lt;/script&gt;</p>" in html
    # The statement's own headings sit below the page's one h1.
    page = parse(html)
    assert page.texts("h1") == ["Managing high volumes of information"]
    assert page.texts("h2") == ["Top"] and page.texts("h3") == ["Part"]


# --- events --------------------------------------------------------------------------------


def test_events_in_time_order_with_local_and_utc_times(fe_client: TestClient) -> None:
    response = fe_client.get(HOME.format(lang="en") + "/events")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.texts("h2") == ["Launch event", "Expert panel", "Ask me anything"]
    text_en = words(response.text)
    assert "Monday 17 November 2025 09:00 to 11:00 ET" in text_en
    assert "14:00 to 16:00 UTC" in text_en
    assert "Tuesday 25 November 2025 09:00 to 10:30 ET" in text_en
    assert '<time datetime="2025-11-17T14:00:00Z">09:00</time>' in response.text
    assert text_en.count("No registration required") == 3
    assert "/api/v1/competitions/g7-govai-2025/events.ics?lang=en" in [h for h, _ in page.links]

    french = fe_client.get(HOME.format(lang="fr") + "/events")
    text_fr = words(french.text)
    assert "lundi 17 novembre 2025 De 9 h à 11 h (HE)" in text_fr
    assert "Aucune inscription préalable requise" in text_fr
    assert "/api/v1/competitions/g7-govai-2025/events.ics?lang=fr" in [
        h for h, _ in parse(french.text).links
    ]


def test_an_event_with_a_recording_links_it(fe_client: TestClient, fe_settings: Settings) -> None:
    engine = make_engine(fe_settings)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE event SET recording_url = 'https://example.org/launch' "
                "WHERE slug = 'launch'"
            )
        )
    engine.dispose()
    links = parse(fe_client.get(HOME.format(lang="en") + "/events").text).links
    assert ("https://example.org/launch", "Watch the recording: Launch event") in links
    assert [href for href, _ in links if href.startswith("https://example.org")] == [
        "https://example.org/launch"
    ]


def test_the_calendar_link_answers(fe_client: TestClient) -> None:
    response = fe_client.get("/api/v1/competitions/g7-govai-2025/events.ics?lang=fr")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")


# --- not found -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/fr/competitions/nope",
        "/fr/competitions/g7-govai-2025/challenges/nope",
        "/fr/competitions/nope/events",
        "/fr/no/such/page",
    ],
)
def test_not_found_is_a_french_page_under_fr(fe_client: TestClient, path: str) -> None:
    response = fe_client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.attrs["html"][0]["lang"] == "fr"
    assert page.texts("h1") == ["Page introuvable"]
    assert ("/fr/", "Aller à la liste des concours") in page.links
    assert page.attrs["gcds-header"][0]["lang-href"] == "/en" + path[3:]


def test_not_found_names_the_missing_competition(fe_client: TestClient) -> None:
    text_fr = words(fe_client.get("/fr/competitions/nope").text)
    assert "Il n’y a aucun concours « nope »." in text_fr
    text_en = words(fe_client.get("/en/competitions/nope").text)
    assert "There is no competition 'nope'." in text_en


def test_a_competition_in_draft_is_not_found(fe_client: TestClient, fe_clock: FrozenClock) -> None:
    fe_clock.set(datetime(2025, 10, 1, tzinfo=UTC))  # before its announcement: still a draft
    assert fe_client.get(HOME.format(lang="en")).status_code == 404
    assert fe_client.get(HOME.format(lang="en") + "/events").status_code == 404
    page = parse(fe_client.get("/en/").text)
    assert NAMES["en"] not in [content for _, content in page.links]


def test_every_page_links_its_counterpart(fe_client: TestClient) -> None:
    paths = [
        "/",
        "/competitions/g7-govai-2025",
        "/competitions/g7-govai-2025/events",
        "/competitions/g7-govai-2025/challenges/anticipating-needs",
    ]
    for path in paths:
        for lang, other in (("en", "fr"), ("fr", "en")):
            response = fe_client.get(f"/{lang}{path}")
            assert response.status_code == 200, path
            counterpart = parse(response.text).attrs["gcds-header"][0]["lang-href"]
            assert counterpart == f"/{other}{path}"
            assert fe_client.get(counterpart).status_code == 200
