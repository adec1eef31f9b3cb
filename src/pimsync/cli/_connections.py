"""Connections: `connections add|list|test|remove`. Secret values are never shown."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.markup import escape
from rich.table import Table

from pimsync.cli._exit import EXIT_FAILED, fail
from pimsync.cli._session import Session, check_connection_limit, command_group, session_of
from pimsync.config import ConnectionConfig, SecretRef
from pimsync.config._schema import check_name
from pimsync.config._stored import remove_connection, save_connection
from pimsync.connectors.kinds import KINDS, ConnectorKind, get_kind, parse_settings
from pimsync.errors import ConfigError, PimsyncError

connections_app = command_group("Connections: the systems pimsync reads from and writes to.")


def secret_label(ref: SecretRef) -> str:
    """How a stored secret is shown: ``env:VAR`` or ``set``, never its value."""
    if ref.env is not None:
        return f"env:{ref.env}"
    return "set" if ref.stored else "prompt"


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` as ``{"a": "1", "b": "x"}``; :class:`ConfigError` names a bad one."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result


def read_secrets(
    session: Session, connection: str, kind: ConnectorKind, specs: list[str]
) -> tuple[dict[str, SecretRef], dict[str, SecretStr]]:
    """References and values from ``--secret`` options, in the order given.

    ``field=env:VAR`` is a reference; ``field=stdin`` reads one line of stdin;
    ``field`` alone is typed in on a terminal.
    """
    refs: dict[str, SecretRef] = {}
    values: dict[str, SecretStr] = {}
    for spec in specs:
        field, sep, source = spec.partition("=")
        field = field.strip()
        if field not in kind.secret_fields:
            allowed = ", ".join(kind.secret_fields) or "none"
            raise ConfigError(
                f"{kind.name} connections have no secret {field!r} (secrets: {allowed})"
            )
        if source.startswith("env:") and source[4:]:
            refs[field] = SecretRef(env=source[4:])
        elif source == "stdin":
            line = sys.stdin.readline()
            if not line.strip():
                raise ConfigError(f"--secret {field}=stdin: nothing to read on stdin")
            values[field] = SecretStr(line.rstrip("\r\n"))
        elif not sep:
            if not session.can_prompt():
                raise ConfigError(
                    f"--secret {field} must be typed in, but there is no terminal; "
                    f"use --secret {field}=stdin or --secret {field}=env:VAR"
                )
            values[field] = session.prompt_secret(connection, field)
        else:
            raise ConfigError(
                f"--secret {field}=...: give env:VAR or stdin, or just {field} to type it in; "
                "a value on the command line would end up in the shell history"
            )
    return refs, values


@connections_app.command("add")
def connections_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the connection, e.g. shop.")],
    kind: Annotated[str, typer.Option("--kind", "-k", help=f"One of: {', '.join(sorted(KINDS))}.")],
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", metavar="KEY=VALUE", help="A setting; repeat for more."),
    ] = None,
    secrets: Annotated[
        list[str] | None,
        typer.Option(
            "--secret",
            metavar="FIELD|FIELD=env:VAR|FIELD=stdin",
            help="A secret: typed in (FIELD), read from an environment variable at run time "
            "(FIELD=env:VAR), or one line of stdin (FIELD=stdin). Stored encrypted.",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace an existing connection of that name.")
    ] = False,
) -> None:
    """Add a connection after checking its settings against its kind."""
    session = session_of(ctx)
    try:
        check_name(name, "connection")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    connector = get_kind(kind)
    raw = parse_pairs(settings or [])
    for key in raw:
        if key in connector.secret_fields:
            raise ConfigError(
                f"{key!r} is a secret: give it with --secret {key} (typed in), "
                f"--secret {key}=stdin or --secret {key}=env:VAR"
            )
    parsed = parse_settings(name, connector, raw)
    typed: dict[str, Any] = parsed.model_dump(mode="json", exclude_unset=True, by_alias=True)
    runner = session.runner
    existing = runner.project().connections
    if not replace and name in existing:
        raise ConfigError(f"connection {name!r} exists; add --replace to replace it")
    check_connection_limit(session.settings, [*existing, name])
    refs, values = read_secrets(session, name, connector, secrets or [])
    config = ConnectionConfig.model_validate(
        {"kind": connector.name, **typed, **{f: r.as_toml() for f, r in refs.items()}}
    )
    box = runner.box
    with session.write() as conn:
        save_connection(conn, box, name, config, values=values)
    shown = [f"{f} ({secret_label(r)})" for f, r in refs.items()]
    shown += [f"{f} (stored encrypted)" for f in values]
    session.say(f"{'replaced' if replace else 'added'} connection {name} ({connector.name})")
    if shown:
        session.say(f"secrets: {', '.join(shown)}")
    session.say(f"check it: pimsync connections test {name}")


def _connection_rows(session: Session) -> list[dict[str, Any]]:
    project = session.runner.project()
    return [
        {
            "name": name,
            "kind": c.kind,
            "settings": c.settings(),
            "secrets": {f: secret_label(r) for f, r in c.secret_refs().items()},
        }
        for name, c in project.connections.items()
    ]


@connections_app.command("list")
def connections_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The connections, their settings, and which secrets are set (never their values)."""
    session = session_of(ctx)
    rows = _connection_rows(session)
    if as_json:
        session.emit_json(rows)
        return
    if not rows:
        session.say("no connections yet; add one: pimsync connections add NAME --kind KIND")
        return
    table = Table()
    for column in ("name", "kind", "settings", "secrets"):
        table.add_column(column)
    for row in rows:
        settings = ", ".join(f"{k}={v}" for k, v in row["settings"].items())
        secrets = ", ".join(f"{k}: {v}" for k, v in row["secrets"].items()) or "-"
        table.add_row(escape(row["name"]), row["kind"], escape(settings), escape(secrets))
    session.out.print(table)


@connections_app.command("test")
def connections_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The connection to check.")],
) -> None:
    """Check that a connection works: reachable, credentials accepted, data readable."""
    session = session_of(ctx)
    endpoint = session.runner.endpoint(session.runner.project(), name)
    try:
        lines = get_kind(endpoint.kind).check(endpoint.settings, endpoint.secrets)
    except ConfigError as exc:
        raise ConfigError(f"connection {name!r}: {exc}") from None
    except PimsyncError as exc:
        fail(f"connection {name!r}: {exc}", EXIT_FAILED)
    for line in lines:
        session.say(f"ok: {line}")
    session.say(f"connection {name} works")


@connections_app.command("remove")
def connections_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The connection to remove.")],
) -> None:
    """Remove a connection (refused while a job uses it) and its stored secrets."""
    session = session_of(ctx)
    with session.write() as conn:
        remove_connection(conn, name)
    session.say(f"removed connection {name}")
