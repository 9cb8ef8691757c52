"""Accounts in a real Chromium: local accounts end to end, OpenID Connect against the mock
provider process, and axe-core (WCAG 2.1 A/AA) on the sign-in, register and profile pages."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.accounts.oidc_mock import oidc_provider, set_claims
from tests.e2e.test_home_page import _hydrated, _violations
from tests.servers import running_server
from tests.waiting import eventually
from tests.web import LINK, PASSWORD, path_of


def _outbox_link(folder: Path) -> str:
    """The link in the one message of the outbox folder. The server delivers it just after it
    has answered, so it may land a moment after the page shows."""
    [mail] = eventually(lambda: list(folder.glob("*.eml")))
    body = email.message_from_bytes(mail.read_bytes(), policy=policy.default).get_content()  # type: ignore[attr-defined]
    match = LINK.search(body)
    assert match, body
    return path_of(match.group(0))


@pytest.mark.browser
def test_local_account_in_the_browser_with_accessible_pages(
    browser,
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,  # type: ignore[no-untyped-def]
) -> None:
    with running_server(create_app(settings, clock)) as base:
        page = browser.new_page(locale="en-CA")
        for lang in ("en", "fr"):
            for form in ("sign-in", "register"):
                page.goto(f"{base}/{lang}/account/{form}")
                _hydrated(page)
                assert _violations(page) == [], (lang, form)

        page.goto(f"{base}/en/account/register")
        page.get_by_role("textbox", name="Name").fill("Ada Lovelace")
        page.get_by_role("textbox", name="E-mail address").fill("ada@example.org")
        page.locator("#password").fill(PASSWORD)
        page.locator("#password_confirm").fill(PASSWORD)
        page.get_by_role("button", name="Create the account").click()
        page.get_by_text("Check your e-mail").wait_for()

        page.goto(base + _outbox_link(settings.data_dir / "outbox"))
        page.get_by_text("is confirmed").wait_for()
        page.get_by_role("main").get_by_role("link", name="Sign in").click()
        page.get_by_role("textbox", name="E-mail address").fill("ada@example.org")
        page.locator("#password").fill(PASSWORD)
        page.keyboard.press("Tab")  # keyboard: from the password field to the button
        assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/en/")
        page.get_by_role("link", name="Ada Lovelace").click()
        page.wait_for_url(f"{base}/en/account/profile")

        page.get_by_label("Country of legal residence").select_option("FR")
        page.get_by_label("Researcher").check()
        page.get_by_label("18 to 29").check()
        page.get_by_role("textbox", name="Organization").fill("Inria")
        page.get_by_role("button", name="Save the profile").click()
        page.get_by_text("Your profile is saved.").wait_for()
        assert page.get_by_label("Country of legal residence").input_value() == "FR"
        _hydrated(page)
        assert _violations(page) == []
        page.goto(f"{base}/fr/account/profile")
        _hydrated(page)
        assert page.get_by_label("Pays de résidence légale").input_value() == "FR"
        assert _violations(page) == []

        page.get_by_role("button", name="Se déconnecter", exact=True).click()
        page.wait_for_url(f"{base}/fr/")
        sign_in = page.get_by_role("link", name="Se connecter")
        sign_in.wait_for()  # count() does not wait for the page to show it
        assert sign_in.count() == 1
        page.close()


@pytest.mark.browser
def test_openid_connect_sign_in_in_the_browser(
    browser,
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,  # type: ignore[no-untyped-def]
) -> None:
    with oidc_provider() as issuer, running_server(create_app(settings, clock)) as base:
        settings.base_url = base  # the redirect URI the provider sends the browser back to
        settings.oidc_issuer, settings.oidc_client_id = issuer, "govai-browser"
        settings.oidc_client_secret, settings.oidc_display_name = "browser-secret", "Test ID"
        set_claims(
            issuer, "grace", email="grace@example.org", email_verified=True, name="Grace Hopper"
        )
        page = browser.new_page(locale="en-CA")
        page.goto(f"{base}/en/account/sign-in?next=/en/account/profile")
        page.get_by_role("link", name="Sign in with Test ID").click()
        page.wait_for_url(f"{issuer}/oauth2/authorize*")
        page.locator("input[name=sub]").fill("grace")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{base}/en/account/profile")
        assert page.get_by_role("textbox", name="Name").input_value() == "Grace Hopper"
        signed_in = page.get_by_role("link", name="Grace Hopper")
        signed_in.wait_for()  # count() does not wait for the page to show it
        assert signed_in.count() == 1
        page.close()
