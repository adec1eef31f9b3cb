"""The throwaway PostgreSQL fixtures of tests/_postgres.py work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests._postgres import PostgresServer

# Databases handed out by ``postgres_url`` to earlier tests of this module.
_handed_out: list[str] = []

_USER_TABLES = sa.text(
    "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')"
)


def test_server_is_postgresql_15_or_newer(postgres_server: PostgresServer) -> None:
    engine = sa.create_engine(postgres_server.url("postgres"))
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            version_num = int(conn.execute(sa.text("show server_version_num")).scalar_one())
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert version_num >= 150000, version
    assert postgres_server.host == "127.0.0.1"
    assert (
        postgres_server.url("x")
        == f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/x"
    )


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_fresh_empty_database(postgres_url: str, run: int) -> None:
    url = sa.make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "127.0.0.1"
    assert url.database is not None
    assert url.database.startswith("test_")
    assert url.database not in _handed_out, f"run {run} got a database handed out before"

    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            # Empty, although the earlier run left a table behind in its database.
            assert conn.execute(_USER_TABLES).scalar_one() == 0
            databases = set(conn.execute(sa.text("select datname from pg_database")).scalars())
            assert url.database in databases
            # Earlier tests' databases were dropped after them.
            assert databases.isdisjoint(_handed_out)
            conn.execute(sa.text("create table leftover (id integer primary key)"))
            conn.execute(sa.text("insert into leftover values (1)"))
    finally:
        engine.dispose()
    _handed_out.append(url.database)


def test_database_url_backends(database_url: str, request: pytest.FixtureRequest) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("create table item (id integer primary key, sku text)"))
            conn.execute(sa.text("insert into item (id, sku) values (1, 'A-1')"))
            assert conn.execute(sa.text("select sku from item")).scalar_one() == "A-1"
    finally:
        engine.dispose()

    is_postgres = request.node.get_closest_marker("postgres") is not None
    if database_url.startswith("sqlite:///"):
        assert database_url.endswith("/state.db")
        assert not is_postgres
        # Lazy: a SQLite case never asks for the PostgreSQL server.
        assert "postgres_url" not in request.fixturenames
    else:
        assert database_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
        assert is_postgres
