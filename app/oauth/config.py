"""Lifetimes of what the authorization server issues, from ``GOVAI_OAUTH_*``.

Kept apart from ``app.core.config.Settings`` (owned by the core) until the lead folds them in.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.config import Settings


class OAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVAI_OAUTH_", env_file=".env", extra="ignore")

    access_token_minutes: int = Field(default=10, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    authorization_code_seconds: int = Field(default=60, ge=10, le=600)
    # Attempts at the token endpoint per fixed window (app.accounts.ratelimit).
    token_limit_per_client: int = Field(default=60, ge=1)
    token_limit_per_address: int = Field(default=300, ge=1)
    token_window_seconds: int = Field(default=60, ge=1)

    @property
    def access_token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.access_token_minutes)

    @property
    def refresh_token_lifetime(self) -> timedelta:
        return timedelta(days=self.refresh_token_days)

    @property
    def authorization_code_lifetime(self) -> timedelta:
        return timedelta(seconds=self.authorization_code_seconds)


@lru_cache
def oauth_settings() -> OAuthSettings:
    return OAuthSettings()


def issuer(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def audience(settings: Settings) -> str:
    """The identifier of the protected API: what every access token's ``aud`` must name."""
    return issuer(settings) + "/api"
