"""The state store's tables, declared once with SQLAlchemy Core.

The engine's hot path (hashes, xrefs, failed items) uses Core statements on these
tables directly; Alembic migrations in ``migrations/`` create them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


connections = Table(
    "connections",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("settings", JSON, nullable=False),
    # Secret fields: env references in clear ({"field": {"env": "VAR"}}), values encrypted.
    Column("secret_refs", JSON, nullable=False),
    Column("secrets_encrypted", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("flow", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("destination", String(100), nullable=False),
    Column("options", JSON, nullable=False),
    Column("schedule", String(100), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Mappings and catalogs are documents owned by the flows that use them.
documents = Table(
    "documents",
    metadata,
    Column("section", String(50), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("body", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(100), nullable=False, index=True),
    Column("mode", String(10), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("counts", JSON, nullable=False),
    Column("error", Text, nullable=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
)

# Per-item outcomes worth showing: rejections, and the planned changes of a dry run.
run_items = Table(
    "run_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", String(100), nullable=False),
    Column("key", String(255), nullable=False),
    Column("action", String(20), nullable=False),
    Column("message", Text, nullable=True),
    Index("ix_run_items_run_id_action", "run_id", "action"),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("job", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("value", UtcDateTime(), nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

xrefs = Table(
    "xrefs",
    metadata,
    Column("connection", String(100), primary_key=True),
    Column("entity", String(100), primary_key=True),
    Column("source_key", String(255), primary_key=True),
    # Text: a key may list what the destination holds for the record (SFCC assignments).
    Column("dest_key", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # No reverse (dest_key) index yet: nothing looks xrefs up by destination key, and a
    # (connection, entity, …) index tempts PostgreSQL away from the primary key.
)

record_hashes = Table(
    "record_hashes",
    metadata,
    Column("job", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("source_key", String(255), primary_key=True),
    # Empty for a record pimsync disabled: any re-appearance differs and is sent again.
    Column("hash", String(32), nullable=False),
    Column("state", String(10), nullable=False),
    Column("seen_run", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # No index on seen_run: reconciliation pages through the primary key, and a second
    # index on (job, stream) tempts PostgreSQL into scanning it for key look-ups.
)

failed_items = Table(
    "failed_items",
    metadata,
    Column("job", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("source_key", String(255), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("hash", String(32), nullable=False),
    Column("last_error", Text, nullable=False),
    Column("first_failed_at", UtcDateTime(), nullable=False),
    Column("last_failed_at", UtcDateTime(), nullable=False),
    Column("last_run_id", Integer, nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("run_id", Integer, nullable=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    Column("heartbeat_at", UtcDateTime(), nullable=False),
)

# Hub users of the web app and REST API. Passwords and tokens are kept only as hashes.
users = Table(
    "users",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of the token: a stolen database does not give working tokens.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column(
        "username",
        String(100),
        ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("label", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column(
        "username",
        String(100),
        ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("csrf_token", String(64), nullable=False),
    # What a browser flow keeps between two requests, e.g. an App activation's state.
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
