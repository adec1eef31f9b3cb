"""`pimsync run --runner prefect` and `pimsync prefect deploy`: the scale-out runner.

Prefect is an optional extra; this module imports it only when one of these commands
runs, so that without the extra every other command works and these two say how to
install it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pimsync.cli._session import Session, command_group, require_store, session_of
from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner

INSTALL_HINT = "pip install 'pimsync[prefect]'"

prefect_app = command_group("Prefect: run jobs on a Prefect server and its workers.")


class RunnerName(StrEnum):
    LOCAL = "local"
    PREFECT = "prefect"


def _require_prefect() -> None:
    """:class:`ConfigError` saying how to install the extra when Prefect cannot be imported."""
    try:
        import prefect  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"the Prefect runner needs Prefect, which is not installed ({exc}); "
            f"install the extra: {INSTALL_HINT}"
        ) from None


def runner_named(session: Session, name: RunnerName) -> LocalRunner:
    """The session's local runner, or a Prefect runner for the same installation."""
    if name is RunnerName.LOCAL:
        return session.runner
    _require_prefect()
    from pimsync.runners.prefect import PrefectRunner

    require_store(session.settings)
    runner = PrefectRunner(session.settings)
    session.track(runner)
    return runner


@prefect_app.command("deploy")
def prefect_deploy(
    ctx: typer.Context,
    pool: Annotated[
        str,
        typer.Option(
            "--pool", help="The work pool the deployments run on (created as a process pool)."
        ),
    ] = "pimsync",
    jobs: Annotated[
        list[str] | None,
        typer.Option("--job", "-j", help="Only this job (repeatable); default: every job."),
    ] = None,
) -> None:
    """Create or update a Prefect deployment per job, with the job's schedule.

    The deployments run the flow `pimsync-job` on workers of POOL. They need a Prefect
    server (PREFECT_API_URL) and workers that share this installation's state store
    (PIMSYNC_DATABASE_URL, PIMSYNC_SECRET_KEY); see docs/prefect.md.
    """
    _require_prefect()
    from pimsync.runners.prefect import deploy

    session = session_of(ctx)
    deployed = deploy(session.runner.project(), pool, jobs or ())
    table = Table(title=f"deployments on work pool {escape(pool)}", title_justify="left")
    for column in ("deployment", "schedule (UTC)"):
        table.add_column(column)
    for item in deployed:
        table.add_row(escape(item.name), escape(item.schedule or "-"))
    session.out.print(table)
