"""Throwaway PostgreSQL cluster for the test suite (a pytest plugin).

Registered from ``tests/conftest.py`` with ``pytest_plugins = ["tests._postgres"]``.

Fixtures:

``postgres_server`` (session)
    Starts a private PostgreSQL (>= 15) cluster in a fresh temp dir, bound to
    127.0.0.1 on a free port, durability switched off for speed. Stopped and
    removed at the end of the session. Yields a :class:`PostgresServer`.
``postgres_url`` (function)
    A fresh, empty database on that server, dropped after the test. Yields its
    SQLAlchemy URL ``postgresql+psycopg://postgres@127.0.0.1:<port>/test_<random>``.
``database_url`` (function, parametrized ``sqlite`` / ``postgresql``)
    The URL of an empty state database on each backend. The ``postgresql``
    case carries the ``postgres`` marker and starts the server lazily, so a run
    that only selects ``sqlite`` cases never starts PostgreSQL.

Server binaries come from ``$PIMSYNC_TEST_PG_BIN`` (set by ``./scripts/test``)
or the newest ``/usr/lib/postgresql/<version>/bin``. If none are found the
PostgreSQL tests are skipped, except under CI (``CI`` set), where they fail:
CI must run them.

As root (initdb refuses to run as root) the cluster runs as ``nobody`` via
``runuser``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql

PG_BIN_ENV = "PIMSYNC_TEST_PG_BIN"
PG_LIB_ROOT = Path("/usr/lib/postgresql")  # Debian: <root>/<major>/bin
MIN_MAJOR_VERSION = 15
NOT_FOUND_REASON = "PostgreSQL 15 binaries not found; run ./scripts/test which installs them"
SERVER_USER_WHEN_ROOT = "nobody"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
_START_TIMEOUT_S = 60
_START_ATTEMPTS = 3
# Unix socket paths are limited to ~107 bytes; "/.s.PGSQL.65535" takes 15.
_MAX_SOCKET_DIR_LEN = 90


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway PostgreSQL server."""

    host: str
    port: int
    bin_dir: Path
    base_dir: Path
    user: str = SUPERUSER

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of database ``dbname`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq/psycopg connection string of database ``dbname`` on this server."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"


class PostgresStartError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def running_in_ci() -> bool:
    """True when the ``CI`` environment variable is set to a true-ish value."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


# --------------------------------------------------------------------------- binaries


def _major_version(bin_dir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bin_dir / "initdb"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _has_server_binaries(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def find_pg_bin() -> tuple[Path | None, str]:
    """Return ``(bin_dir, "")`` or ``(None, why_not)``.

    A ``PIMSYNC_TEST_PG_BIN`` that does not hold usable binaries is reported as
    such (never silently replaced by autodetection).
    """
    configured = os.environ.get(PG_BIN_ENV, "").strip()
    if configured:
        bin_dir = Path(configured)
        if not _has_server_binaries(bin_dir):
            return None, f"{PG_BIN_ENV}={configured} holds no initdb/pg_ctl/postgres"
        major = _major_version(bin_dir)
        if major is None or major < MIN_MAJOR_VERSION:
            return None, (
                f"{PG_BIN_ENV}={configured} is PostgreSQL {major}; need >= {MIN_MAJOR_VERSION}"
            )
        return bin_dir, ""

    candidates: list[tuple[int, Path]] = []
    for bin_dir in PG_LIB_ROOT.glob("*/bin"):
        version = bin_dir.parent.name.split(".", 1)[0]
        if version.isdigit() and _has_server_binaries(bin_dir):
            candidates.append((int(version), bin_dir))
    for _, bin_dir in sorted(candidates, reverse=True):
        major = _major_version(bin_dir)
        if major is not None and major >= MIN_MAJOR_VERSION:
            return bin_dir, ""
    return None, NOT_FOUND_REASON


# --------------------------------------------------------------------------- cluster


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _runuser() -> str:
    found = shutil.which("runuser")
    if found:
        return found
    for path in ("/usr/sbin/runuser", "/sbin/runuser"):
        if os.access(path, os.X_OK):
            return path
    raise PostgresStartError("running as root but `runuser` (util-linux) was not found")


class _Cluster:
    """Creates, starts and stops one throwaway cluster."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base_dir = self._make_base_dir()
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "server.log"
        self.port = 0
        self.started = False
        # Libpq/PG* variables of the caller must not steer our server or tools.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    def _make_base_dir(self) -> Path:
        tmp_root = tempfile.gettempdir()
        if len(tmp_root) > _MAX_SOCKET_DIR_LEN - 20:
            tmp_root = "/tmp"  # the socket path must stay short
        base = Path(tempfile.mkdtemp(prefix="pimsync-pg-", dir=tmp_root))
        if self.as_root:
            user = pwd.getpwnam(SERVER_USER_WHEN_ROOT)
            os.chown(base, user.pw_uid, user.pw_gid)
        base.chmod(0o700)
        return base

    def _cmd(self, *args: str) -> list[str]:
        if self.as_root:
            return [_runuser(), "-u", SERVER_USER_WHEN_ROOT, "--", *args]
        return list(args)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(*args),
            cwd=self.base_dir,  # the server user must be able to chdir here
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def initdb(self) -> None:
        if self.as_root:
            probe = self._run("test", "-w", str(self.base_dir), timeout=30)
            if probe.returncode != 0:
                raise PostgresStartError(
                    f"user {SERVER_USER_WHEN_ROOT!r} cannot write {self.base_dir}; "
                    "point TMPDIR at a directory every user can traverse (e.g. /tmp)"
                )
        result = self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-sync",
            "--no-instructions",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        if result.returncode != 0:
            raise PostgresStartError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
            )

    def start(self) -> None:
        last_error = ""
        for _ in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = " ".join(
                [
                    f"-k {shlex.quote(str(self.base_dir))}",
                    f"-p {self.port}",
                    f"-c listen_addresses={HOST}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            result = self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
                "-s",
                "-o",
                options,
                "start",
                timeout=_START_TIMEOUT_S + 30,
            )
            if result.returncode == 0:
                self.started = True
                return
            last_error = (
                f"pg_ctl start failed (exit {result.returncode}): "
                f"{result.stdout}{result.stderr}\n--- server log ---\n{self._log_tail()}"
            )
            # Someone else took the port between _free_port() and bind: retry.
            if "could not bind" not in last_error and "already in use" not in last_error:
                break
            self.stop()
        raise PostgresStartError(last_error)

    def stop(self) -> None:
        if not self.data_dir.exists():
            return
        pg_ctl = str(self.bin_dir / "pg_ctl")
        for mode in ("fast", "immediate"):
            result = self._run(pg_ctl, "-D", str(self.data_dir), "-m", mode, "-w", "-s", "stop")
            # Exit 0: stopped; 3: no server running.
            if result.returncode in (0, 3) or "No such file" in result.stderr:
                break
        self.started = False

    def remove(self) -> None:
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def server(self) -> PostgresServer:
        return PostgresServer(
            host=HOST, port=self.port, bin_dir=self.bin_dir, base_dir=self.base_dir
        )


@contextlib.contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    """Start a throwaway cluster; stop and delete it on exit (also on errors)."""
    cluster = _Cluster(bin_dir)
    done = False

    def cleanup() -> None:
        nonlocal done
        if done:
            return
        done = True
        try:
            cluster.stop()
        finally:
            cluster.remove()

    # Last resort if the session ends without running fixture teardown.
    atexit.register(cleanup)
    try:
        cluster.initdb()
        cluster.start()
        yield cluster.server()
    finally:
        cleanup()
        atexit.unregister(cleanup)


# --------------------------------------------------------------------------- fixtures


def _missing_binaries(reason: str) -> NoReturn:
    if running_in_ci():
        pytest.fail(
            f"{reason}. CI must run the PostgreSQL tests: install the server "
            "binaries (./scripts/ensure-postgres) or set PIMSYNC_TEST_PG_BIN.",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL (>= 15) server for the whole test session."""
    bin_dir, why_not = find_pg_bin()
    if bin_dir is None:
        _missing_binaries(why_not)
    try:
        with running_postgres(bin_dir) as server:
            yield server
    except PostgresStartError as exc:
        pytest.fail(f"could not start the throwaway PostgreSQL cluster: {exc}", pytrace=False)


def _admin_execute(server: PostgresServer, query: sql.Composed) -> None:
    """Run ``query`` on the server's ``postgres`` database, outside a transaction."""
    with psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=30) as conn:
        conn.execute(query)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the throwaway server, dropped after the test."""
    name = f"test_{secrets.token_hex(6)}"
    ident = sql.Identifier(name)
    _admin_execute(postgres_server, sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield postgres_server.url(name)
    finally:
        _admin_execute(
            postgres_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident)
        )


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty state database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url = request.getfixturevalue("postgres_url")
    assert isinstance(url, str)
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that (statically) uses the server with ``postgres``."""
    for item in items:
        if "postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
