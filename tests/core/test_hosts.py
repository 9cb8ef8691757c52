"""The Host header is never trusted: absolute links come from GOVAI_BASE_URL, and outside
development a request for an unknown host is refused before the app sees it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.security import host_name
from app.main import create_app

G7 = "g7-govai-2025"
PAGE = f"/en/competitions/{G7}"
CALENDAR = f"/api/v1/competitions/{G7}/events.ics"
HREFLANG = re.compile(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">')


def _links(client: TestClient, host: str) -> tuple[list[str], list[str]]:
    page = client.get(PAGE, headers={"Host": host})
    assert page.status_code == 200
    calendar = client.get(CALENDAR, headers={"Host": host})
    assert calendar.status_code == 200
    urls = [line.removeprefix("URL:") for line in calendar.text.splitlines() if line[:4] == "URL:"]
    return [href for _, href in HREFLANG.findall(page.text)], urls


def test_links_come_from_the_base_url_whatever_the_host(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    settings.base_url = "https://challenge.example.ca"
    settings.allowed_hosts = "testserver, other.example"  # a second name the site answers to
    with TestClient(create_app(settings, clock)) as client:
        alternates, event_links = _links(client, "other.example")
    assert alternates == [
        f"https://challenge.example.ca/en/competitions/{G7}",
        f"https://challenge.example.ca/fr/competitions/{G7}",
    ]
    assert event_links and all(
        url.startswith(f"https://challenge.example.ca/en/competitions/{G7}/events")
        for url in event_links
    )


@pytest.mark.parametrize(
    "path", [f"/fr/competitions/{G7}", CALENDAR, "/api/v1/competitions", "/healthz"]
)
def test_an_unknown_host_is_refused_in_its_language(client: TestClient, path: str) -> None:
    refused = client.get(path, headers={"Host": "evil.example", "Accept-Language": "fr"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("/unknown-host") and problem["title"] == "Hôte inconnu"
    assert "evil.example" not in refused.text
    assert client.get(path, headers={"Host": "127.0.0.1:8000"}).status_code == 200  # base URL's


def test_development_answers_any_host_but_still_links_to_the_base_url(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    settings.environment = "development"
    with TestClient(create_app(settings, clock)) as client:
        alternates, event_links = _links(client, "evil.example")
    assert all(url.startswith(settings.base_url + "/") for url in alternates + event_links)


def test_the_calendar_is_the_same_for_every_host(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    """Public and cacheable, so it must not depend on the Host it was asked with."""
    settings.allowed_hosts = "testserver,other.example"
    with TestClient(create_app(settings, clock)) as client:
        first = client.get(CALENDAR)
        second = client.get(CALENDAR, headers={"Host": "other.example"})
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert first.headers["vary"] == "Accept-Language, Cookie"


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("Example.ORG", "example.org"),
        ("example.org:8443", "example.org"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("", ""),
    ],
)
def test_host_name_drops_the_port(header: str, host: str) -> None:
    assert host_name(header) == host
