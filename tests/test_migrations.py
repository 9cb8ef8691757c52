"""Migrations build the schema from empty, undo cleanly, and never drift from the models."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from app.core.migrations import alembic_config, check, head_revision, upgrade
from app.models import metadata


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    check(database_url)  # raises if `alembic check` finds an operation to generate
    assert _tables(database_url) >= set(metadata.tables)


def test_downgrade_to_empty_and_up_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert _tables(database_url) <= {"alembic_version"}
    upgrade(database_url)
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )
    engine.dispose()


def test_every_constraint_is_named_by_the_convention(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=NullPool)
    inspector = inspect(engine)
    for table in metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"] and fk["name"].startswith(f"fk_{table}_")
        for unique in inspector.get_unique_constraints(table):
            assert unique["name"] and unique["name"].startswith(f"uq_{table}_")
    engine.dispose()
