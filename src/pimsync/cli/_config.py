"""The project file: `config export|import|validate`, and the checks an import runs first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Connection

from pimsync.cli._exit import EXIT_USAGE, fail
from pimsync.cli._session import Session, check_connection_limit, command_group, session_of
from pimsync.config import ProjectConfig, project_to_toml, read_project
from pimsync.config._stored import load_project, save_project
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.errors import ConfigError
from pimsync.runners.flows import get_flow
from pimsync.state import SecretBox

config_app = command_group("The project file (pimsync.toml): export, import, validate.")

ProjectFile = Annotated[
    Path,
    typer.Argument(
        metavar="FILE", help="A project file (TOML).", dir_okay=False, show_default=False
    ),
]


def project_problems(project: ProjectConfig) -> list[str]:
    """What is wrong beyond the file's shape: unknown kinds or flows, bad settings, roles."""
    problems: list[str] = []
    for name, connection in project.connections.items():
        try:
            kind = get_kind(connection.kind)
        except ConfigError as exc:
            problems.append(f"connection {name!r}: {exc}")
            continue
        try:
            parse_settings(name, kind, connection.settings())
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        extra = sorted(set(connection.secret_refs()) - set(kind.secret_fields))
        if extra:
            allowed = ", ".join(kind.secret_fields) or "none"
            problems.append(
                f"connection {name!r} ({kind.name}): unknown secret(s) {', '.join(extra)} "
                f"(secrets of this kind: {allowed})"
            )
    for name, job in project.jobs.items():
        try:
            flow = get_flow(job.flow)
        except ConfigError as exc:
            problems.append(f"job {name!r}: {exc}")
            continue
        try:
            flow.parse_options(name, job.options)
        except ConfigError as exc:
            problems.append(str(exc))
        for role, kinds in (("source", flow.source_kinds), ("destination", flow.destination_kinds)):
            target = getattr(job, role)
            kind_name = project.connections[target].kind
            if kind_name not in kinds:
                problems.append(
                    f"job {name!r}: flow {flow.name} needs a {' or '.join(kinds)} {role}, "
                    f"but connection {target!r} is {kind_name}"
                )
    return problems


def read_checked(path: Path) -> ProjectConfig:
    """The project in ``path``; :class:`ConfigError` lists every problem found."""
    project = read_project(path)
    problems = project_problems(project)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return project


def import_project(
    session: Session,
    conn: Connection,
    box: SecretBox,
    project: ProjectConfig,
    *,
    prune: bool = False,
) -> list[str]:
    """Store ``project``; secrets marked ``prompt`` are typed in on a terminal.

    Returns what ``prune`` removed, as ``job x`` / ``connection y``.
    """
    before = load_project(conn)
    if session.can_prompt():
        save_project(conn, box, project, prompt=session.prompt_secret, prune=prune)
    else:
        save_project(conn, box, project, prune=prune)
    if not prune:
        return []
    return (
        [f"job {n}" for n in sorted(set(before.jobs) - set(project.jobs))]
        + [f"catalog {n}" for n in sorted(set(before.catalogs) - set(project.catalogs))]
        + [f"connection {n}" for n in sorted(set(before.connections) - set(project.connections))]
    )


def describe_project(project: ProjectConfig) -> str:
    """``2 connection(s) (a: jsonl, b: directory), 1 job(s) (x: files.products)``."""
    conns = ", ".join(f"{n}: {c.kind}" for n, c in project.connections.items())
    jobs = ", ".join(f"{n}: {j.flow}" for n, j in project.jobs.items())
    catalogs = ", ".join(f"{n} → {c.destination}" for n, c in project.catalogs.items())
    return (
        f"{len(project.connections)} connection(s)"
        + (f" ({conns})" if conns else "")
        + f", {len(project.jobs)} job(s)"
        + (f" ({jobs})" if jobs else "")
        + (f", {len(project.catalogs)} catalog(s) ({catalogs})" if catalogs else "")
    )


@config_app.command("export")
def config_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Write the stored project as TOML (secrets as references only, never values)."""
    session = session_of(ctx)
    text = project_to_toml(session.runner.project())
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", EXIT_USAGE)
    session.note(f"wrote {output}")


@config_app.command("import")
def config_import(
    ctx: typer.Context,
    file: ProjectFile,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Also remove stored jobs and connections the file lacks."),
    ] = False,
) -> None:
    """Store a project file in the state store, which runs use from then on.

    Secrets given as { prompt = true } are typed in (on a terminal); { env = "VAR" } stay
    references; { stored = true } keep the value already stored.
    """
    session = session_of(ctx)
    project = read_checked(file)
    runner = session.runner
    kept = [] if prune else list(runner.project().connections)
    check_connection_limit(session.settings, [*kept, *project.connections])
    with session.write() as conn:
        removed = import_project(session, conn, runner.box, project, prune=prune)
    session.say(f"imported {file}: {describe_project(project)}")
    if removed:
        session.say(f"removed: {', '.join(removed)}")


@config_app.command("validate")
def config_validate(ctx: typer.Context, file: ProjectFile) -> None:
    """Check a project file without storing it: syntax, names, cron schedules, kinds, flows."""
    session = session_of(ctx)
    project = read_checked(file)
    session.say(f"{file} is valid: {describe_project(project)}")
