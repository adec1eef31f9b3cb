"""Keeping an Akeneo App token on its connection, for the CLI's and the web app's
activation alike."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr
from sqlalchemy import Connection

from pimsync.config._schema import ConnectionConfig
from pimsync.config._stored import load_project, save_connection
from pimsync.errors import ConfigError
from pimsync.state import SecretBox


def store_app_token(
    conn: Connection, box: SecretBox, name: str, access_token: SecretStr, scopes: Sequence[str]
) -> None:
    """Make ``access_token`` connection ``name``'s encrypted ``app_token`` and record the
    granted ``scopes`` in its settings."""
    stored = load_project(conn).connections.get(name)
    if stored is None or stored.kind != "akeneo":
        raise ConfigError(f"connection {name!r} was removed or replaced during activation")
    refs = {f: r.as_toml() for f, r in stored.secret_refs().items() if f != "app_token"}
    config = ConnectionConfig.model_validate(
        {
            "kind": stored.kind,
            **stored.settings(),
            "app_scopes": " ".join(scopes),
            **refs,
            "app_token": {"stored": True},
        }
    )
    save_connection(conn, box, name, config, values={"app_token": access_token})
