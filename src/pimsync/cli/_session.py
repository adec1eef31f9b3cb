"""One invocation of the CLI: its settings, its consoles, and the installation it works on."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console
from sqlalchemy import Connection

from pimsync.config._stored import connection_limit
from pimsync.errors import ConfigError, StateStoreError
from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings

_LOGGER = "pimsync"
_PIPED_WIDTH = 160


class _StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (which tests and pipes may swap)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


def configure_logging(level: str) -> None:
    """Log pimsync's records at ``level`` to stderr as ``warning: …`` lines."""
    logger = logging.getLogger(_LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    try:
        logger.setLevel(level.upper())
    except ValueError:
        raise ConfigError(
            f"PIMSYNC_LOG_LEVEL={level!r} is not a log level (DEBUG, INFO, WARNING, ERROR)"
        ) from None
    handler = _StderrHandler()
    verbose = logger.level < logging.WARNING
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"
    handler.setFormatter(_LowerLevelFormatter(fmt, verbose=verbose))
    logger.addHandler(handler)
    logger.propagate = False
    # The CLI prints each run's report, which holds everything the engine warns about.
    engine = logging.getLogger(f"{_LOGGER}.engine")
    engine.setLevel(logging.NOTSET if verbose else logging.CRITICAL)


class _LowerLevelFormatter(logging.Formatter):
    def __init__(self, fmt: str, *, verbose: bool) -> None:
        super().__init__(fmt)
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if self._verbose else f"{record.levelname.lower()}: {text}"


class Session:
    """What every command shares: settings (read lazily), consoles, the state store."""

    def __init__(self) -> None:
        self.debug = False
        self.home: Path | None = None
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False)
        self._runners: list[LocalRunner] = []
        if not self.out.is_terminal and "COLUMNS" not in os.environ:
            # Piped or in CI: 80 columns would cut tables; they only take the width they need.
            self.out.width = _PIPED_WIDTH

    @cached_property
    def settings(self) -> Settings:
        """Settings from ``PIMSYNC_*`` variables, with ``--home`` applied."""
        try:
            settings = Settings(home=self.home) if self.home is not None else Settings()
        except ValidationError as exc:
            problems = "; ".join(
                f"PIMSYNC_{'__'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigError(f"invalid setting: {problems}") from None
        configure_logging("DEBUG" if self.debug else settings.log_level)
        return settings

    @cached_property
    def runner(self) -> LocalRunner:
        """The installation: its state store (checked) and secret key (read when needed)."""
        return self.track(runner_for(self.settings))

    def track(self, runner: LocalRunner) -> LocalRunner:
        """Have :meth:`close` release ``runner``'s database connections."""
        self._runners.append(runner)
        return runner

    def close(self) -> None:
        """Release the state store connections the command opened."""
        for runner in self._runners:
            if "db" in vars(runner):  # only if the command connected at all
                runner.db.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection to the state store for queries."""
        with self.runner.db.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction on the state store, committed when the block succeeds."""
        with self.runner.db.begin() as conn:
            yield conn

    def say(self, text: str = "", *, style: str | None = None) -> None:
        """A line for the user on stdout, printed as is (no markup)."""
        self.out.print(text, markup=False, style=style)

    def note(self, text: str) -> None:
        """A line on stderr that is not an error: progress, warnings, hints."""
        self.err.print(text, markup=False, soft_wrap=True)

    def can_prompt(self) -> bool:
        """Whether secrets can be typed in: stdin is a terminal."""
        return sys.stdin.isatty()

    def prompt_secret(self, connection: str, field: str) -> SecretStr:
        """A secret typed in without echo."""
        value = typer.prompt(f"{field} of connection {connection}", hide_input=True)
        return SecretStr(str(value))

    def emit_json(self, data: Any) -> None:
        """``data`` as indented JSON on stdout, for scripts."""
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
        typer.echo(text.decode())


def session_of(ctx: typer.Context) -> Session:
    """The session the pimsync app put in the context."""
    session = ctx.obj
    assert isinstance(session, Session), "the pimsync app creates the session"
    return session


def require_store(settings: Settings) -> None:
    """:class:`StateStoreError` if the default SQLite store does not exist yet.

    A query must not create an empty store: a missing file means `pimsync init` has not
    run here (or ``PIMSYNC_HOME`` points elsewhere).
    """
    if settings.database_url is None and not (settings.home / "pimsync.db").exists():
        raise StateStoreError(
            f"no pimsync state store in {settings.home.resolve()}: run `pimsync init` "
            "(or point PIMSYNC_HOME / --home at the folder that has one)"
        )


def runner_for(settings: Settings) -> LocalRunner:
    """A runner for ``settings``, whose state store exists (see :func:`require_store`)."""
    require_store(settings)
    return LocalRunner(settings)


def command_group(help_text: str) -> typer.Typer:
    """A group of subcommands that shows its help when called without one."""
    group = typer.Typer(help=help_text, invoke_without_command=True)

    @group.callback()
    def _show_help(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            # Rich help prints itself and returns ""; plain help is returned.
            typer.echo(ctx.get_help(), nl=False)

    return group


def check_connection_limit(settings: Settings, names: Iterable[str]) -> None:
    """Refuse a project with more connections than ``max_connections`` allows."""
    connection_limit(settings.max_connections, names)
