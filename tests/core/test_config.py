import threading
from concurrent.futures import ThreadPoolExecutor
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


def test_workers_starting_together_share_one_secret(tmp_path: Path) -> None:
    """Several server workers on a fresh data folder: one secret is published, all read it, and
    no temporary file is left."""
    start = threading.Barrier(8)

    def first_start(_: int) -> str:
        start.wait()
        return Settings(data_dir=tmp_path).ensure_secret_key()

    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = set(pool.map(first_start, range(8)))
    assert secrets == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).sqlalchemy_url == f"sqlite:///{tmp_path}/govai.sqlite3"


def test_host_names_are_the_base_urls_and_the_allowed_ones() -> None:
    settings = Settings(base_url="https://Challenge.Example.ca/", allowed_hosts=" a.example, ,B.ex")
    assert settings.host_names == {"challenge.example.ca", "a.example", "b.ex"}
    assert settings.public_base_url == "https://Challenge.Example.ca"


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert Settings().trusted_proxy_list == []
    proxies = Settings(trusted_proxies="10.0.0.5, 10.1.0.0/16,::1").trusted_proxy_list
    assert proxies == ["10.0.0.5", "10.1.0.0/16", "::1"]
    for wrong in ("*", "proxy.internal", "10.0.0.1/8"):
        with pytest.raises(ValidationError, match="is not an IP address or network"):
            Settings(trusted_proxies=wrong)
