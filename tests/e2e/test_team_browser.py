"""The team pages in a real Chromium: sign in, form a team, read the eligibility panel,
invite a teammate; axe-core (WCAG 2.1 A/AA) finds nothing on the team page in either language."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.e2e.test_accounts_browser import _outbox_link
from tests.e2e.test_home_page import _hydrated, _violations
from tests.servers import running_server
from tests.web import PASSWORD

G7 = "g7-govai-2025"


def _sign_up(page, base: str, outbox) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/en/account/register")
    page.get_by_role("textbox", name="Name").fill("Ada Lovelace")
    page.get_by_role("textbox", name="E-mail address").fill("ada@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    page.get_by_text("Check your e-mail").wait_for()
    page.goto(base + _outbox_link(outbox))
    page.get_by_text("is confirmed").wait_for()
    page.goto(f"{base}/en/account/sign-in")
    page.get_by_role("textbox", name="E-mail address").fill("ada@example.org")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/en/")


@pytest.mark.browser
def test_forming_a_team_and_inviting_in_the_browser(
    browser,
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,  # type: ignore[no-untyped-def]
) -> None:
    with running_server(create_app(settings, clock)) as base:
        page = browser.new_page(locale="en-CA", timezone_id="Europe/Paris")
        _sign_up(page, base, settings.data_dir / "outbox")
        page.goto(f"{base}/en/competitions/{G7}")
        page.get_by_role("link", name="Your team").click()
        page.get_by_role("textbox", name="Team name").fill("Les Castors")
        page.get_by_role("button", name="Form the team").click()
        page.get_by_role("heading", name="Les Castors", level=1).wait_for()
        page.get_by_role("heading", name="Eligibility").wait_for()  # waits, unlike is_visible
        page.get_by_text("Not known yet").first.wait_for()
        assert "21:00" in page.locator("#team-deadline .viewer-zone").inner_text()  # Paris, UTC+1
        _hydrated(page)
        assert _violations(page) == [], "en"

        page.get_by_role("textbox", name="E-mail address").fill("ivy@example.org")
        page.get_by_role("button", name="Send the invitation").click()
        page.get_by_text("The invitation was sent to ivy@example.org.").wait_for()
        assert "/en/teams/join/" in page.locator(".invitation-shown").inner_text()
        _hydrated(page)
        assert _violations(page) == [], "en, after inviting"

        page.goto(page.url.replace("/en/", "/fr/").split("/invitations")[0])
        page.get_by_role("heading", name="Admissibilité").wait_for()
        _hydrated(page)
        assert _violations(page) == [], "fr"
