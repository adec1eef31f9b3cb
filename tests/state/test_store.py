"""The state store itself: migrations, UTC datetimes and encrypted secrets, on both backends."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import SecretStr
from sqlalchemy import insert, select

from pimsync.errors import ConfigError, StateStoreError
from pimsync.state import (
    SecretBox,
    create_key_file,
    create_state_engine,
    cross_references,
    load_secret_box,
    replace_cross_references,
    require_current_schema,
    schema_status,
    upgrade,
)
from pimsync.state._tables import metadata, runs
from pimsync.state._users import Role, add_user, authenticate

_RUN = {
    "job": "j",
    "mode": "full",
    "dry_run": False,
    "status": "succeeded",
    "started_at": datetime(2026, 1, 1, tzinfo=UTC),
    "counts": {},
    "host": "h",
    "pid": 1,
}


def test_upgrade_is_idempotent_and_reaches_head(database_url: str) -> None:
    engine = create_state_engine(database_url)
    with pytest.raises(StateStoreError, match="is empty: run `pimsync db upgrade`"):
        require_current_schema(engine)
    upgrade(engine)
    upgrade(engine)
    current, head = schema_status(engine)
    assert current == head
    require_current_schema(engine)
    engine.dispose()


def test_the_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine = create_state_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_from_0001_keeps_the_data_adds_users_and_long_keys(database_url: str) -> None:
    engine = create_state_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(insert(runs).values(**_RUN))
    with pytest.raises(StateStoreError, match="is at revision 0001, not 0003"):
        require_current_schema(engine)
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(select(runs.c.job)).scalars().all() == ["j"]
        add_user(conn, "ada", "long-enough-1", Role.ADMIN)
    with engine.connect() as conn:
        assert authenticate(conn, "ada", "long-enough-1") is not None
    long_key = "assignments:storefront:SKU-1:" + ",".join(f"category-{n}" for n in range(100))
    replace_cross_references(engine, "shop", "assignments", {"SKU-1": long_key})
    assert cross_references(engine, "shop", "assignments") == {"SKU-1": long_key}
    engine.dispose()


def test_cross_references_are_replaced_whole_per_connection_and_entity(
    database_url: str,
) -> None:
    engine = create_state_engine(database_url)
    upgrade(engine)
    replace_cross_references(engine, "shop", "categories", {"a": "1", "b": "2"})
    replace_cross_references(engine, "other", "categories", {"a": "9"})
    replace_cross_references(engine, "shop", "categories", {"b": "2", "c": "3"})
    assert cross_references(engine, "shop", "categories") == {"b": "2", "c": "3"}
    assert cross_references(engine, "other", "categories") == {"a": "9"}
    replace_cross_references(engine, "shop", "categories", {})
    assert cross_references(engine, "shop", "categories") == {}
    engine.dispose()


def test_datetimes_come_back_aware_and_in_utc(database_url: str) -> None:
    engine = create_state_engine(database_url)
    upgrade(engine)
    paris = timezone(timedelta(hours=1))
    started = datetime(2026, 11, 23, 12, 30, 15, 123456, tzinfo=paris)
    with engine.begin() as conn:
        conn.execute(
            insert(runs).values(
                job="j",
                mode="full",
                dry_run=False,
                status="running",
                started_at=started,
                counts={},
                host="h",
                pid=1,
            )
        )
        stored = conn.scalar(select(runs.c.started_at))
    assert stored == started
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    with engine.begin() as conn, pytest.raises(Exception, match="naive datetime"):
        conn.execute(runs.update().values(finished_at=datetime(2026, 1, 1)))
    engine.dispose()


def test_unreachable_database_is_a_clear_error() -> None:
    engine = create_state_engine("postgresql://pimsync:hunter2@127.0.0.1:1/state")
    with pytest.raises(StateStoreError) as caught:
        schema_status(engine)
    assert "cannot reach the state database" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_secrets_are_encrypted_and_need_the_same_key(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    assert create_key_file(key_file) is True
    assert create_key_file(key_file) is False  # never overwritten
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    box = load_secret_box(None, key_file)
    token = box.seal({"password": SecretStr("s3cr3t-value")})
    assert "s3cr3t-value" not in token
    assert box.open(token)["password"].get_secret_value() == "s3cr3t-value"
    assert "s3cr3t" not in repr(box)

    other = tmp_path / "other.key"
    create_key_file(other)
    with pytest.raises(ConfigError, match="cannot be decrypted with the current secret key"):
        load_secret_box(None, other).open(token)


def test_key_problems_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `pimsync init`"):
        load_secret_box(None, tmp_path / "missing.key")
    with pytest.raises(ConfigError, match="not a valid Fernet key"):
        SecretBox(b"too-short")
    loose = tmp_path / "loose.key"
    create_key_file(loose)
    loose.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_secret_box(None, loose)
