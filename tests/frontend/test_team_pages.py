"""The team pages, as a signed-in person uses them: form a team, read the eligibility panel,
invite, hand over, remove, leave; refusals change nothing."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.access.vocabulary import Role
from app.accounts import service as accounts
from app.audit.models import AuditRecord
from app.competitions import service as competitions
from app.core.clock import FrozenClock
from app.core.db import new_session
from app.identity import service as identity
from app.mail.models import OutboundMail
from app.teams import service as team_service
from app.teams.models import Team, TeamInvitation, TeamMember
from tests.conftest import DURING_SPRINT
from tests.teams.factories import G7, form, invite_code, join, person
from tests.web import PASSWORD, Mailbox, csrf_of, path_of, post_form, sign_in, signed_up

HOME = f"/en/competitions/{G7}/team"
CODE = re.compile(r"/en/teams/join/([A-Za-z0-9_-]+)")


def _profile(engine: Engine, email: str, **changes: object) -> None:
    with new_session(engine, write=True) as session, session.begin():
        user = identity.get_user_by_email(session, email=email)
        assert user is not None
        identity.update_profile(session, user=user, changes=changes, now=DURING_SPRINT)


def _form_team(web: TestClient, name: str = "Les Castors") -> str:
    """Form a team on the page; the team page's path."""
    response = post_form(web, HOME, {"name": name})
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


def _invite(web: TestClient, page: str, email: str) -> str:
    """Invite on the team page; the code it shows."""
    sent = post_form(web, page, {"email": email}, action=page + "/invitations")
    assert sent.status_code == 200, sent.text
    shown = CODE.search(sent.text)
    assert shown is not None
    return shown.group(1)


def _invitations(engine: Engine) -> int:
    with new_session(engine) as session:
        return len(session.exec(select(TeamInvitation)).all())


def _queued_mail(engine: Engine) -> int:
    with new_session(engine) as session:
        return len(session.exec(select(OutboundMail)).all())


def _members(web: TestClient, team_id: str, headers: dict[str, str]) -> list[dict[str, object]]:
    return list(web.get(f"/api/v1/teams/{team_id}", headers=headers).json()["members"])


def test_forming_a_team_then_finding_it_again(web: TestClient, mailbox: Mailbox) -> None:
    assert web.get(HOME).headers["location"].startswith("/en/account/sign-in?next=")
    signed_up(web, mailbox, "ada@example.org")
    blank = post_form(web, HOME, {"name": "   "})
    assert blank.status_code == 422 and 'id="name-error"' in blank.text
    page = _form_team(web)
    assert re.fullmatch(r"/en/teams/\d+", page)
    shown = web.get(page + "?notice=formed")
    assert shown.status_code == 200
    assert "Les Castors" in shown.text and "captain" in shown.text
    assert "1 of 4 places taken" in shown.text
    assert "1 December 2025, 15:00 ET" in shown.text and "20:00 UTC" in shown.text
    again = web.get(HOME)
    assert again.status_code == 303 and again.headers["location"] == page
    assert "Your team" in web.get(f"/en/competitions/{G7}").text


def test_a_team_is_a_404_to_outsiders(web: TestClient, mailbox: Mailbox, loaded: Engine) -> None:
    _, captain = person(loaded, "cap@example.org")
    team = form(web, captain)
    signed_up(web, mailbox, "nosy@example.org")
    assert web.get(f"/en/teams/{team['id']}").status_code == 404
    assert web.get("/fr/teams/99999999999").status_code == 404
    mine = _form_team(web, "Nosy")
    refused = post_form(web, mine, {}, action=f"/en/teams/{team['id']}/leave")
    assert refused.status_code == 404
    assert len(_members(web, str(team["id"]), captain)) == 1


def test_the_eligibility_panel_says_what_is_unknown_and_why(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    en = web.get(page).text
    assert "Not known yet" in en and "country of legal residence" in en
    assert "Your team may not take part yet" in en
    assert 'href="/en/account/profile"' in en
    fr = web.get(page.replace("/en/", "/fr/")).text
    assert "Pas encore connu" in fr and "pays de résidence légale" in fr
    assert 'href="/fr/account/profile"' in fr

    _profile(loaded, "ada@example.org", country_of_residence="FR", age_bracket="18-29")
    en = web.get(page).text
    assert "Not known yet" not in en and "Your team may take part." in en
    assert "Recognition only" in en and "dedicated pool" in en
    fr = web.get(page.replace("/en/", "/fr/")).text
    assert "Reconnaissance seulement" in fr and "volet qui leur est réservé" in fr


def test_inviting_by_email_shows_the_link_once_and_mails_it(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    sent = post_form(web, page, {"email": "ivy@example.org"}, action=page + "/invitations")
    assert sent.status_code == 200 and "sent to ivy@example.org" in sent.text
    shown = CODE.search(sent.text)
    assert shown is not None
    assert path_of(mailbox.link_to("ivy@example.org")) == f"/en/teams/join/{shown.group(1)}"
    assert _invitations(loaded) == 1
    assert shown.group(1) not in web.get(page).text


def test_a_refused_invitation_changes_nothing(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    bad = post_form(web, page, {"email": "not an address"}, action=page + "/invitations")
    assert bad.status_code == 422 and 'id="email-error"' in bad.text
    assert 'value="not an address"' in bad.text
    _, captain = person(loaded, "cap@example.org")
    other = form(web, captain, "Autre")
    assert post_form(web, page, {}, action=page + "/leave").status_code == 303
    joining = f"/en/teams/join/{invite_code(web, other['id'], captain, 'ada@example.org')}"
    assert post_form(web, joining, {}).status_code == 200
    count, queued = _invitations(loaded), _queued_mail(loaded)
    theirs = f"/en/teams/{other['id']}"
    refused = post_form(web, theirs, {"email": "x@example.org"}, action=theirs + "/invitations")
    assert refused.status_code == 403 and "Only the team" in refused.text
    assert _invitations(loaded) == count and _queued_mail(loaded) == queued  # no mail either


def test_handing_over_removing_and_leaving(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    team_id = page.rsplit("/", 1)[1]
    others = [person(loaded, f"m{n}@example.org") for n in (1, 2)]
    for n, (_, headers) in enumerate(others, 1):
        assert join(web, _invite(web, page, f"m{n}@example.org"), headers).status_code == 200
    (one, one_headers), (two, _) = others

    stays = post_form(web, page, {}, action=page + "/leave")
    assert stays.status_code == 409 and "Hand over the captain role" in stays.text
    removed = post_form(web, page, {}, action=f"{page}/members/{two}/remove")
    assert removed.status_code == 303 and removed.headers["location"].endswith("notice=removed")
    assert "removed from the team" in web.get(removed.headers["location"]).text
    handed = post_form(web, page, {"user_id": str(one)}, action=page + "/captain")
    assert handed.status_code == 303
    read = web.get(f"/api/v1/teams/{team_id}", headers=one_headers).json()
    assert read["captain_id"] == one and len(read["members"]) == 2
    not_captain = post_form(web, page, {}, action=f"{page}/members/{one}/remove")
    assert not_captain.status_code == 403
    left = post_form(web, page, {}, action=page + "/leave")
    assert left.status_code == 303 and left.headers["location"] == HOME + "?notice=left"
    assert "You left the team." in web.get(left.headers["location"]).text
    assert len(_members(web, team_id, one_headers)) == 1


def test_a_change_without_the_form_token_is_refused(web: TestClient, mailbox: Mailbox) -> None:
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    refused = web.post(page + "/leave", data={"csrf_token": "stale"})
    assert refused.status_code == 403 and "Les Castors" in refused.text
    assert web.get(HOME).headers["location"] == page
    formed = web.post(HOME, data={"csrf_token": "stale", "name": "Twice"})
    assert formed.status_code == 403


def test_the_captain_attests_funding_and_names_a_guardian(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    _profile(loaded, "ada@example.org", country_of_residence="FR", age_bracket="18-29")
    page = _form_team(web)
    assert "Recognition only" in web.get(page).text
    too_long = post_form(web, page, {"guardian_name": "x" * 201}, action=page + "/declarations")
    assert too_long.status_code == 422 and 'id="guardian_name-error"' in too_long.text
    saved = post_form(
        web,
        page,
        {"funding_attestation": "yes", "guardian_name": " Grace Hopper "},
        action=page + "/declarations",
    )
    assert saved.status_code == 303
    shown = web.get(saved.headers["location"]).text
    assert "The team&#39;s declarations are saved." in shown
    assert "Your team may receive funding if its entry is selected." in shown
    assert 'value="Grace Hopper"' in shown and "Recognition only" not in shown
    withdrawn = post_form(web, page, {}, action=page + "/declarations")
    assert withdrawn.status_code == 303 and "Recognition only" in web.get(page).text


def test_a_double_clicked_form_a_team_keeps_one_team_with_its_captain(
    web: TestClient, mailbox: Mailbox, loaded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two posts of the form at once. On PostgreSQL both pass the "not in a team yet" check
    before either inserts (a barrier holds them there), so the second flushes its team and is
    then refused by the membership's unique key; the refusal must take that team back too. On
    SQLite the second waits for the first's write lock and is refused before it writes."""
    signed_up(web, mailbox, "ada@example.org")
    token = csrf_of(web, HOME)
    if loaded.dialect.name == "postgresql":
        both_checked = threading.Barrier(2, timeout=10)
        checked = team_service._ensure_free

        def check_then_wait(session: Session, **kwargs: Any) -> None:
            checked(session, **kwargs)
            both_checked.wait()

        monkeypatch.setattr(team_service, "_ensure_free", check_then_wait)

    def post(name: str) -> int:
        return web.post(HOME, data={"csrf_token": token, "name": name}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(post, ["First click", "Second click"]))
    assert statuses == [303, 409]
    with new_session(loaded) as session:
        teams = session.exec(select(Team)).all()
        members = session.exec(select(TeamMember)).all()
        created = session.exec(
            select(AuditRecord).where(AuditRecord.action == "team.created")
        ).all()
    assert len(teams) == 1 and [m.team_id for m in members] == [teams[0].id]
    assert [record.subject for record in created] == [f"team:{teams[0].id}"]


def test_a_team_name_on_two_lines_is_refused_beside_the_field(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    refused = post_form(web, HOME, {"name": "x\r\nBcc: v@evil.example"})
    assert refused.status_code == 422 and 'id="name-error"' in refused.text
    assert "Use one line of text, without line breaks or control characters." in refused.text
    with new_session(loaded) as session:
        assert session.exec(select(Team)).all() == []


def test_a_guardian_name_on_two_lines_is_refused_beside_the_field(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    """The page keeps to the same limits as the API: the service checks them for both."""
    signed_up(web, mailbox, "ada@example.org")
    page = _form_team(web)
    refused = post_form(
        web, page, {"guardian_name": "Grace\u2028Hopper"}, action=page + "/declarations"
    )
    assert refused.status_code == 422 and 'id="guardian_name-error"' in refused.text
    assert "Use one line of text, without line breaks or control characters." in refused.text
    with new_session(loaded) as session:
        assert session.exec(select(Team)).one().guardian_name is None


def test_a_judge_of_the_competition_is_told_staff_do_not_compete(
    web: TestClient, mailbox: Mailbox, loaded: Engine
) -> None:
    signed_up(web, mailbox, "jude@example.org")
    with new_session(loaded, write=True) as session, session.begin():
        jude = identity.get_user_by_email(session, email="jude@example.org")
        assert jude is not None
        g7 = competitions.get_competition(session, slug=G7)
        identity.grant_role(
            session, user=jude, role=Role.JUDGE, competition=g7, now=DURING_SPRINT, actor="test"
        )
    said = "The competition&#39;s judges and organizers cannot be in one of its teams."
    assert said in web.get(HOME).text
    refused = post_form(web, HOME, {"name": "Inside job"})
    assert refused.status_code == 409 and said in refused.text
    with new_session(loaded) as session:
        assert session.exec(select(Team)).all() == []


def test_the_admin_page_refuses_to_make_a_team_member_judge_naming_the_team(
    web: TestClient, mailbox: Mailbox, loaded: Engine, clock: FrozenClock
) -> None:
    signed_up(web, mailbox, "ada@example.org")
    _form_team(web)
    web.cookies.clear()
    with new_session(loaded, write=True) as session, session.begin():
        root, _ = accounts.create_admin(
            session, email="root@example.org", name="Root", now=clock.now(), actor="test"
        )
        accounts.set_password(session, user=root, password=PASSWORD, now=clock.now(), action="t")
        ada = identity.get_user_by_email(session, email="ada@example.org")
        assert ada is not None
    assert sign_in(web, email_address="root@example.org").status_code == 303
    refused = post_form(
        web,
        "/fr/admin/users",
        {"role": "judge", "competition": G7},
        action=f"/fr/admin/users/{ada.id}/roles",
    )
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "Ada Lovelace est membre de l’équipe Les Castors de ce concours" in refused.text
    with new_session(loaded) as session:
        assert (
            identity.roles_view(session, user=identity.get_user(session, user_id=ada.id or 0)) == []
        )
