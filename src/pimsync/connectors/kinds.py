"""The kinds of connection pimsync knows: their settings, secrets and health check."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from pimsync.connectors.akeneo import SECRET_FIELDS, AkeneoSettings, check_akeneo
from pimsync.connectors.oro import SECRET_FIELDS as ORO_SECRET_FIELDS
from pimsync.connectors.oro import OroSettings, check_oro
from pimsync.connectors.salesforce import SECRET_FIELDS as SALESFORCE_SECRET_FIELDS
from pimsync.connectors.salesforce import SalesforceSettings, check_salesforce
from pimsync.connectors.sfcc import SECRET_FIELDS as SFCC_SECRET_FIELDS
from pimsync.connectors.sfcc import SfccSettings, check_sfcc
from pimsync.errors import ConfigError


class JsonlSettings(BaseModel):
    """A JSON Lines file of products in Akeneo's standard format."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    page_size: int = Field(100, ge=1, le=10_000)


class DirectorySettings(BaseModel):
    """A folder receiving one JSON document per record."""

    model_config = ConfigDict(extra="forbid")

    path: Path


Check = Callable[[Any, Mapping[str, SecretStr]], list[str]]


@dataclass(frozen=True, slots=True)
class ConnectorKind:
    """A kind of connection: ``check`` returns what works, or raises what does not."""

    name: str
    description: str
    settings: type[BaseModel]
    roles: tuple[str, ...]
    check: Check
    secret_fields: tuple[str, ...] = ()


def _check_jsonl(settings: JsonlSettings, _secrets: Mapping[str, SecretStr]) -> list[str]:
    path = settings.path
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    with path.open("rb") as fh:
        lines = sum(1 for line in fh if line.strip())
    return [f"{path}: readable, {lines} product line(s)"]


def _check_directory(settings: DirectorySettings, _secrets: Mapping[str, SecretStr]) -> list[str]:
    path = settings.path
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path} exists and is not a folder")
    parent = path if path.exists() else path.parent
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"{parent}: not writable")
    count = sum(1 for _ in path.glob("*.json")) if path.exists() else 0
    return [f"{path}: writable, {count} document(s)"]


KINDS: dict[str, ConnectorKind] = {
    kind.name: kind
    for kind in (
        ConnectorKind(
            "jsonl",
            "products from a JSON Lines file (Akeneo standard format)",
            JsonlSettings,
            ("source",),
            _check_jsonl,
        ),
        ConnectorKind(
            "directory",
            "one JSON document per record in a folder",
            DirectorySettings,
            ("destination",),
            _check_directory,
        ),
        ConnectorKind(
            "akeneo",
            "an Akeneo PIM through its REST API (products, catalog structure)",
            AkeneoSettings,
            ("source",),
            check_akeneo,
            secret_fields=SECRET_FIELDS,
        ),
        ConnectorKind(
            "oro",
            "an OroCommerce back office through its JSON:API (products)",
            OroSettings,
            ("destination",),
            check_oro,
            secret_fields=ORO_SECRET_FIELDS,
        ),
        ConnectorKind(
            "sfcc",
            "a Salesforce B2C Commerce instance fed with import files (or a folder of them)",
            SfccSettings,
            ("destination",),
            check_sfcc,
            secret_fields=SFCC_SECRET_FIELDS,
        ),
        ConnectorKind(
            "salesforce",
            "a Salesforce CRM org through its REST API (accounts, contacts, orders, products)",
            SalesforceSettings,
            ("source", "destination"),
            check_salesforce,
            secret_fields=SALESFORCE_SECRET_FIELDS,
        ),
    )
}


def get_kind(name: str) -> ConnectorKind:
    """The kind called ``name``; :class:`ConfigError` lists the known ones otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise ConfigError(
            f"unknown connection kind {name!r} (known: {', '.join(sorted(KINDS))})"
        ) from None


def parse_settings(connection: str, kind: ConnectorKind, settings: Mapping[str, Any]) -> Any:
    """The connection's settings validated by its kind; :class:`ConfigError` names each problem."""
    try:
        return kind.settings.model_validate(dict(settings))
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"connection {connection!r} ({kind.name})") from None
