"""The `pimsync` command: global options, the command tree, and error handling."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from pimsync import __version__
from pimsync.cli._activate import connections_activate  # noqa: F401 - registers it
from pimsync.cli._catalogs import catalogs_app
from pimsync.cli._config import config_app
from pimsync.cli._connections import connections_app
from pimsync.cli._demo import demo_command
from pimsync.cli._exit import EXIT_CODES_HELP, EXIT_OK, report
from pimsync.cli._install import db_app, init_command
from pimsync.cli._jobs import jobs_app, schedule_command
from pimsync.cli._mapping import mapping_app
from pimsync.cli._oro import oro_app
from pimsync.cli._permissions import permissions_app
from pimsync.cli._prefect import prefect_app
from pimsync.cli._runs import failed_app, run_command, runs_app
from pimsync.cli._sandbox import sandbox_app
from pimsync.cli._session import Session, session_of
from pimsync.cli._users import serve_command, users_app


class PimsyncGroup(TyperGroup):
    """The root command: turns every error into one ``error:`` line and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        session = extra.setdefault("obj", Session())
        assert isinstance(session, Session)
        try:
            result = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) else EXIT_OK
        except Exception as exc:  # noqa: BLE001 - every error ends as one line and a code
            code = report(exc, debug=session.debug)
        except KeyboardInterrupt as exc:
            code = report(exc, debug=session.debug)
        finally:
            session.close()
        if standalone_mode:
            raise SystemExit(code)
        return code


app = typer.Typer(
    name="pimsync",
    cls=PimsyncGroup,
    epilog=EXIT_CODES_HELP,
    invoke_without_command=True,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pimsync {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and log at DEBUG level.")
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Folder of the SQLite state store and key file "
            "(default: PIMSYNC_HOME, else .pimsync).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Publish product data from Akeneo PIM to commerce systems.

    Settings come from PIMSYNC_* environment variables: PIMSYNC_HOME, PIMSYNC_DATABASE_URL,
    PIMSYNC_SECRET_KEY, PIMSYNC_LOG_LEVEL, PIMSYNC_ENGINE__BATCH_SIZE and so on.
    """
    session = session_of(ctx)
    session.debug = debug
    session.home = home
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help(), nl=False)


app.command("init")(init_command)
app.command("run")(run_command)
app.command("schedule")(schedule_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.add_typer(connections_app, name="connections")
app.add_typer(jobs_app, name="jobs")
app.add_typer(runs_app, name="runs")
app.add_typer(failed_app, name="failed")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(mapping_app, name="mapping")
app.add_typer(catalogs_app, name="catalogs")
app.add_typer(permissions_app, name="permissions")
app.add_typer(oro_app, name="oro")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(users_app, name="users")
app.add_typer(prefect_app, name="prefect")


def main() -> int:
    """The console script: run the command line given to this process."""
    command = typer.main.get_command(app)
    result = command.main(prog_name="pimsync", standalone_mode=False)
    return result if isinstance(result, int) else EXIT_OK
