"""`pimsync oro check|apply JOB`: does OroCommerce have the structure JOB's products need?

`check` only reads; `apply` also creates what Oro's API lets pimsync create (enum
options, price lists, categories with the companion config). Both exit with
:data:`EXIT_FAILED` while something blocks a product run (attributes to import, type
conflicts), so scripts and CI can wait for the Oro admin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pimsync.cli._exit import EXIT_FAILED, EXIT_OK
from pimsync.cli._session import Session, command_group, session_of
from pimsync.config import ProjectConfig
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import (
    StructureCheck,
    StructureResult,
    StructureSettings,
    apply_structure,
    check_structure,
)
from pimsync.errors import ConfigError
from pimsync.runners._oro import OroJobOptions, structure_settings
from pimsync.runners.flows import Endpoint, get_flow

oro_app = command_group("OroCommerce: check and prepare the structure products need.")

_CSV_HELP = "Write Oro's product-attribute import file here when attributes are missing."


def job_endpoints(session: Session, job: str) -> tuple[ProjectConfig, Endpoint, Endpoint]:
    """The project and JOB's Akeneo source and Oro destination.

    Raises :class:`ConfigError` for an unknown job or one that does not go from Akeneo
    to Oro.
    """
    runner = session.runner
    project = runner.project()
    if job not in project.jobs:
        known = ", ".join(sorted(project.jobs)) or "none"
        raise ConfigError(f"unknown job {job!r} (known: {known})")
    config = project.jobs[job]
    source = runner.endpoint(project, config.source, "source")
    destination = runner.endpoint(project, config.destination, "destination")
    if destination.kind != "oro":
        raise ConfigError(
            f"job {job!r} writes to {destination.name!r}, a {destination.kind} connection; "
            "`pimsync oro` needs an oro destination"
        )
    if source.kind != "akeneo":
        raise ConfigError(f"job {job!r} reads from a {source.kind} connection, not akeneo")
    return project, source, destination


def job_options(project: ProjectConfig, job: str) -> OroJobOptions:
    """JOB's options, validated as the Oro flows read them."""
    config = project.jobs[job]
    options: OroJobOptions = get_flow(config.flow).parse_options(job, config.options)
    if not isinstance(options, OroJobOptions):
        raise ConfigError(f"job {job!r} runs {config.flow}, not an Oro flow")
    return options


def job_settings(project: ProjectConfig, job: str) -> StructureSettings:
    """The structure side of JOB's mapping."""
    return structure_settings(job_options(project, job))


def run_check(session: Session, job: str, csv_path: Path | None) -> StructureCheck:
    """Read both systems for JOB and build its check report (writes ``csv_path``)."""
    return _check(session, job, csv_path, apply=False)[0]


def _check(
    session: Session, job: str, csv_path: Path | None, *, apply: bool
) -> tuple[StructureCheck, StructureResult | None]:
    """The check report of JOB, and with ``apply`` what was created in Oro."""
    project, source, destination = job_endpoints(session, job)
    settings = job_settings(project, job)
    with (
        connect_akeneo(source.settings, source.secrets) as akeneo,
        connect_oro(destination.settings, destination.secrets) as oro,
    ):
        check = check_structure(
            AkeneoCatalog(akeneo),
            oro,
            settings,
            job=job,
            csv_path=str(csv_path) if csv_path is not None else None,
        )
        result = apply_structure(oro, check.plan) if apply else None
    if csv_path is not None and check.csv is not None:
        csv_path.write_text(check.csv, encoding="utf-8", newline="")
    return check, result


_CATEGORY_VERBS = frozenset({"create", "move", "retitle", "delete"})


@oro_app.command("check")
def oro_check(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="A job whose destination is Oro.")],
    attributes_csv: Annotated[
        Path | None,
        typer.Option("--attributes-csv", metavar="FILE", help=_CSV_HELP, dir_okay=False),
    ] = None,
) -> int:
    """Compare JOB's Akeneo structure with Oro; print what is missing and the steps.

    Nothing is written to either system. Exits 3 while something blocks a product run.
    """
    session = session_of(ctx)
    check = run_check(session, job, attributes_csv)
    for line in check.lines():
        session.say(line)
    if check.csv is not None:
        if attributes_csv is not None:
            session.say(
                f"wrote {len(check.plan.attributes_to_create)} attribute(s) to {attributes_csv}"
            )
        else:
            session.note("hint: add --attributes-csv FILE to write Oro's attribute import file")
    return EXIT_FAILED if check.blocked else EXIT_OK


@oro_app.command("apply")
def oro_apply(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="A job whose destination is Oro.")],
    attributes_csv: Annotated[
        Path | None,
        typer.Option("--attributes-csv", metavar="FILE", help=_CSV_HELP, dir_okay=False),
    ] = None,
) -> int:
    """Check JOB, then create in Oro what its API allows: enum options, price lists per
    currency, and (with the companion API config) the category tree.

    Exits 3 while something still blocks a product run.
    """
    session = session_of(ctx)
    check, result = _check(session, job, attributes_csv, apply=True)
    assert result is not None
    for line in result.created:  # category changes say what was done; the rest was made
        verb = line.split(" ", 1)[0]
        session.say(f"done: {line}" if verb in _CATEGORY_VERBS else f"created: {line}")
    for line in result.errors:
        session.say(f"error: {line}")
    for line in check.lines():
        if not line.startswith("pimsync will create"):
            session.say(line)
    return EXIT_OK if result.ok else EXIT_FAILED
