"""Exit codes, and how any error becomes one line on stderr.

A user sees ``error: <what to fix>`` and an exit code a script can test; the traceback
only with ``--debug``.
"""

from __future__ import annotations

import traceback
from typing import NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from pimsync.errors import ConfigError, JobLocked, PimsyncError
from pimsync.jobs import RunStatus

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_LOCKED = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""**Exit codes**

* {EXIT_OK}: success
* {EXIT_PARTIAL}: the run finished but rejected some records (`pimsync failed list`)
* {EXIT_USAGE}: usage or configuration error; the message says what to fix
* {EXIT_FAILED}: the run failed (source or destination unusable), or the state store is
  unreachable or not initialised
* {EXIT_LOCKED}: the job is already running (another process holds its lock)
* {EXIT_INTERNAL}: internal error (a bug): run again with --debug and report it
* {EXIT_INTERRUPTED}: interrupted (Ctrl-C)"""

_RUN_EXIT = {
    RunStatus.SUCCEEDED: EXIT_OK,
    RunStatus.PARTIAL: EXIT_PARTIAL,
    RunStatus.FAILED: EXIT_FAILED,
    RunStatus.INTERRUPTED: EXIT_INTERRUPTED,
    RunStatus.RUNNING: EXIT_FAILED,
}


class CommandFailed(Exception):
    """A command's own failure: shown as one ``error:`` line, exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = EXIT_USAGE) -> NoReturn:
    """Stop the command with ``error: message`` and ``exit_code``."""
    raise CommandFailed(message, exit_code)


def exit_code_for_run(status: str) -> int:
    """The exit code of a command whose outcome is a run ending in ``status``."""
    return _RUN_EXIT.get(RunStatus(status), EXIT_FAILED)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an error that ended a command."""
    if isinstance(exc, CommandFailed):
        return exc.exit_code
    if isinstance(exc, JobLocked):
        return EXIT_LOCKED
    if isinstance(exc, ConfigError | typer.TyperException | OSError):
        return EXIT_USAGE
    if isinstance(exc, PimsyncError | SQLAlchemyError):
        return EXIT_FAILED
    if isinstance(exc, KeyboardInterrupt | typer.Abort):
        return EXIT_INTERRUPTED
    return EXIT_INTERNAL


def one_line(text: str) -> str:
    """``text`` with its lines joined by ``; `` (a message may list several problems)."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def describe(exc: BaseException) -> str:
    """What went wrong and what to do, in one line."""
    if isinstance(exc, typer.TyperException):
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        return one_line(exc.format_message()) + hint
    if isinstance(exc, PimsyncError | CommandFailed):
        return one_line(str(exc))
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        reason = str(orig if orig is not None else exc).strip().splitlines()[0]
        return f"the state database failed: {reason}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, KeyboardInterrupt | typer.Abort):
        return "interrupted"
    return (
        f"internal error: {type(exc).__name__}: {one_line(str(exc))}; "
        "run again with --debug and report the traceback"
    )


def report(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as one ``error:`` line on stderr (after its traceback with ``debug``)."""
    if debug:
        typer.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    typer.echo(f"error: {describe(exc)}", err=True)
    return exit_code_for(exc)
