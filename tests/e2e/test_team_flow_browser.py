"""The whole participant's path in a real Chromium, in English and in French: a captain forms a
team and invites a teammate, who accepts; the captain starts an entry, answers every question
(the impact questionnaire included), uploads a file, finalizes, and both see the receipt.

Every label the test looks for comes from the translation catalogue, so the French run proves
the French pages carry the flow as well as the English ones."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.accounts import service as accounts
from app.competitions import service as competitions
from app.competitions.schemas import localized
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.core.i18n import gettext
from app.identity import service as identity
from app.main import create_app
from app.submissions.models import Receipt
from tests.conftest import DURING_SPRINT
from tests.identity.factories import make_user
from tests.servers import running_server
from tests.submissions.factories import CHALLENGE, IMPACT_ANSWERS, LONG_FIELDS
from tests.teams.factories import G7
from tests.web import PASSWORD, path_of

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _person(engine: Engine, email: str, lang: str) -> None:
    """A verified account with a password and a profile that makes it eligible."""
    user = make_user(engine, email)
    with new_session(engine, write=True) as session, session.begin():
        fresh = identity.get_user(session, user_id=user.id or 0)
        accounts.set_password(session, user=fresh, password=PASSWORD, now=DURING_SPRINT, action="t")
        changes = {"country_of_residence": "FR", "age_bracket": "18-29", "preferred_language": lang}
        identity.update_profile(session, user=fresh, changes=changes, now=DURING_SPRINT)


def _challenge_title(engine: Engine, lang: str) -> str:
    with new_session(engine) as session:
        competition = competitions.get_competition(session, slug=G7)
        return localized(
            competitions.get_challenge(session, competition=competition, slug=CHALLENGE),
            "title",
            lang,
        )


def _sign_in(page: Any, base: str, lang: str, email: str) -> None:
    t = _translator(lang)
    page.goto(f"{base}/{lang}/account/sign-in")
    page.get_by_role("textbox", name=t("E-mail address")).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Sign in")).click()
    page.wait_for_url(f"{base}/{lang}/")


def _translator(lang: str) -> Any:
    return lambda message, **params: gettext(lang, message, **params)


def _answer_everything(page: Any, lang: str) -> None:
    t = _translator(lang)
    for field in LONG_FIELDS:
        page.locator(f"#{field}").fill(f"{t('Answers')}: {field}.")
    page.locator("#video_url").fill("https://www.youtube.com/watch?v=abc123")
    for field in ("single_organization", "existing_systems", "easy_to_extend"):
        page.locator(f"#{field}-yes").check()
    for question, choice in IMPACT_ANSWERS.items():
        page.locator(f"input[name='impact_assessment.{question}'][value='{choice}']").check()
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.get_by_text(t("Your changes are saved as a new version.")).wait_for()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_from_forming_a_team_to_the_receipt(
    browser: Any, settings: Settings, clock: FrozenClock, loaded: Engine, lang: str
) -> None:
    t = _translator(lang)
    captain_email, mate_email = f"cap-{lang}@example.org", f"mate-{lang}@example.org"
    _person(loaded, captain_email, lang)
    _person(loaded, mate_email, lang)
    with running_server(create_app(settings, clock)) as base:
        captain = browser.new_context(locale=f"{lang}-CA", timezone_id="Asia/Tokyo").new_page()
        mate = browser.new_context(locale=f"{lang}-CA").new_page()

        _sign_in(captain, base, lang, captain_email)
        captain.goto(f"{base}/{lang}/competitions/{G7}")
        captain.get_by_role("link", name=t("Your team")).click()
        captain.get_by_role("textbox", name=t("Team name")).fill("Les Castors")
        captain.get_by_role("button", name=t("Form the team")).click()
        captain.get_by_role("heading", name="Les Castors", level=1).wait_for()
        team_page = captain.url.split("?")[0]

        captain.get_by_role("textbox", name=t("E-mail address")).fill(mate_email)
        captain.get_by_role("button", name=t("Send the invitation")).click()
        captain.get_by_text(t("The invitation was sent to %(email)s.", email=mate_email)).wait_for()
        link = captain.locator(".invitation-shown code").first.inner_text()

        _sign_in(mate, base, lang, mate_email)
        mate.goto(base + path_of(link))
        mate.get_by_role("button", name=t("Join the team")).click()
        mate.get_by_text(t("You are now a member of %(team)s.", team="Les Castors")).wait_for()

        captain.goto(team_page)
        captain.get_by_text(t("%(used)s of %(limit)s places taken", used=2, limit=4)).wait_for()
        captain.get_by_role("link", name=t("Start an entry")).click()
        captain.get_by_label(_challenge_title(loaded, lang)).check()
        captain.get_by_role("textbox", name=t("Title of the entry")).fill("Tri du courrier")
        captain.get_by_role("button", name=t("Start the entry")).click()
        captain.wait_for_url(re.compile(rf"{base}/{lang}/submissions/\d+$"))
        entry = captain.url
        _answer_everything(captain, lang)

        captain.set_input_files(
            "#file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        captain.get_by_role("button", name=t("Upload the file")).click()
        captain.get_by_role("cell", name="plan.pdf", exact=True).wait_for()

        captain.get_by_role("link", name=t("Review and finalize the entry")).click()
        captain.get_by_text(t("Every required answer is given.")).wait_for()
        captain.get_by_role("button", name=t("Finalize the entry")).click()
        captain.wait_for_url(f"{entry}/receipt")
        shown = captain.locator("code.digest").first.inner_text()
        zone = captain.locator(".receipt .viewer-zone").inner_text()  # the captain's own zone
        assert t("In your device's time zone:") in zone  # 17:00 UTC is 02:00 in Tokyo
        assert re.search(r"\b02( h |:)00\b", zone), zone
        with new_session(loaded) as session:
            [receipt] = session.exec(select(Receipt)).all()
        assert (
            shown == receipt.digest and receipt.snapshot["attachments"][0]["filename"] == "plan.pdf"
        )
        assert receipt.snapshot["impact_assessment"]["level_name"] == "II"

        mate.goto(f"{entry}/receipt")
        assert mate.locator("code.digest").first.inner_text() == receipt.digest
