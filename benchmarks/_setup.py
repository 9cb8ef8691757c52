"""Set-up of the deadline surge, not timed: a fresh database, the G7 catalogue, and N teams of
one, each with an eligible captain, a personal access token, a complete draft and one PDF.

Everything goes through the services, in a few large transactions.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.competitions import service as competitions
from app.competitions.sync import load_catalogue
from app.core.config import ROOT, Settings
from app.core.db import make_engine, new_session
from app.core.migrations import upgrade
from app.identity import service as identity
from app.oauth.personal_tokens import issue_personal_token
from app.submissions import attachments
from app.submissions import context as entries
from app.submissions import service as submissions
from app.teams import service as teams
from tests.submissions.factories import LONG_FIELDS, complete_answers

G7 = "g7-govai-2025"
CATALOGUE = ROOT / "challenges"
SET_UP_AT = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)  # the morning of the deadline day
BATCH = 50


@dataclass(frozen=True)
class Entry:
    """One team ready to finalize: its draft and its captain's bearer token."""

    team_id: int
    submission_id: int
    token: str


def answers(n: int) -> dict[str, object]:
    """A complete G7 answer set, the tests' own (so both follow form.yaml and impact.yaml), with
    texts of its own for team ``n``."""
    return complete_answers(
        title=f"Triage of public correspondence {n}",
        **{name: f"A short answer about {name} from team {n}." for name in LONG_FIELDS},
    )


def pdf(size: int) -> bytes:
    """A small valid PDF of exactly ``size`` bytes whose padding (random, so every team's file
    is its own blob) sits in a stream object."""
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    head += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n3 0 obj\n<< /Length "
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    fixed = len(head) + len(tail) + len(b" >>\nstream\n") + 10
    padding = os.urandom(max(size - fixed, 0))
    body = head + f"{len(padding):>10}".encode() + b" >>\nstream\n" + padding + tail
    return body


@contextmanager
def fresh_database(base_url: str | None, folder: Path, name: str) -> Iterator[str]:
    """A new, empty database: a SQLite file in ``folder``, or a PostgreSQL database created on
    the server of ``base_url`` and dropped (with its connections) at the end."""
    if base_url is None:
        yield f"sqlite:///{folder / (name + '.sqlite3')}"
        return
    database = f"govai_bench_{re.sub(r'[^a-z0-9]', '_', name.lower())}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(base_url).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def settings_for(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        environment="development",
        data_dir=data_dir,
        database_url=database_url,
        catalogue_dir=CATALOGUE,
        secret_key="bench-" + uuid.uuid4().hex,
    )


def prepare(settings: Settings, *, teams_count: int, attachment_bytes: int) -> list[Entry]:
    """Migrate, load the catalogue and make ``teams_count`` entries ready to finalize."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings)
    try:
        with new_session(engine, write=True) as session, session.begin():
            load_catalogue(session, path=CATALOGUE, now=SET_UP_AT, actor="benchmark")
        entries: list[Entry] = []
        for start in range(0, teams_count, BATCH):
            stop = min(start + BATCH, teams_count)
            entries += _batch(engine, settings, range(start, stop), attachment_bytes)
        return entries
    finally:
        engine.dispose()


def _batch(engine: Engine, settings: Settings, numbers: range, size: int) -> list[Entry]:
    with new_session(engine, write=True) as session, session.begin():
        return [_entry(session, settings, n, size) for n in numbers]


def _entry(session: Session, settings: Settings, n: int, size: int) -> Entry:
    now, email = SET_UP_AT, f"captain{n}@bench.example.org"
    user = identity.create_user(
        session, email=email, name=f"Captain {n}", now=now, actor="benchmark", verified=True
    )
    profile: dict[str, object] = {
        "country_of_residence": "CA",
        "age_bracket": "30-plus",
        "preferred_language": "en",
    }
    identity.update_profile(session, user=user, changes=profile, now=now)
    _, token = issue_personal_token(
        session,
        actor="test",
        user=user,
        name="bench",
        scopes=["participate"],
        expires_in_days=30,
        now=now,
    )
    competition = competitions.get_competition(session, slug=G7)
    by = identity.actor_for_user(session, user=user, scopes=None, via="session")
    team = teams.create_team(session, competition=competition, name=f"Team {n}", now=now, by=by)
    context = entries.team_context(session, team=team, now=now)
    submission, _ = submissions.create(session, context=context, by=by, answers=answers(n), now=now)
    attachments.add(
        session,
        context=entries.with_entry(session, context, submission),
        by=by,
        source=io.BytesIO(pdf(size)),
        filename=f"plan-{n}.pdf",
        settings=settings,
        now=now,
    )
    return Entry(team_id=team.id or 0, submission_id=submission.id or 0, token=token)
