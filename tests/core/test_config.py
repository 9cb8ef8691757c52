from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_production_refuses_to_start_without_secret_and_database() -> None:
    with pytest.raises(ValidationError, match="GOVAI_SECRET_KEY is required"):
        Settings(environment="production", database_url="postgresql+psycopg://x@y/z")
    with pytest.raises(ValidationError, match="GOVAI_DATABASE_URL is required"):
        Settings(environment="production", secret_key="s")


def test_a_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.ensure_secret_key()
    assert len(first) >= 40 and first == Settings(data_dir=tmp_path).ensure_secret_key()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).sqlalchemy_url == f"sqlite:///{tmp_path}/govai.sqlite3"
