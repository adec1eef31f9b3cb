"""Runtime settings: environment variables ``PIMSYNC_<FIELD>`` and ``PIMSYNC_<SECTION>__<FIELD>``.

Examples: ``PIMSYNC_DATABASE_URL``, ``PIMSYNC_SECRET_KEY``, ``PIMSYNC_HOME``,
``PIMSYNC_ENGINE__BATCH_SIZE``. Secrets are :class:`pydantic.SecretStr` and never printed.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineSettings(BaseModel):
    """Defaults of the job engine; a job may override each of them."""

    batch_size: int = Field(500, ge=1, le=100_000, description="Records per load batch.")
    load_concurrency: int = Field(4, ge=1, le=64, description="Load batches in flight at once.")
    extract_concurrency: int = Field(2, ge=1, le=64, description="Source partitions read at once.")
    overlap_seconds: float = Field(
        60.0, ge=0, description="Differential runs re-read this much before the watermark."
    )
    max_attempts: int = Field(5, ge=1, description="Attempts before a failing record is parked.")
    lock_ttl_seconds: float = Field(
        300.0, gt=0, description="A lock whose heartbeat is older than this is stale."
    )


class WebSettings(BaseModel):
    """The web app and REST API (`pimsync serve`)."""

    public_url: str | None = Field(
        None,
        description="The hub's address as browsers reach it (e.g. https://hub.example.com), "
        "used for the Akeneo App's callback URL; default: the address of each request.",
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Mark the session cookie Secure: always, never, or (auto) when the "
        "request came over HTTPS.",
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="How long a sign-in lasts.")


class Settings(BaseSettings):
    """Settings of one pimsync installation."""

    model_config = SettingsConfigDict(
        env_prefix="PIMSYNC_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(Path(".pimsync"), description="Folder for the SQLite state and key file.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the state store; default: SQLite in `home`."
    )
    secret_key: SecretStr | None = Field(
        None, description="Fernet key for stored secrets; default: `home`/secret.key (0600)."
    )
    project_file: Path = Field(Path("pimsync.toml"), description="The project file.")
    log_level: str = Field("WARNING", description="Python logging level.")
    max_connections: int = Field(
        50, ge=1, description="Most connections the hub holds (Akeneo allows 50 per PIM)."
    )
    engine: EngineSettings = Field(default_factory=EngineSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @cached_property
    def resolved_database_url(self) -> str:
        """The state store URL: ``database_url`` or the SQLite file in ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'pimsync.db').resolve()}"

    @property
    def key_file(self) -> Path:
        return self.home / "secret.key"
