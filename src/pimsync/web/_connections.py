"""Connections as the web app and the REST API handle them: listed without secret
values, added after validation (every problem tied to its field), tested, removed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr, ValidationError

from pimsync.config import ConnectionConfig, ProjectConfig, SecretRef
from pimsync.config._schema import check_name
from pimsync.config._stored import connection_limit, remove_connection, save_connection
from pimsync.connectors.kinds import KINDS, get_kind
from pimsync.errors import ConfigError, PimsyncError
from pimsync.runners.local import LocalRunner


def secret_state(ref: SecretRef) -> str:
    """How a secret is shown: ``set``, ``env:VAR`` or ``not set``; never its value."""
    if ref.env is not None:
        return f"env:{ref.env}"
    return "set" if ref.stored else "not set"


def connection_view(name: str, config: ConnectionConfig) -> dict[str, Any]:
    """A connection as the API returns it: settings, and only whether secrets are set."""
    kind = KINDS.get(config.kind)
    refs = config.secret_refs()
    fields = kind.secret_fields if kind is not None else tuple(refs)
    return {
        "name": name,
        "kind": config.kind,
        "settings": config.settings(),
        "secrets": {f: secret_state(refs[f]) if f in refs else "not set" for f in fields},
        "app": config.kind == "akeneo" and bool(config.settings().get("app_client_id")),
    }


def connection_views(project: ProjectConfig) -> list[dict[str, Any]]:
    return [connection_view(n, c) for n, c in sorted(project.connections.items())]


@dataclass
class Invalid(Exception):
    """A connection that cannot be saved: ``problems`` maps each field (or ``""`` for
    the whole form) to what to fix; ``conflict`` when the input is fine but clashes with
    what the hub holds (the name is taken, the connection limit is reached)."""

    problems: dict[str, str] = field(default_factory=dict)
    conflict: bool = False

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" if k else v for k, v in self.problems.items())


def add_connection(
    runner: LocalRunner,
    name: str,
    kind_name: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    *,
    replace: bool = False,
) -> dict[str, Any]:
    """Validate and store a connection; :class:`Invalid` lists every problem by field.

    Empty secret values are ignored (an existing stored value is kept on replace).
    """
    problems: dict[str, str] = {}
    try:
        check_name(name, "connection")
    except ValueError as exc:
        problems["name"] = str(exc)
    if kind_name not in KINDS:
        problems["kind"] = f"unknown kind {kind_name!r}: choose one of {', '.join(sorted(KINDS))}"
        raise Invalid(problems)
    kind = get_kind(kind_name)
    for key in settings:
        if key in kind.secret_fields:
            problems[key] = f"{key!r} is a secret: give it as a secret, not a setting"
    for key in secrets:
        if key not in kind.secret_fields:
            allowed = ", ".join(kind.secret_fields) or "none"
            problems[key] = f"{kind.name} connections have no secret {key!r} (secrets: {allowed})"
    clean = {k: v for k, v in settings.items() if v not in ("", None)}
    try:
        parsed = kind.settings.model_validate(clean)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or ""
            problems.setdefault(where, str(error["msg"]))
        parsed = None
    if problems or parsed is None:
        raise Invalid(problems)
    project = runner.project()
    if not replace and name in project.connections:
        raise Invalid({"name": f"connection {name!r} exists"}, conflict=True)
    try:
        connection_limit(runner.settings.max_connections, [*project.connections, name])
    except ConfigError as exc:
        raise Invalid({"": str(exc)}, conflict=True) from None
    typed: dict[str, Any] = parsed.model_dump(mode="json", exclude_unset=True, by_alias=True)
    values = {f: SecretStr(v) for f, v in secrets.items() if v}
    refs: dict[str, Any] = {f: {"stored": True} for f in values}
    if replace and name in project.connections:
        for f, ref in project.connections[name].secret_refs().items():
            refs.setdefault(f, ref.as_toml())
    config = ConnectionConfig.model_validate({"kind": kind.name, **typed, **refs})
    with runner.db.begin() as conn:
        save_connection(conn, runner.box, name, config, values=values)
    return connection_view(name, config)


def delete_connection(runner: LocalRunner, name: str) -> None:
    """Remove a connection; :class:`ConfigError` if unknown or still used."""
    if name not in runner.project().connections:
        raise ConfigError(f"unknown connection {name!r}")
    with runner.db.begin() as conn:
        remove_connection(conn, name)


def check_connection(runner: LocalRunner, name: str) -> dict[str, Any]:
    """What works (``lines``) or what does not (``error``), as the CLI's `test` says it."""
    endpoint = runner.endpoint(runner.project(), name)
    try:
        lines = get_kind(endpoint.kind).check(endpoint.settings, endpoint.secrets)
    except PimsyncError as exc:
        return {"name": name, "ok": False, "error": str(exc)}
    return {"name": name, "ok": True, "lines": lines}
