"""The submission services check the permission themselves: a caller that skips the API's and
the pages' loaders (a script, a future page) still meets the role, scope and phase rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.db import new_session
from app.core.errors import DeadlinePassed, Forbidden, InsufficientScope
from app.identity import service as identity
from app.identity.actor import Actor
from app.submissions import context as entries
from app.submissions import service
from tests.conftest import DURING_SPRINT
from tests.submissions.factories import complete_answers, draft, rows
from tests.teams.factories import form, person


def _save(engine: Engine, submission_id: int, by: Actor, *, days: int = 0) -> None:
    now = DURING_SPRINT + timedelta(days=days)
    with new_session(engine, write=True) as session, session.begin():
        submission = service.get_submission(session, submission_id=submission_id)
        team = entries.teams.get_team(session, team_id=submission.team_id)
        context = entries.with_entry(
            session, entries.team_context(session, team=team, now=now), submission
        )
        service.save(
            session, context=context, by=by, patch=complete_answers(), if_match="1", now=now
        )


def _actor(engine: Engine, email: str, scopes: frozenset[str] | None) -> Actor:
    with new_session(engine) as session:
        user = identity.get_user_by_email(session, email=email)
        assert user is not None
        return identity.actor_for_user(session, user=user, scopes=scopes, via="token")


def test_the_service_refuses_what_the_permission_does_not_allow(
    client: TestClient, loaded: Engine
) -> None:
    _, cap = person(loaded, "cap@example.org")
    sid = draft(client, form(client, cap)["id"], cap)["id"]
    before = rows(loaded)
    with pytest.raises(InsufficientScope):
        _save(loaded, sid, _actor(loaded, "cap@example.org", frozenset({"read"})))
    service_client = Actor(kind="client", scopes=frozenset({"participate"}), via="token")
    with pytest.raises(Forbidden):
        _save(loaded, sid, service_client)
    with pytest.raises(DeadlinePassed):  # after the team's window, named as the deadline
        _save(loaded, sid, _actor(loaded, "cap@example.org", None), days=40)
    assert rows(loaded) == before
    _save(loaded, sid, _actor(loaded, "cap@example.org", None))
    assert rows(loaded) != before
