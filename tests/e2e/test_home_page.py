"""The home page in a real Chromium: English, then French by the toggle, and axe-core on both."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.servers import running_server

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _hydrated(page) -> None:  # type: ignore[no-untyped-def]
    # Stencil marks a component "hydrated" once it is defined and drawn. (No wait_for_function:
    # when its first check is false Playwright polls by eval-ing the expression in the page,
    # which the page's Content-Security-Policy refuses, so it failed on a slow machine.)
    page.wait_for_selector("gcds-header.hydrated", state="attached")
    page.wait_for_selector("gcds-footer.hydrated", state="attached")


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    results = Axe().run(page, options=WCAG_21_AA)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


@pytest.mark.browser
def test_home_in_english_then_french_without_wcag_violations(
    browser,
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,  # type: ignore[no-untyped-def]
) -> None:
    with running_server(create_app(settings, clock)) as base:
        page = browser.new_page(locale="en-CA")
        page.goto(f"{base}/")
        _hydrated(page)
        assert page.url == f"{base}/en/"
        page.get_by_role("link", name="G7 GovAI Grand Challenge 2025").first.click()
        _hydrated(page)
        assert page.locator("h1").inner_text() == "G7 GovAI Grand Challenge 2025"
        assert page.locator("html").get_attribute("lang") == "en"
        assert _violations(page) == []

        page.locator("gcds-header gcds-lang-toggle a").click()
        page.wait_for_url(f"{base}/fr/competitions/g7-govai-2025")
        _hydrated(page)
        assert page.locator("h1").inner_text() == "Grand Défi IAgouv du G7 2025"
        assert page.locator("html").get_attribute("lang") == "fr"
        assert _violations(page) == []
        page.close()
