"""Opening the state store: engines, connection settings, schema migrations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from pimsync.errors import StateStoreError
from pimsync.state._tables import xrefs

_MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the lock heartbeat and readers work while a run writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_state_engine(url: str) -> Engine:
    """An engine for the state store at ``url`` (SQLite file or PostgreSQL).

    Raises :class:`StateStoreError` when the URL is invalid or its driver is missing.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StateStoreError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, pool_size=5, max_overflow=10)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10}, pool_size=5
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise StateStoreError(
            f"no driver for {redact_url(url)}: {exc}; "
            "for PostgreSQL install the extra: pip install 'pimsync[postgres]'"
        ) from None


@contextmanager
def reachable(engine: Engine) -> Iterator[Connection]:
    """A connection, or :class:`StateStoreError` saying the database cannot be reached."""
    try:
        conn = engine.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StateStoreError(
            f"cannot reach the state database {redact_url(str(engine.url))}: {reason}; "
            "check PIMSYNC_DATABASE_URL"
        ) from None
    with conn:
        yield conn


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    with reachable(engine) as conn:
        command.upgrade(_alembic_config(conn), revision)
        conn.commit()


def schema_status(engine: Engine) -> tuple[str | None, str]:
    """``(current revision, newest revision)`` of the state store."""
    with reachable(engine) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(conn)).get_current_head()
    assert head is not None
    return current, head


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`StateStoreError` unless the schema is at the newest revision."""
    current, head = schema_status(engine)
    if current != head:
        state = "is empty" if current is None else f"is at revision {current}, not {head}"
        raise StateStoreError(
            f"the state database {redact_url(str(engine.url))} {state}: run `pimsync db upgrade`"
        )


def cross_references(engine: Engine, connection: str, entity: str) -> dict[str, str]:
    """Source key → destination key of every record of ``entity`` written to
    ``connection`` (e.g. the Oro id of each Akeneo category the structure job created)."""
    query = select(xrefs.c.source_key, xrefs.c.dest_key).where(
        xrefs.c.connection == connection, xrefs.c.entity == entity
    )
    with engine.connect() as conn:
        return {str(source): str(dest) for source, dest in conn.execute(query)}


def replace_cross_references(
    engine: Engine, connection: str, entity: str, mapping: Mapping[str, str]
) -> None:
    """Make ``mapping`` (source key → destination key) the cross-references of ``entity``
    on ``connection``, in one transaction: for what a job keeps outside its streams, such
    as the Oro categories the structure job placed."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            delete(xrefs).where(xrefs.c.connection == connection, xrefs.c.entity == entity)
        )
        if mapping:
            conn.execute(
                insert(xrefs),
                [
                    {
                        "connection": connection,
                        "entity": entity,
                        "source_key": source,
                        "dest_key": dest,
                        "updated_at": now,
                    }
                    for source, dest in sorted(mapping.items())
                ],
            )
