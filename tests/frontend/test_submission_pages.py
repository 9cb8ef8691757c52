"""The submission pages as a signed-in team member uses them: start an entry, save versions,
upload and remove files, review, finalize and read the receipt, withdraw; every refusal is
shown on the page and writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from app.access.vocabulary import Role
from app.accounts import service as accounts
from app.competitions import service as competitions
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity import service as identity
from app.submissions import receipts, service, states, validation
from app.submissions.models import Attachment, Submission
from app.teams import service as teams
from frontend.submissions.common import WORD_PATTERN_JS
from tests.conftest import DURING_SPRINT
from tests.identity.factories import make_user
from tests.submissions.factories import CHALLENGE, complete_answers, rows
from tests.teams.factories import G7
from tests.waiting import eventually
from tests.web import CSRF, PASSWORD, Mailbox, post_form, sign_in, signed_up

PDF = b"%PDF-1.7\n" + b"x" * 2000
EMAIL = "ada@example.org"


def _member(web: TestClient, mailbox: Mailbox, engine: Engine, email: str = EMAIL) -> int:
    """Sign up on the pages, with a profile that makes the team eligible; form a team."""
    signed_up(web, mailbox, email)
    with new_session(engine, write=True) as session, session.begin():
        user = identity.get_user_by_email(session, email=email)
        assert user is not None
        changes = {"country_of_residence": "CA", "age_bracket": "30-plus"}
        identity.update_profile(session, user=user, changes=changes, now=DURING_SPRINT)
        competition = competitions.get_competition(session, slug=G7)
        by = identity.actor_for_user(session, user=user, scopes=None, via="session")
        team = teams.create_team(
            session, competition=competition, name="Les Castors", now=DURING_SPRINT, by=by
        )
        return team.id or 0


def _start(web: TestClient, team_id: int, lang: str = "en") -> str:
    page = f"/{lang}/teams/{team_id}/submissions/new"
    response = post_form(web, page, {"challenge": CHALLENGE, "title": "Triage"})
    assert response.status_code == 303, response.text
    location = str(response.headers["location"])
    assert re.fullmatch(rf"/{lang}/submissions/\d+", location)
    return location


def _form_of(answers: dict[str, Any]) -> dict[str, str]:
    """Answers as the editor's inputs send them: the questionnaire's as one radio group each."""
    data = {
        key: ("yes" if value else "no") if isinstance(value, bool) else str(value)
        for key, value in answers.items()
        if key not in {"challenge", "impact_assessment"}
    }
    for question, choice in answers.get("impact_assessment", {}).items():
        data[f"impact_assessment.{question}"] = choice
    return data


def _save(web: TestClient, editor: str, data: dict[str, str], version: int) -> Any:
    return post_form(web, editor, {"version": str(version), **data})


def _current(engine: Engine, editor: str) -> tuple[int, dict[str, Any]]:
    with new_session(engine) as session:
        submission = service.get_submission(session, submission_id=int(editor.split("/")[-1]))
        version = service.version_of(session, submission, submission.current_version)
        return version.number, dict(version.answers)


def _complete(web: TestClient, engine: Engine, editor: str) -> None:
    """Every answer, the impact questionnaire's included, through the editor."""
    assert _save(web, editor, _form_of(complete_answers()), 1).status_code == 303


def test_start_an_entry_then_save_versions(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    new = web.get(f"/en/teams/{team_id}/submissions/new")
    assert new.status_code == 200 and "Managing high volumes of information" in new.text
    assert f'href="/en/teams/{team_id}"' in new.text
    editor = _start(web, team_id)
    page = web.get(editor)
    assert page.status_code == 200
    assert 'data-word-pattern="' in page.text and 'aria-live="polite"' in page.text
    assert "1 word of at most 10" in page.text  # the title's counter, counted by the server
    assert "1 December 2025, 15:00 ET" in page.text and "2025-12-01 20:00:00 UTC" in page.text
    data = {"title": "Triage of public correspondence", "description": "Sorts letters."}
    saved = _save(web, editor, data, 1)
    assert saved.status_code == 303 and saved.headers["location"] == editor + "?done=saved"
    assert _current(loaded, editor) == (2, {"challenge": CHALLENGE, **data})
    shown = web.get(editor + "?done=saved")
    assert "Your changes are saved as a new version." in shown.text
    assert "4 words of at most 10" in shown.text and "Sorts letters." in shown.text
    cleared = _save(web, editor, {"title": "  ", "description": "Sorts letters."}, 2)
    assert cleared.status_code == 303
    assert "title" not in _current(loaded, editor)[1]  # an empty input clears the field


def test_refusals_when_starting_change_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    page = f"/en/teams/{team_id}/submissions/new"
    before = rows(loaded)
    blank = post_form(web, page, {"challenge": "", "title": "x"})
    assert blank.status_code == 422 and 'id="challenge-error"' in blank.text
    assert rows(loaded) == before
    _start(web, team_id)
    before = rows(loaded)
    second = post_form(web, "/fr" + page[3:], {"challenge": "navigating-rules"})
    assert second.status_code == 409
    assert "Une équipe" in second.text and rows(loaded) == before


def test_a_stale_version_keeps_the_text_and_writes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    assert _save(web, editor, {"title": "A teammate's title"}, 1).status_code == 303
    before = rows(loaded)
    stale = _save(web, editor, {"title": "My own title", "description": "My text."}, 1)
    assert stale.status_code == 409
    assert "saved version 2 while you were editing" in stale.text
    assert "My own title" in stale.text and "My text." in stale.text
    assert 'name="version" value="2"' in stale.text  # saving again replaces version 2
    assert rows(loaded) == before


@pytest.mark.parametrize(
    ("lang", "message"), [("en", "12 words; at most 10."), ("fr", "12 mots; au plus 10.")]
)
def test_a_word_limit_error_is_beside_the_field(
    web: TestClient, mailbox: Mailbox, loaded: Engine, lang: str, message: str
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id, lang)
    before = rows(loaded)
    title = "one two three four five six seven eight nine ten eleven twelve"
    refused = _save(web, editor, {"title": title, "video_url": "http://example.org"}, 1)
    assert refused.status_code == 422
    error = re.search(r'<p class="error-message" id="title-error">([^<]+)</p>', refused.text)
    assert error is not None and message in error.group(1).replace("\u202f", " ")
    assert 'id="video_url-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert title in refused.text and rows(loaded) == before


def test_files_upload_refusals_and_removal(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    token = CSRF.search(web.get(editor).text).group(1)  # type: ignore[union-attr]
    files = {"file": ("plan.pdf", PDF, "application/pdf")}
    sent = web.post(editor + "/attachments", data={"csrf_token": token}, files=files)
    assert sent.status_code == 303 and sent.headers["location"].endswith(
        "?done=uploaded#attachments"
    )
    page = web.get(sent.headers["location"])
    assert "plan.pdf" in page.text and "The file is attached to the entry." in page.text
    before = rows(loaded), _attachments(loaded)
    wrong = {"file": ("notes.pdf", b"just text", "application/pdf")}
    refused = web.post(editor + "/attachments", data={"csrf_token": token}, files=wrong)
    assert refused.status_code == 415 and "There is a problem" in refused.text
    assert 'value="Triage"' in refused.text  # the saved answers are still shown
    big = {"file": ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")}
    script = {"Accept": "application/json"}
    too_large = web.post(
        editor + "/attachments", data={"csrf_token": token}, files=big, headers=script
    )
    assert too_large.status_code == 413 and "(10 MiB)" in too_large.json()["message"]
    assert (rows(loaded), _attachments(loaded)) == before
    by_script = web.post(
        editor + "/attachments", data={"csrf_token": token}, files=files, headers=script
    )
    assert by_script.status_code == 201 and by_script.json()["location"].startswith(editor)
    first = _attachments(loaded)[0]
    removed = web.post(f"{editor}/attachments/{first}/remove", data={"csrf_token": token})
    assert removed.status_code == 303 and len(_attachments(loaded)) == 1


def _attachments(engine: Engine) -> list[int]:
    with new_session(engine) as session:
        return [a.id or 0 for a in session.exec(select(Attachment).order_by(Attachment.id)).all()]


def _missing(html: str) -> str:
    """The review page's list of what is still missing."""
    found = re.search(r'<ul class="missing">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_review_finalize_receipt(web: TestClient, mailbox: Mailbox, loaded: Engine) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    review = web.get(editor + "/review")
    assert review.status_code == 200
    assert f'href="{editor}#solution"' in _missing(review.text)  # links back to the field
    before = rows(loaded)
    early = post_form(web, editor + "/review", {}, action=editor + "/finalize")
    assert early.status_code == 422 and rows(loaded) == before
    _complete(web, loaded, editor)
    assert "#solution" not in _missing(web.get(editor + "/review").text)
    done = post_form(web, editor + "/review", {}, action=editor + "/finalize")
    assert done.status_code == 303 and done.headers["location"] == editor + "/receipt"
    receipt = web.get(editor + "/receipt")
    with new_session(loaded) as session:
        submission = service.get_submission(session, submission_id=int(editor.split("/")[-1]))
        found = states.current_receipt(session, submission)
        assert found is not None
        assert found.digest == receipts.digest(found.snapshot)
    assert found.digest in receipt.text and "hashlib.sha256" in receipt.text
    assert "<details>" in receipt.text and "window.print" not in receipt.text
    assert (
        "2025-11-20 17:00:00 UTC" in receipt.text
        and "@media print" in web.get("/static/site.css").text
    )
    assert eventually(lambda: any("Receipt" in str(m["Subject"]) for m in mailbox.messages))
    assert web.get("/fr" + editor[3:] + "/receipt").status_code == 200


def test_late_finalize_is_refused_naming_the_deadline(
    web: TestClient, mailbox: Mailbox, loaded: Engine, clock: FrozenClock
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    _complete(web, loaded, editor)
    clock.set(DURING_SPRINT + timedelta(days=12))
    assert sign_in(web, email_address=EMAIL).status_code == 303  # 12 days idle: signed out
    token = CSRF.search(web.get(editor + "/review").text).group(1)  # type: ignore[union-attr]
    before = rows(loaded)
    late = web.post(editor + "/finalize", data={"csrf_token": token})
    assert late.status_code == 409 and "2025-12-01 20:00:00" in late.text
    assert rows(loaded) == before
    assert "Finalize the entry</button>" not in late.text


def test_withdraw_needs_confirmation(web: TestClient, mailbox: Mailbox, loaded: Engine) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    before = rows(loaded)
    unconfirmed = post_form(web, editor + "/review", {}, action=editor + "/withdraw")
    assert unconfirmed.status_code == 422 and 'id="confirm-error"' in unconfirmed.text
    assert rows(loaded) == before
    done = post_form(web, editor + "/review", {"confirm": "yes"}, action=editor + "/withdraw")
    assert done.status_code == 303
    with new_session(loaded) as session:
        assert session.exec(select(Submission)).one().status == "withdrawn"
    page = web.get(done.headers["location"])
    assert "The entry is withdrawn." in page.text and ">Save</button>" not in page.text


def test_outsiders_get_404_and_organizers_only_read(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    with TestClient(web.app, follow_redirects=False) as other:
        assert other.get(editor).headers["location"].startswith("/en/account/sign-in?next=")
        signed_up(other, mailbox, "eve@example.org")
        for path in (editor, editor + "/review", f"/en/teams/{team_id}/submissions/new"):
            assert other.get(path).status_code == 404, path
        assert other.post(editor, data={}).status_code == 404
    make_user(loaded, "org@example.org", role=Role.ORGANIZER)
    with new_session(loaded, write=True) as session, session.begin():
        organizer = identity.get_user_by_email(session, email="org@example.org")
        assert organizer is not None
        accounts.set_password(
            session, user=organizer, password=PASSWORD, now=DURING_SPRINT, action="test"
        )
    with TestClient(web.app, follow_redirects=False) as staff:
        assert post_form(
            staff, "/en/account/sign-in",
            {"email": "org@example.org", "password": PASSWORD, "next": ""},
        ).status_code == 303  # fmt: skip
        page = staff.get(editor)
        assert page.status_code == 200 and "you cannot change it now" in page.text
        before = rows(loaded)
        refused = post_form(staff, editor, {"version": "1", "title": "Hijacked"})
        assert refused.status_code == 404 and rows(loaded) == before  # as the API: members only


def test_a_form_without_its_csrf_token_is_refused(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    before = rows(loaded)
    forged = web.post(editor, data={"version": "1", "title": "Forged", "csrf_token": "nope"})
    assert forged.status_code == 403 and "did not come from this site" in forged.text
    assert rows(loaded) == before
    assert web.post(editor + "/finalize", data={}).status_code == 403


def test_the_receipt_is_404_until_finalized(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    editor = _start(web, _member(web, mailbox, loaded))
    assert web.get(editor + "/receipt").status_code == 404


def test_the_browser_counts_words_with_the_servers_rule() -> None:
    """The pattern sent to the browser is the server's, with only the letter class respelled
    for JavaScript (whose \\W is ASCII only)."""
    assert "\\W" not in WORD_PATTERN_JS
    respelled = WORD_PATTERN_JS.replace(r"[\p{L}\p{N}]", r"[^\W_]")
    assert respelled == validation.WORD.pattern


def test_the_impact_questionnaire_in_the_editor_and_on_review(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    editor = _start(web, _member(web, mailbox, loaded))
    page = web.get(editor).text
    assert "Algorithmic impact assessment" in page
    assert 'name="impact_assessment.decision_role"' in page
    assert "Answer every question and save to see the impact level." in page
    assert (
        "Évaluation de l&#39;incidence algorithmique"
        in web.get(editor.replace("/en/", "/fr/")).text
    )

    before = _current(loaded, editor)
    refused = _save(web, editor, {"impact_assessment.decision_role": "sometimes"}, 1)
    assert refused.status_code == 422
    assert 'id="impact_assessment.decision_role-error"' in refused.text
    assert "Choose one of: assists, decides, none, recommends." in refused.text
    assert _current(loaded, editor) == before

    _complete(web, loaded, editor)
    version, answers = _current(loaded, editor)
    assert version == 2 and answers["impact_assessment"]["privacy_assessment"] == "yes"
    shown = web.get(editor).text
    assert "Impact level of the saved answers: Level II" in shown
    assert 'value="recommends" checked' in shown
    review = web.get(editor + "/review").text
    assert "Impact level: Level II" in review
    assert "It recommends a decision that a person reviews" in review
    fr = web.get(editor.replace("/en/", "/fr/") + "/review").text
    assert "Niveau d&#39;incidence : Niveau II" in fr


CHANGED = {
    "en": "Finalized (version 2), changed since: finalize again or version 2 counts",
    "fr": "Finalisée (version 2), modifiée depuis : finalisez-la de nouveau, sinon la version 2 "
    "compte",
}


def test_a_changed_finalized_entry_says_its_receipt_holds_the_older_version(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    """Finalized at version 2, then saved as version 3: the team page, the editor and the
    review page say that the receipt holds version 2, until the team finalizes again."""
    team_id = _member(web, mailbox, loaded)
    editor = _start(web, team_id)
    _complete(web, loaded, editor)
    done = post_form(web, editor + "/review", {}, action=editor + "/finalize")
    assert done.status_code == 303
    assert "Finalized (version 2)</dd>" in web.get(editor).text
    revised = _form_of(complete_answers(title="Triage, revised"))
    assert _save(web, editor, revised, 2).status_code == 303
    pages = (editor, editor + "/review", f"/en/teams/{team_id}")
    for lang in ("en", "fr"):
        for url in pages:
            page = web.get(f"/{lang}{url[3:]}")
            assert page.status_code == 200 and CHANGED[lang] in page.text, (lang, url)
    team_page = web.get(f"/en/teams/{team_id}").text
    assert re.search(r"changed since: finalize again or version 2 counts</td><td>3</td>", team_page)
    again = post_form(web, editor + "/review", {}, action=editor + "/finalize")
    assert again.status_code == 303
    for url in pages:
        page = web.get(url).text
        assert "Finalized (version 3)" in page and "changed since" not in page, url
