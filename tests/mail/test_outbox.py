"""The mail outbox: a message goes out if and only if the change it announces was committed,
right after the response; a mail server that is down delays it, and it is retried until it is
delivered, or given up after the last try."""

from __future__ import annotations

from datetime import timedelta

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import select

from app.core import mail
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.mail import service as outbox
from app.mail.models import OutboundMail
from app.main import create_app
from tests.servers import free_port
from tests.teams.factories import form, person
from tests.waiting import eventually
from tests.web import Mailbox


def _rows(engine: Engine) -> list[OutboundMail]:
    with new_session(engine) as session:
        return list(session.exec(select(OutboundMail).order_by(OutboundMail.id)).all())


def _invite(client: TestClient, headers: dict[str, str], team_id: int, email: str) -> int:
    url = f"/api/v1/teams/{team_id}/invitations"
    return client.post(url, json={"email": email}, headers=headers).status_code


def test_a_message_waits_for_a_mail_server_that_is_down_then_goes_out(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    port = free_port()  # nothing listens here yet
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", port, False
    with TestClient(create_app(settings, clock)) as client:
        _, captain = person(loaded, "cap@example.org")
        team_id = form(client, captain)["id"]
        assert _invite(client, captain, team_id, "ivy@example.org") == 201  # the change stands
    [row] = _rows(loaded)
    assert row.recipient == "ivy@example.org" and row.sent_at is None and row.attempts == 1
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(seconds=outbox.RETRY_AFTER[0])

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(0, 0)  # not yet
        clock.advance(timedelta(seconds=outbox.RETRY_AFTER[0]))
        assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(1, 0)
    finally:
        controller.stop()
    assert "/teams/join/" in box.last_to("ivy@example.org").get_content()
    [row] = _rows(loaded)
    assert row.sent_at == clock.now() and row.attempts == 2 and row.last_error is None
    assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(0, 0)  # sent once


def test_a_refused_or_rolled_back_change_sends_nothing(
    client: TestClient, settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    _, captain = person(loaded, "cap@example.org")
    _, other = person(loaded, "other@example.org")
    team_id = form(client, captain)["id"]
    assert _invite(client, other, team_id, "ivy@example.org") == 404  # not this person's team
    assert _rows(loaded) == []
    with new_session(loaded, write=True) as session:
        session.begin()
        message = mail.compose(
            settings, to="x@example.org", subject="s", body="b", lang="en", at=clock.now()
        )
        outbox.queue(session, message, now=clock.now())
        session.rollback()
    assert _rows(loaded) == []
    assert _invite(client, captain, team_id, "ivy@example.org") == 201
    outbox_folder = settings.data_dir / "outbox"  # no SMTP server: delivered into this folder
    assert len(eventually(lambda: list(outbox_folder.glob("*.eml")))) == 1
    assert eventually(lambda: _rows(loaded)[0].sent_at) is not None


def test_a_message_is_given_up_after_the_last_try(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    settings.smtp_host, settings.smtp_port = "127.0.0.1", free_port()
    with new_session(loaded, write=True) as session, session.begin():
        message = mail.compose(
            settings, to="x@example.org", subject="s", body="b", lang="en", at=clock.now()
        )
        outbox.queue(session, message, now=clock.now())
    for _ in range(outbox.MAX_ATTEMPTS):
        assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(0, 1)
        clock.advance(timedelta(days=1))
    assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(0, 0)
    with new_session(loaded) as session:
        assert outbox.status(session) == {"sent": 0, "waiting": 0, "given_up": 1}
        stored = session.execute(text("SELECT attempts FROM outbound_mail")).scalar_one()
    assert stored == outbox.MAX_ATTEMPTS


def test_given_up_messages_are_listed_and_tried_again_on_request(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    """The operator sees what was not delivered and why, mends the mail server, and asks for
    another run of tries: only undelivered messages are touched."""
    port = free_port()
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", port, False
    with new_session(loaded, write=True) as session, session.begin():
        for to in ("a@example.org", "b@example.org", "c@example.org"):
            message = mail.compose(
                settings, to=to, subject=f"to {to}", body="b", lang="en", at=clock.now()
            )
            outbox.queue(session, message, now=clock.now())
    for _ in range(outbox.MAX_ATTEMPTS):  # the server is down for every try
        outbox.deliver_pending(loaded, settings, clock)
        clock.advance(timedelta(days=1))
    with new_session(loaded, write=True) as session, session.begin():
        a, _, _ = outbox.unsent(session, given_up_only=True)
        assert (a.recipient, a.attempts) == ("a@example.org", outbox.MAX_ATTEMPTS)
        assert a.last_error and "Connection" in a.last_error
        assert outbox.retry(session, now=clock.now()) == 0  # nothing named: nothing done
        assert outbox.retry(session, now=clock.now(), ids=[int(a.id or 0)]) == 1
    with new_session(loaded) as session:
        assert outbox.status(session) == {"sent": 0, "waiting": 1, "given_up": 2}
        assert [m.recipient for m in outbox.unsent(session, given_up_only=True)] == [
            "b@example.org",
            "c@example.org",
        ]

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(1, 0)
        with new_session(loaded, write=True) as session, session.begin():
            assert outbox.retry(session, now=clock.now(), given_up=True) == 2
            sent_one = int(a.id or 0)
            assert outbox.retry(session, now=clock.now(), ids=[sent_one]) == 0  # already sent
        assert outbox.deliver_pending(loaded, settings, clock) == outbox.Delivery(2, 0)
    finally:
        controller.stop()
    assert sorted(str(m["To"]) for m in box.messages) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    with new_session(loaded) as session:
        assert outbox.status(session) == {"sent": 3, "waiting": 0, "given_up": 0}
        assert outbox.unsent(session) == []


def test_a_message_over_a_thousand_bytes_goes_out_in_crlf_lines(
    settings: Settings, clock: FrozenClock, mailbox: Mailbox
) -> None:
    body = "Une ligne de texte, en français.\n" * 40  # over 1000 bytes, short lines
    message = mail.compose(
        settings, to="ivy@example.org", subject="Long", body=body, lang="fr", at=clock.now()
    )
    assert len(message.as_bytes()) > 1000
    mail.deliver(settings, recipient="ivy@example.org", raw=message.as_bytes())
    received = mailbox.last_to("ivy@example.org").get_content()
    assert received.splitlines() == body.splitlines()  # whole, line by line
