"""Synchronise catalogue definitions into the database, idempotently.

Loading the same files twice changes nothing (not even the audit log); changed text updates in
place; an event or problem statement removed from the files is deleted, unless other rows
refer to it (a problem statement with entries), in which case the whole load is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from app.audit import service as audit
from app.competitions.catalogue import Definition, definition_folders, load_definition
from app.competitions.catalogue_schemas import dump
from app.competitions.models import Challenge, Competition, Event, ScheduledPhase
from app.core.errors import CatalogueRefused
from app.core.i18n import N_


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_catalogue(session: Session, *, path: Path, now: datetime, actor: str) -> SyncReport:
    """Validate every definition under ``path`` first, then write them all in one transaction."""
    definitions = [load_definition(folder) for folder in definition_folders(path)]
    report = SyncReport()
    for definition in definitions:
        slug = definition.competition.slug
        outcome = sync_definition(session, definition=definition, now=now, actor=actor)
        getattr(report, outcome).append(slug)
    return report


def sync_definition(session: Session, *, definition: Definition, now: datetime, actor: str) -> str:
    """Create or update one competition; returns 'created', 'updated' or 'unchanged'."""
    spec = definition.competition
    competition = session.exec(select(Competition).where(Competition.slug == spec.slug)).first()
    if competition is not None and competition.source_digest == definition.digest:
        return "unchanged"
    outcome = "created" if competition is None else "updated"
    if competition is None:
        competition = Competition(slug=spec.slug, created_at=now, **_competition_fields(definition))
        session.add(competition)
    else:
        for name, value in _competition_fields(definition).items():
            setattr(competition, name, value)
    competition.updated_at = now
    session.flush()
    assert competition.id is not None
    _sync_schedule(session, competition.id, definition)
    _sync_challenges(session, competition.id, definition)
    _sync_events(session, competition.id, definition)
    audit.append(
        session,
        at=now,
        actor=actor,
        action=f"catalogue.{outcome}",
        competition=spec.slug,
        subject=str(definition.folder.name),
        public=True,
        payload={"digest": definition.digest},
    )
    return outcome


def _competition_fields(definition: Definition) -> dict[str, Any]:
    spec = definition.competition
    return {
        "name_en": spec.name.en,
        "name_fr": spec.name.fr,
        "summary_en": spec.summary.en,
        "summary_fr": spec.summary.fr,
        "lead_en": spec.lead.en,
        "lead_fr": spec.lead.fr,
        "website": spec.website,
        "timezone": spec.timezone,
        "currency": spec.currency,
        "envelope_cents": spec.envelope,
        "award_cap_cents": spec.award_cap,
        "contact_email": spec.contact_email,
        "submission_deadline": spec.deadline_utc(),
        "grace_period_seconds": spec.grace_period_seconds,
        "team_size_max": spec.team_size_max,
        "max_challenges_per_team": spec.max_challenges_per_team,
        "milestones": [dump(m) for m in spec.milestones],
        "attachment_max_bytes": spec.attachment_max_bytes,
        "attachment_max_files": spec.attachment_max_files,
        "attachment_max_total_bytes": spec.attachment_max_total_bytes,
        "attachment_types": list(spec.attachment_types),
        "eligibility": dump(definition.eligibility),
        "form": dump(definition.form),
        "rubric": dump(definition.rubric),
        "impact_assessment": dump(definition.impact) if definition.impact else None,
        "source_digest": definition.digest,
    }


def _sync_schedule(session: Session, competition_id: int, definition: Definition) -> None:
    wanted = {phase.value: at for phase, at in definition.competition.schedule_utc().items()}
    rows = _rows(session, ScheduledPhase, competition_id, key="phase")
    for phase, row in rows.items():
        if phase not in wanted:
            session.delete(row)
    for phase, at in wanted.items():
        row = rows.get(phase) or ScheduledPhase(
            competition_id=competition_id, phase=phase, starts_at=at
        )
        row.starts_at = at
        session.add(row)


def _sync_challenges(session: Session, competition_id: int, definition: Definition) -> None:
    rows = _rows(session, Challenge, competition_id, key="slug")
    wanted = {s.slug: s for s in definition.statements}
    _delete_unreferenced(session, [rows[slug] for slug in rows if slug not in wanted])
    for slug, statement in wanted.items():
        row = rows.get(slug) or Challenge(
            competition_id=competition_id,
            slug=slug,
            position=0,
            title_en="",
            title_fr="",
            summary_en="",
            summary_fr="",
            body_en="",
            body_fr="",
        )
        row.position = statement.position
        for lang in ("en", "fr"):
            setattr(row, f"title_{lang}", statement.title[lang])
            setattr(row, f"summary_{lang}", statement.summary[lang])
            setattr(row, f"body_{lang}", statement.body[lang])
        session.add(row)


def _sync_events(session: Session, competition_id: int, definition: Definition) -> None:
    spec = definition.competition
    rows = _rows(session, Event, competition_id, key="slug")
    wanted = {e.slug: e for e in definition.events.events}
    _delete_unreferenced(session, [rows[slug] for slug in rows if slug not in wanted])
    for slug, event in wanted.items():
        row = rows.get(slug) or Event(
            competition_id=competition_id,
            slug=slug,
            title_en="",
            title_fr="",
            description_en="",
            description_fr="",
            starts_at=spec.to_utc(event.starts_at),
            ends_at=spec.to_utc(event.ends_at),
        )
        row.title_en, row.title_fr = event.title.en, event.title.fr
        row.description_en, row.description_fr = event.description.en, event.description.fr
        row.starts_at, row.ends_at = spec.to_utc(event.starts_at), spec.to_utc(event.ends_at)
        row.online, row.registration_required = event.online, event.registration_required
        row.recording_url = event.recording_url
        session.add(row)


def _rows(
    session: Session, model: type[SQLModel], competition_id: int, *, key: str
) -> dict[str, Any]:
    found = session.exec(select(model).where(model.competition_id == competition_id))  # type: ignore[attr-defined]
    return {getattr(row, key): row for row in found}


_STILL_REFERENCED = {
    "challenge": N_(
        "The problem statement '%(slug)s' was removed from the files but %(count)s records "
        "refer to it; restore it, or remove those records first."
    ),
    "event": N_(
        "The event '%(slug)s' was removed from the files but %(count)s records refer to it; "
        "restore it, or remove those records first."
    ),
}


def _delete_unreferenced(session: Session, rows: list[Any]) -> None:
    for row in rows:
        references = count_references(session, row.__tablename__, row.id)
        if references:
            raise CatalogueRefused(
                _STILL_REFERENCED[row.__tablename__], slug=row.slug, count=references
            )
        session.delete(row)
    session.flush()


def count_references(session: Session, table: str, row_id: int) -> int:
    """Rows of any table whose foreign key points at ``table.id = row_id``."""
    inspector = inspect(session.connection())
    total = 0
    for other in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(other):
            if fk["referred_table"] == table and fk["referred_columns"] == ["id"]:
                column = fk["constrained_columns"][0]
                total += session.execute(
                    text(f'SELECT COUNT(*) FROM "{other}" WHERE "{column}" = :id'), {"id": row_id}
                ).scalar_one()
    return int(total)
