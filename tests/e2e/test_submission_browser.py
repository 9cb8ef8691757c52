"""The submission pages in a real Chromium: the live word counter, an upload with its progress,
review then finalize then the receipt, and axe-core (WCAG 2.1 A/AA) in English and French."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine

from app.accounts import service as accounts
from app.competitions import service as competitions
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity import service as identity
from app.main import create_app
from app.submissions import context as entries
from app.submissions import service, validation
from app.teams import service as teams
from tests.conftest import DURING_SPRINT
from tests.e2e.test_home_page import _hydrated, _violations
from tests.identity.factories import make_user
from tests.servers import running_server
from tests.submissions.factories import complete_answers
from tests.teams.factories import G7
from tests.web import PASSWORD

EMAIL = "ada@example.org"
SAMPLES = [
    "l'intelligence artificielle, c'est-à-dire",
    "data-driven AI_model 3,5 — naïve café",
    "  «Bonjour»   l’équipe ‑ test  ",
]


def _member(engine: Engine) -> int:
    """A person with a password and an eligible profile, captain of a team."""
    user = make_user(engine, EMAIL)
    with new_session(engine, write=True) as session, session.begin():
        fresh = identity.get_user(session, user_id=user.id or 0)
        accounts.set_password(session, user=fresh, password=PASSWORD, now=DURING_SPRINT, action="t")
        changes = {"country_of_residence": "CA", "age_bracket": "30-plus"}
        identity.update_profile(session, user=fresh, changes=changes, now=DURING_SPRINT)
        competition = competitions.get_competition(session, slug=G7)
        by = identity.actor_for_user(session, user=fresh, scopes=None, via="session")
        team = teams.create_team(
            session, competition=competition, name="Les Castors", now=DURING_SPRINT, by=by
        )
        return team.id or 0


def _complete(engine: Engine, submission_id: int) -> None:
    with new_session(engine, write=True) as session, session.begin():
        submission = service.get_submission(session, submission_id=submission_id)
        team = teams.get_team(session, team_id=submission.team_id)
        user = identity.get_user_by_email(session, email=EMAIL)
        assert user is not None
        by = identity.actor_for_user(session, user=user, scopes=None, via="session")
        found = entries.team_context(session, team=team, now=DURING_SPRINT)
        context = entries.with_entry(session, found, submission)
        service.save(
            session, context=context, by=by, patch=complete_answers(),
            if_match=str(submission.current_version), now=DURING_SPRINT,
        )  # fmt: skip


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/en/account/sign-in")
    page.get_by_role("textbox", name="E-mail address").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/en/")


def _start_entry(page: Any, base: str, team_id: int) -> str:
    """Signed in, start the team's entry on the page; the editor's address."""
    _sign_in(page, base)
    page.goto(f"{base}/en/teams/{team_id}/submissions/new")
    page.get_by_label("Managing high volumes of information").check()
    page.get_by_role("textbox", name="Title of the entry").fill("Triage")
    page.get_by_role("button", name="Start the entry").click()
    page.wait_for_url(re.compile(rf"{base}/en/submissions/\d+$"))
    return str(page.url)


def _accessible(page: Any, url: str) -> None:
    page.goto(url)
    _hydrated(page)
    assert _violations(page) == [], url


@pytest.mark.browser
def test_an_entry_from_draft_to_receipt_in_the_browser(
    browser,  # type: ignore[no-untyped-def]
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,
) -> None:
    team_id = _member(loaded)
    with running_server(create_app(settings, clock)) as base:
        page = browser.new_page(locale="en-CA")
        editor = _start_entry(page, base, team_id)
        submission_id = int(editor.rsplit("/", 1)[1])
        _hydrated(page)

        counter = page.locator("#title-count")
        assert counter.get_attribute("aria-live") == "polite"
        title = page.locator("#title")
        title.fill("")
        title.press_sequentially("one two three")
        counter.filter(has_text="3 words of at most 10").wait_for()
        title.press_sequentially(" four five six seven eight nine ten eleven")
        counter.filter(has_text="11 words of at most 10: too many words").wait_for()
        assert "word-count--over" in (counter.get_attribute("class") or "")
        counted = page.evaluate(
            "(samples) => { const p = new RegExp(document.querySelector("
            "'form[data-word-pattern]').dataset.wordPattern, 'gu');"
            " return samples.map((s) => (s.match(p) || []).length); }",
            SAMPLES,
        )
        assert counted == [validation.count_words(s) for s in SAMPLES]

        statuses: list[str] = []
        page.on("console", lambda message: statuses.append(message.text))
        page.evaluate(
            "() => new MutationObserver(() => console.log('progress:' +"
            " document.querySelector('#upload-progress').value)).observe("
            "document.querySelector('.upload-status'), {childList: true, subtree: true})"
        )
        pdf = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)
        page.set_input_files(
            "#file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf}]
        )
        page.get_by_role("button", name="Upload the file").click()
        page.wait_for_url(re.compile(r".*\?done=uploaded#attachments$"))
        page.get_by_role("cell", name="plan.pdf", exact=True).wait_for()
        assert any(s.startswith("progress:") and s != "progress:0" for s in statuses), statuses

        _complete(loaded, submission_id)
        for lang in ("en", "fr"):
            for suffix in ("", "/review"):
                _accessible(page, f"{base}/{lang}/submissions/{submission_id}{suffix}")
        page.goto(f"{base}/en/submissions/{submission_id}/review")
        page.get_by_role("button", name="Finalize the entry").click()
        page.wait_for_url(f"{base}/en/submissions/{submission_id}/receipt")
        assert re.search(r"[0-9a-f]{64}", page.locator("main").inner_text())
        page.get_by_role("button", name="Print the receipt").wait_for()  # shown by entry.js
        for lang in ("en", "fr"):
            _accessible(page, f"{base}/{lang}/submissions/{submission_id}/receipt")


@pytest.mark.browser
def test_a_change_after_finalizing_says_the_receipt_holds_the_older_version(
    browser,  # type: ignore[no-untyped-def]
    settings: Settings,
    clock: FrozenClock,
    loaded: Engine,
) -> None:
    """Finalized at version 2, then changed in the editor: the team page, the editor and the
    review page say that version 2 counts until the team finalizes again, in both languages."""
    team_id = _member(loaded)
    with running_server(create_app(settings, clock)) as base:
        page = browser.new_page(locale="en-CA")
        entry = _start_entry(page, base, team_id)
        _complete(loaded, int(entry.rsplit("/", 1)[1]))
        page.goto(f"{entry}/review")
        page.get_by_role("button", name="Finalize the entry").click()
        page.wait_for_url(f"{entry}/receipt")

        page.goto(entry)
        page.locator("#title").fill("Triage, revised")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(f"{entry}?done=saved")
        changed = {
            "en": "Finalized (version 2), changed since: finalize again or version 2 counts",
            "fr": "Finalisée (version 2), modifiée depuis : finalisez-la de nouveau, sinon la "
            "version 2 compte",
        }
        path = entry.removeprefix(f"{base}/en")
        for lang, text in changed.items():
            for url in (path, f"{path}/review", f"/teams/{team_id}"):
                page.goto(f"{base}/{lang}{url}")
                page.get_by_text(text).first.wait_for()
        page.goto(f"{base}/en/teams/{team_id}")
        row = page.get_by_role("row").filter(has_text="changed since")
        assert row.get_by_role("cell").last.inner_text() == "3"  # the entry's current version
        _accessible(page, f"{base}/fr/teams/{team_id}")
        _accessible(page, f"{base}/en{path}/review")
