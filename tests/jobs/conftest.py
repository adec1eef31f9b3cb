"""Fixtures for engine tests: a migrated state store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from pimsync.state import create_state_engine, upgrade


@pytest.fixture
def state_db(database_url: str) -> Iterator[Engine]:
    engine = create_state_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
