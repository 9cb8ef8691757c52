"""Settings, read from the environment with the prefix ``GOVAI_``."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core import files

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVAI_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = ROOT / "data"
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in the data folder."
    )
    catalogue_dir: Path = ROOT / "challenges"
    secret_key: str | None = None
    # Sized to the worker thread pool so that sync endpoints never wait on a connection held by
    # a request that itself waits for a thread (fastapi/fastapi#3205).
    worker_threads: int = Field(default=40, ge=1, le=1000)
    db_pool_overflow: int = Field(default=10, ge=0)
    # A sick database is answered fast (503 with Retry-After) instead of hanging every request:
    # opening a connection (PostgreSQL; libpq's least is 2 s), waiting for a pooled one, one
    # statement (PostgreSQL; 0: no bound) and SQLite's wait for its write lock all give up
    # after a few seconds.
    db_connect_timeout_seconds: int = Field(default=5, ge=2)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=5.0, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0)
    public_cache_seconds: int = Field(default=60, ge=0)
    # Every request body is refused (413) past this size, before it is stored: keep it above
    # the largest attachment limit of the competitions served (10 MiB for the G7 edition).
    max_request_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # A request body must have arrived this long after the request's head, else 408. Bodies are
    # received before the request is admitted, so a slow one holds no thread nor connection.
    body_timeout_seconds: float = Field(default=60.0, gt=0)
    # A request head with more header bytes (names and values) or more headers is refused (431).
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=10)
    # How often the sender thread delivers what is due in the mail outbox (retries mostly:
    # a request delivers its own messages as soon as it has answered).
    mail_retry_seconds: float = Field(default=30.0, gt=0)
    # Retention (app.maintenance): idempotent replays are promised within idempotency_keep_days;
    # sent e-mail is kept mail_keep_days for support; the sweep runs every sweep_every_hours
    # in the server process (0: never; `govai sweep` runs it from the command line).
    idempotency_keep_days: int = Field(default=30, ge=1)
    mail_keep_days: int = Field(default=30, ge=1)
    sweep_every_hours: float = Field(default=24.0, ge=0)
    # GET /api/v1/audit/verify checks new records at each call and recomputes every record at
    # least this often (app.audit.service.ChainVerifier).
    audit_full_check_seconds: int = Field(default=300, ge=1)
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public address: every absolute link (e-mails, pages, feeds) starts here",
    )
    # Host names accepted besides the base URL's, comma-separated (outside development an
    # unknown Host header is refused with 400).
    allowed_hosts: str = ""
    # Addresses or networks, comma-separated, of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed (`govai serve`); empty: the connection's own address.
    trusted_proxies: str = ""
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "GovAI Challenge Platform <no-reply@localhost>"
    # Sign-in (app/accounts). OpenID Connect is on when the issuer, client id and secret are set;
    # local accounts are on by default only when it is not (GOVAI_LOCAL_ACCOUNTS=true: both).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_display_name: str = Field(
        default="OpenID Connect", description="The provider's name on the sign-in button"
    )
    local_accounts: bool | None = None
    # Browser sessions (app.accounts.sessions): one ends this long after sign-in, or after this
    # long without a request (its last use is noted to the minute), whichever comes first.
    session_max_age_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    session_idle_seconds: int = Field(default=2 * 3600, ge=120)
    verification_link_hours: int = Field(default=48, ge=1)
    reset_link_minutes: int = Field(default=60, ge=5)
    # The admin's one-time password (`govai admin create`) is refused this long after it was made.
    one_time_password_hours: int = Field(default=24, ge=1)
    # Abuse limits, per fixed window, kept in the database (all workers share them).
    sign_in_limit_per_account: int = Field(default=10, ge=1)
    sign_in_limit_per_address: int = Field(default=50, ge=1)
    sign_in_window_seconds: int = Field(default=900, ge=1)
    mail_limit_per_account: int = Field(default=3, ge=1)
    mail_limit_per_address: int = Field(default=20, ge=1)
    mail_window_seconds: int = Field(default=3600, ge=1)
    upload_limit_per_person: int = Field(default=30, ge=1)
    upload_window_seconds: int = Field(default=600, ge=1)
    lockout_after_failures: int = Field(default=5, ge=1)
    lockout_base_seconds: int = Field(default=60, ge=1)
    lockout_max_seconds: int = Field(default=3600, ge=1)

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            if not self.secret_key:
                raise ValueError("GOVAI_SECRET_KEY is required in production")
            if not self.database_url:
                raise ValueError("GOVAI_DATABASE_URL is required in production")
        return self

    @model_validator(mode="after")
    def _proxies_are_addresses(self) -> Settings:
        for entry in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(entry)
            except ValueError as exc:
                raise ValueError(
                    f"GOVAI_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from exc
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip()]

    @property
    def host_names(self) -> frozenset[str]:
        """The Host header values (without port) this site answers to: the base URL's host and
        ``allowed_hosts``."""
        extra = {host.strip().lower() for host in self.allowed_hosts.split(",") if host.strip()}
        return frozenset({(urlsplit(self.base_url).hostname or "").lower(), *extra})

    @property
    def public_base_url(self) -> str:
        """The base URL without a trailing slash, to prefix a path with."""
        return self.base_url.rstrip("/")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'govai.sqlite3'}"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def local_accounts_enabled(self) -> bool:
        return self.local_accounts if self.local_accounts is not None else not self.oidc_issuer

    def ensure_secret_key(self) -> str:
        """The signing secret: from the environment, or generated once into the data folder."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():  # the first start; workers starting together read one secret
            files.publish_once(path, secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
