"""The project file's shape: connections, jobs, mappings, catalogs, permissions.

Secret fields never hold a value in the file; they hold one of
``{ env = "VAR" }`` (read from the environment when used),
``{ prompt = true }`` (asked for on import and stored encrypted), or
``{ stored = true }`` (keep the value already stored encrypted in the state store).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pimsync.catalogs import CatalogSpec, Permissions
from pimsync.jobs import DeletionPolicy

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} name {value!r} must be 1-100 lowercase letters, digits, '-', '_' or '.'"
        )
    return value


class SecretRef(BaseModel):
    """Where a secret comes from: an environment variable, a prompt, or the state store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    prompt: bool = False
    stored: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if sum([self.env is not None, self.prompt, self.stored]) != 1:
            raise ValueError(
                'a secret must be exactly one of { env = "VAR" }, '
                "{ prompt = true } or { stored = true }"
            )
        return self

    def as_toml(self) -> dict[str, Any]:
        if self.env is not None:
            return {"env": self.env}
        return {"prompt": True} if self.prompt else {"stored": True}


class ConnectionConfig(BaseModel):
    """One system pimsync talks to; fields other than ``kind`` belong to the connector."""

    model_config = ConfigDict(extra="allow")

    kind: str

    def settings(self) -> dict[str, Any]:
        """Connector settings, secrets excluded (see :meth:`secret_refs`)."""
        return {
            k: v
            for k, v in (self.model_extra or {}).items()
            if not (isinstance(v, dict) and {"env", "prompt", "stored"} & v.keys())
        }

    def secret_refs(self) -> dict[str, SecretRef]:
        """The fields given as secret references."""
        return {
            k: SecretRef.model_validate(v)
            for k, v in (self.model_extra or {}).items()
            if isinstance(v, dict) and {"env", "prompt", "stored"} & v.keys()
        }


class JobConfig(BaseModel):
    """A job: a flow from a source connection to a destination connection."""

    model_config = ConfigDict(extra="forbid")

    flow: str
    source: str
    destination: str
    schedule: str | None = None
    deletion_policy: DeletionPolicy = DeletionPolicy.DISABLE
    batch_size: int | None = Field(None, ge=1, le=100_000)
    load_concurrency: int | None = Field(None, ge=1, le=64)
    extract_concurrency: int | None = Field(None, ge=1, le=64)
    overlap_seconds: float | None = Field(None, ge=0)
    max_attempts: int | None = Field(None, ge=1)
    requires: list[str] = Field(default_factory=list)
    """Jobs the scheduler runs first, in this order, each time this job is due (e.g. the
    structure job before the products job); a failed one skips this run."""
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(
                f"{value!r} is not a cron expression (five fields: "
                "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *')"
            )
        return value


class CatalogConfig(CatalogSpec):
    """A hub catalog: which products (and values) the ``destination`` connection gets.

    ``criteria`` and ``value_filters`` are those of :class:`~pimsync.catalogs.CatalogSpec`
    (Akeneo's spellings); a new catalog is disabled until enabled on purpose.
    """

    destination: str

    def spec(self) -> CatalogSpec:
        """The selection alone, without the destination."""
        return CatalogSpec(
            criteria=self.criteria, value_filters=self.value_filters, enabled=self.enabled
        )


class ProjectConfig(BaseModel):
    """Everything a ``pimsync.toml`` holds."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    connections: dict[str, ConnectionConfig] = Field(default_factory=dict)
    jobs: dict[str, JobConfig] = Field(default_factory=dict)
    mappings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    catalogs: dict[str, CatalogConfig] = Field(default_factory=dict)
    permissions: dict[str, Permissions] = Field(default_factory=dict)
    """Destination connection → the category trees, locales and attribute groups it may
    receive (``[permissions.DEST]``); a destination not listed is not restricted."""

    @model_validator(mode="after")
    def _references(self) -> ProjectConfig:
        for section in ("connections", "jobs", "mappings", "catalogs"):
            for name in getattr(self, section):
                check_name(name, section[:-1])
        for name, job in self.jobs.items():
            for role in ("source", "destination"):
                target = getattr(job, role)
                if target not in self.connections:
                    raise ValueError(
                        f"job {name!r}: {role} connection {target!r} is not defined "
                        f"(defined: {', '.join(sorted(self.connections)) or 'none'})"
                    )
            for required in job.requires:
                if required not in self.jobs:
                    raise ValueError(
                        f"job {name!r}: requires {required!r}, which is not a job "
                        f"(defined: {', '.join(sorted(self.jobs))})"
                    )
        for name in self.jobs:
            _check_no_cycle(self.jobs, name, ())
        for name, catalog in self.catalogs.items():
            if catalog.destination not in self.connections:
                raise ValueError(
                    f"catalog {name!r}: destination connection {catalog.destination!r} is not "
                    f"defined (defined: {', '.join(sorted(self.connections)) or 'none'})"
                )
        for name, job in self.jobs.items():
            wanted = job.options.get("catalog")
            if wanted is None:
                continue
            if not isinstance(wanted, str) or wanted not in self.catalogs:
                raise ValueError(
                    f"job {name!r}: options.catalog {wanted!r} is not a catalog "
                    f"(defined: {', '.join(sorted(self.catalogs)) or 'none'})"
                )
            if self.catalogs[wanted].destination != job.destination:
                raise ValueError(
                    f"job {name!r}: catalog {wanted!r} is for connection "
                    f"{self.catalogs[wanted].destination!r}, but the job writes to "
                    f"{job.destination!r}"
                )
        for destination in self.permissions:
            if destination not in self.connections:
                raise ValueError(
                    f"permissions {destination!r}: {destination!r} is not a defined connection "
                    f"(defined: {', '.join(sorted(self.connections)) or 'none'})"
                )
        return self


def _check_no_cycle(jobs: dict[str, JobConfig], name: str, path: tuple[str, ...]) -> None:
    if name in path:
        cycle = " → ".join([*path[path.index(name) :], name])
        raise ValueError(f"jobs require each other in a cycle: {cycle}")
    for required in jobs[name].requires:
        _check_no_cycle(jobs, required, (*path, name))
