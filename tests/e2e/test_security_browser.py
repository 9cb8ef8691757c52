"""The content security policy in a real Chromium: pages and /docs run under it with no
violation and no console error, the GC Design System's components hydrate, and /docs needs
nothing from another site."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.e2e.test_home_page import _hydrated
from tests.servers import running_server

# Registered before any page script: every CSP violation the page reports, shadow DOM included.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
}, true);
"""
INJECT_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__injected = true";
  document.head.append(script);
}"""
# The design system's stylesheet imports its fonts from Google Fonts and its CDN; the machine
# running the tests may be offline, so those answer empty here. The CSP is checked before a
# request leaves the page: a disallowed one would still be reported.
FONT_HOSTS = ("https://fonts.googleapis.com/", "https://fonts.gstatic.com/")
FONT_HOSTS += ("https://cdn.design-system.canada.ca/",)


def _watched(browser: Any, lang: str) -> tuple[Any, list[str]]:
    page = browser.new_page(locale="fr-CA" if lang == "fr" else "en-CA")
    page.add_init_script(RECORD_VIOLATIONS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def _fonts_answer_empty(route: Any) -> None:
    if route.request.url.startswith(FONT_HOSTS):
        route.fulfill(status=200, body="", content_type="text/css")
    else:
        route.abort()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pages_run_under_the_policy_and_hydrate(
    browser: Any, settings: Settings, clock: FrozenClock, loaded: Engine, lang: str
) -> None:
    with running_server(create_app(settings, clock)) as base:
        page, errors = _watched(browser, lang)
        page.route(lambda url: not url.startswith(base), _fonts_answer_empty)
        for path in ("/", "/account/register", "/account/sign-in"):
            response = page.goto(f"{base}/{lang}{path}")
            assert "'nonce-" in response.headers["content-security-policy"]
            _hydrated(page)
            page.wait_for_selector("gcds-header gcds-lang-toggle", state="attached")
            assert page.locator("html").get_attribute("lang") == lang
            assert page.evaluate("window.__violations") == [], path
        assert errors == []

        # The policy is enforced, and a violation would be seen: an injected inline script.
        page.evaluate(INJECT_SCRIPT)
        for _ in range(100):  # polled from here: wait_for_function would eval in the page
            if page.evaluate("window.__violations.length > 0"):
                break
            page.wait_for_timeout(50)
        assert page.evaluate("window.__violations")[0].startswith("script-src")
        assert page.evaluate("window.__injected") is None
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_docs_render_the_operations_offline_under_the_policy(
    browser: Any, settings: Settings, clock: FrozenClock, loaded: Engine, lang: str
) -> None:
    with running_server(create_app(settings, clock)) as base:
        page, errors = _watched(browser, lang)
        elsewhere: list[str] = []

        def block(route: Any) -> None:
            elsewhere.append(route.request.url)
            route.abort()

        page.route(lambda url: not url.startswith("http://127.0.0.1:"), block)
        page.goto(f"{base}/docs?lang={lang}")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/competitions/{slug}" in [p.replace("\u200b", "") for p in paths]
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate("window.__violations") == []
        assert errors == [] and elsewhere == []
        page.close()
