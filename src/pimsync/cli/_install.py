"""Setting up an installation: `init`, `db upgrade`, `db status`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pimsync.cli._config import describe_project, import_project, read_checked
from pimsync.cli._exit import EXIT_FAILED, fail
from pimsync.cli._session import (
    Session,
    command_group,
    require_store,
    runner_for,
    session_of,
)
from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings
from pimsync.state import (
    create_key_file,
    create_state_engine,
    load_secret_box,
    redact_url,
    schema_status,
    upgrade,
)

db_app = command_group("The state store's schema (SQLite in PIMSYNC_HOME or PIMSYNC_DATABASE_URL).")


def migrate(session: Session, settings: Settings) -> None:
    """Bring the state store to the newest schema and say what changed."""
    url = settings.resolved_database_url
    engine = create_state_engine(url)
    try:
        before, head = schema_status(engine)
        if before == head:
            session.say(f"state store: {redact_url(url)}, already at the newest revision {head}")
            return
        upgrade(engine)
        after, _ = schema_status(engine)
    finally:
        engine.dispose()
    change = f"created at revision {after}" if before is None else f"upgraded {before} → {after}"
    session.say(f"state store: {redact_url(url)}, {change}")


def set_up_key(session: Session, settings: Settings) -> None:
    """Create the key file unless ``PIMSYNC_SECRET_KEY`` holds the key; check it loads."""
    if settings.secret_key is not None:
        load_secret_box(settings.secret_key, settings.key_file)
        session.say("secret key: from PIMSYNC_SECRET_KEY (no key file needed)")
        return
    created = create_key_file(settings.key_file)
    load_secret_box(None, settings.key_file)
    where = settings.key_file.resolve()
    if created:
        session.say(
            f"secret key: created {where} (mode 0600); back it up: "
            "stored secrets cannot be read without it"
        )
    else:
        session.say(f"secret key: {where} already exists, kept")


def initialise(session: Session, settings: Settings, project_file: Path | None) -> LocalRunner:
    """Home folder, key, schema, and the project file if there is one; safe to repeat."""
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the home folder {settings.home}: {exc.strerror}")
    session.say(f"home: {settings.home.resolve()}")
    set_up_key(session, settings)
    migrate(session, settings)
    runner = session.track(runner_for(settings))
    path = project_file or settings.project_file
    if project_file is None and not path.exists():
        session.say(
            f"project: no {path} here; add connections with `pimsync connections add` "
            "or import a project with `pimsync config import FILE`"
        )
        return runner
    project = read_checked(path)
    with runner.db.begin() as conn:
        import_project(session, conn, runner.box, project)
    session.say(f"project: imported {path}: {describe_project(project)}")
    return runner


def init_command(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-p",
            help="Project file to import (default: pimsync.toml in this folder, if present).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Set up pimsync here: home folder, secret key, state store, and import pimsync.toml.

    Safe to run again: an existing key is kept, the schema is upgraded if needed, and the
    project file is imported again.
    """
    session = session_of(ctx)
    initialise(session, session.settings, project)
    session.say("ready: `pimsync jobs list` shows the jobs, `pimsync run JOB` runs one")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply schema migrations to the state store (creates it if it is new)."""
    session = session_of(ctx)
    migrate(session, session.settings)


@db_app.command("status")
def db_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the state store's schema revision; exit 3 unless it is the newest."""
    session = session_of(ctx)
    settings = session.settings
    require_store(settings)
    url = redact_url(settings.resolved_database_url)
    engine = create_state_engine(settings.resolved_database_url)
    try:
        current, head = schema_status(engine)
    finally:
        engine.dispose()
    if as_json:
        session.emit_json(
            {"database": url, "revision": current, "newest": head, "up_to_date": current == head}
        )
    else:
        session.say(f"state store: {url}")
        session.say(f"revision: {current or 'none'} (newest: {head})")
    if current != head:
        action = "pimsync init" if current is None else "pimsync db upgrade"
        fail(f"the state store is not at the newest revision: run `{action}`", EXIT_FAILED)
