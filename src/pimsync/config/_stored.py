"""The project as kept in the state store, the single source of truth at run time.

``pimsync config import`` writes a project file into the store; ``config export``
writes the store back out. Secret values are only ever stored encrypted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy import Connection, delete, select

from pimsync.catalogs import Permissions
from pimsync.config._schema import (
    CatalogConfig,
    ConnectionConfig,
    JobConfig,
    ProjectConfig,
    SecretRef,
)
from pimsync.errors import ConfigError
from pimsync.state import SecretBox
from pimsync.state._tables import connections, documents, jobs
from pimsync.state._upsert import upsert

log = logging.getLogger("pimsync.config")

Prompt = Callable[[str, str], SecretStr]


def connection_limit(limit: int, names: Iterable[str]) -> None:
    """:class:`ConfigError` if ``names`` are more connections than ``limit``."""
    count = len(set(names))
    if count > limit:
        raise ConfigError(
            f"{count} connections: the hub holds at most {limit} (PIMSYNC_MAX_CONNECTIONS); "
            "remove one first (pimsync connections remove NAME)"
        )


def _no_prompt(connection: str, field: str) -> SecretStr:
    raise ConfigError(
        f"connection {connection!r}: secret {field!r} must be typed in, but there is no "
        f'terminal; give it as {{ env = "VAR" }} instead'
    )


def save_connection(
    conn: Connection,
    box: SecretBox,
    name: str,
    config: ConnectionConfig,
    *,
    values: dict[str, SecretStr] | None = None,
    prompt: Prompt = _no_prompt,
) -> None:
    """Store one connection; ``values`` are secret values given directly (encrypted here)."""
    existing = conn.execute(
        select(connections.c.secrets_encrypted).where(connections.c.name == name)
    ).scalar()
    stored = box.open(existing) if existing else {}
    refs: dict[str, dict[str, Any]] = {}
    keep: dict[str, SecretStr] = {}
    given = values or {}
    for field, ref in config.secret_refs().items():
        if ref.env is not None:
            refs[field] = ref.as_toml()
            continue
        if field in given:
            keep[field] = given[field]
        elif ref.prompt:
            keep[field] = prompt(name, field)
        elif field in stored:
            keep[field] = stored[field]
        else:
            raise ConfigError(
                f"connection {name!r}: secret {field!r} is marked stored but the state store "
                'has no value for it; use { prompt = true } or { env = "VAR" }'
            )
        refs[field] = {"stored": True}
    for field, value in given.items():
        keep[field] = value
        refs[field] = {"stored": True}
    now = datetime.now(UTC)
    upsert(
        conn,
        connections,
        [
            {
                "name": name,
                "kind": config.kind,
                "settings": config.settings(),
                "secret_refs": refs,
                "secrets_encrypted": box.seal(keep) if keep else None,
                "created_at": now,
                "updated_at": now,
            }
        ],
        update=("kind", "settings", "secret_refs", "secrets_encrypted", "updated_at"),
    )


def save_project(
    conn: Connection,
    box: SecretBox,
    project: ProjectConfig,
    *,
    prompt: Prompt = _no_prompt,
    prune: bool = False,
) -> None:
    """Store every part of ``project``; with ``prune``, remove what the project lacks."""
    now = datetime.now(UTC)
    for name, connection in project.connections.items():
        save_connection(conn, box, name, connection, prompt=prompt)
    upsert(
        conn,
        jobs,
        [
            {
                "name": name,
                "flow": job.flow,
                "source": job.source,
                "destination": job.destination,
                "options": job.model_dump(
                    mode="json", exclude={"flow", "source", "destination", "schedule"}
                ),
                "schedule": job.schedule,
                "created_at": now,
                "updated_at": now,
            }
            for name, job in project.jobs.items()
        ],
        update=("flow", "source", "destination", "options", "schedule", "updated_at"),
    )
    docs = [
        {"section": "mappings", "name": name, "body": body, "updated_at": now}
        for name, body in project.mappings.items()
    ]
    docs += [
        {"section": "catalogs", "name": name, "body": save_catalog_body(catalog), "updated_at": now}
        for name, catalog in project.catalogs.items()
    ]
    docs += [
        {
            "section": "permissions",
            "name": name,
            "body": save_permissions_body(permissions),
            "updated_at": now,
        }
        for name, permissions in project.permissions.items()
    ]
    upsert(conn, documents, docs, update=("body", "updated_at"))
    if prune:
        conn.execute(delete(jobs).where(jobs.c.name.not_in(list(project.jobs))))
        conn.execute(
            delete(connections).where(connections.c.name.not_in(list(project.connections)))
        )
        for section in ("mappings", "catalogs", "permissions"):
            conn.execute(
                delete(documents).where(
                    documents.c.section == section,
                    documents.c.name.not_in(list(getattr(project, section))),
                )
            )


def load_project(conn: Connection) -> ProjectConfig:
    """The project as stored (secrets as references only)."""
    conns = {
        row.name: ConnectionConfig.model_validate(
            {"kind": row.kind, **row.settings, **row.secret_refs}
        )
        for row in conn.execute(select(connections).order_by(connections.c.name))
    }
    job_configs = {
        row.name: JobConfig.model_validate(
            {
                "flow": row.flow,
                "source": row.source,
                "destination": row.destination,
                "schedule": row.schedule,
                **row.options,
            }
        )
        for row in conn.execute(select(jobs).order_by(jobs.c.name))
    }
    sections: dict[str, dict[str, dict[str, Any]]] = {
        "mappings": {},
        "catalogs": {},
        "permissions": {},
    }
    for row in conn.execute(select(documents).order_by(documents.c.section, documents.c.name)):
        sections.setdefault(row.section, {})[row.name] = row.body
    return ProjectConfig.model_construct(
        connections=conns,
        jobs=job_configs,
        mappings=sections["mappings"],
        catalogs=_valid_catalogs(sections["catalogs"]),
        permissions={
            name: load_permissions_body(name, body)
            for name, body in sections["permissions"].items()
        },
    )


def _valid_catalogs(bodies: dict[str, dict[str, Any]]) -> dict[str, CatalogConfig]:
    """The stored catalogs; one stored before catalogs were typed (a free-form table) and
    invalid now is left out with a warning, so the project can still be loaded and fixed."""
    found = {}
    for name, body in bodies.items():
        try:
            found[name] = load_catalog_body(name, body)
        except ConfigError as exc:
            log.warning(
                "%s; it is ignored: import a valid [catalogs.%s] or remove it with "
                "`pimsync config import --prune`",
                exc,
                name,
            )
    return found


def save_catalog_body(catalog: CatalogConfig) -> dict[str, Any]:
    """A catalog as the JSON document the state store keeps."""
    body: dict[str, Any] = catalog.model_dump(mode="json")
    return body


def load_catalog_body(name: str, body: dict[str, Any]) -> CatalogConfig:
    """A stored catalog; :class:`ConfigError` names what is wrong with an invalid one."""
    try:
        return CatalogConfig.model_validate(body)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"catalog {name!r}") from None


def save_catalog(conn: Connection, name: str, catalog: CatalogConfig) -> None:
    """Store (create or replace) one catalog."""
    now = datetime.now(UTC)
    upsert(
        conn,
        documents,
        [
            {
                "section": "catalogs",
                "name": name,
                "body": save_catalog_body(catalog),
                "updated_at": now,
            }
        ],
        update=("body", "updated_at"),
    )


def save_permissions_body(permissions: Permissions) -> dict[str, Any]:
    """A destination's permissions as the JSON document the state store keeps (a
    dimension without restriction is left out, so ``[]`` and "not restricted" differ)."""
    body: dict[str, Any] = permissions.model_dump(mode="json", exclude_none=True)
    return body


def load_permissions_body(destination: str, body: dict[str, Any]) -> Permissions:
    """Stored permissions; :class:`ConfigError` names what is wrong with invalid ones
    (never ignored: that would send what the destination may not receive)."""
    try:
        return Permissions.model_validate(body)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"permissions {destination!r}") from None


def save_permissions(conn: Connection, destination: str, permissions: Permissions | None) -> None:
    """Store the permissions of connection ``destination``; ``None`` removes them (the
    destination then receives everything its jobs select)."""
    if permissions is None:
        conn.execute(
            delete(documents).where(
                documents.c.section == "permissions", documents.c.name == destination
            )
        )
        return
    upsert(
        conn,
        documents,
        [
            {
                "section": "permissions",
                "name": destination,
                "body": save_permissions_body(permissions),
                "updated_at": datetime.now(UTC),
            }
        ],
        update=("body", "updated_at"),
    )


def remove_catalog(conn: Connection, name: str) -> None:
    """Delete catalog ``name``; :class:`ConfigError` if unknown or a job still uses it."""
    users = sorted(
        row.name
        for row in conn.execute(select(jobs.c.name, jobs.c.options))
        # the column holds the job's fields; the flow's options are under "options"
        if isinstance(row.options, dict)
        and isinstance(row.options.get("options"), dict)
        and row.options["options"].get("catalog") == name
    )
    if users:
        raise ConfigError(
            f"catalog {name!r} is used by job(s) {', '.join(users)}; take `catalog` out of "
            "their options first (or disable the catalog: pimsync catalogs disable)"
        )
    removed = conn.execute(
        delete(documents).where(documents.c.section == "catalogs", documents.c.name == name)
    )
    if removed.rowcount == 0:
        raise ConfigError(f"unknown catalog {name!r}")


def remove_connection(conn: Connection, name: str) -> None:
    """Delete a connection; :class:`ConfigError` if a job still uses it."""
    users = conn.scalars(
        select(jobs.c.name).where((jobs.c.source == name) | (jobs.c.destination == name))
    ).all()
    if users:
        raise ConfigError(
            f"connection {name!r} is used by job(s) {', '.join(users)}; remove those first"
        )
    catalogs = [
        row.name
        for row in conn.execute(
            select(documents.c.name, documents.c.body).where(documents.c.section == "catalogs")
        )
        if isinstance(row.body, dict) and row.body.get("destination") == name
    ]
    if catalogs:
        raise ConfigError(
            f"connection {name!r} is the destination of catalog(s) {', '.join(catalogs)}; "
            "remove those first"
        )
    restricted = conn.execute(
        select(documents.c.name).where(
            documents.c.section == "permissions", documents.c.name == name
        )
    ).first()
    if restricted is not None:
        raise ConfigError(
            f"connection {name!r} has permissions ([permissions.{name}]); remove them first "
            f"with `pimsync permissions set {name} --clear`"
        )
    if conn.execute(delete(connections).where(connections.c.name == name)).rowcount == 0:
        raise ConfigError(f"unknown connection {name!r}")


def connection_secrets(conn: Connection, box: SecretBox, name: str) -> dict[str, SecretStr]:
    """The secret values of connection ``name``, read from env vars or decrypted.

    Raises :class:`ConfigError` when an env var is unset or the connection is unknown.
    """
    row = conn.execute(
        select(connections.c.secret_refs, connections.c.secrets_encrypted).where(
            connections.c.name == name
        )
    ).first()
    if row is None:
        raise ConfigError(f"unknown connection {name!r}")
    stored = box.open(row.secrets_encrypted) if row.secrets_encrypted else {}
    values: dict[str, SecretStr] = {}
    for field, raw in row.secret_refs.items():
        ref = SecretRef.model_validate(raw)
        if ref.env is not None:
            value = os.environ.get(ref.env)
            if value is None:
                raise ConfigError(
                    f"connection {name!r}: secret {field!r} comes from the environment "
                    f"variable {ref.env}, which is not set"
                )
            values[field] = SecretStr(value)
        elif field in stored:
            values[field] = stored[field]
    return values
