"""Hub catalogs as the CLI and the web app manage them: found, checked, stored, counted.

`pimsync catalogs` and the web app's catalog screen do the same things to the same
``[catalogs.NAME]`` documents, so they share this module rather than each keeping a copy.
It sits above :mod:`pimsync.runners` (a preview reads Akeneo the way an ``oro.products``
job does: :func:`~pimsync.runners._oro.catalog_selection` pushes what Akeneo can run down
to its search and checks the rest here) and below :mod:`pimsync.cli` and
:mod:`pimsync.web`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from pimsync.catalogs import CatalogSpec
from pimsync.config import CatalogConfig, ProjectConfig
from pimsync.config._stored import save_catalog
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoMetadata
from pimsync.runners._oro import (
    OroJobOptions,
    catalog_attributes,
    catalog_selection,
    destination_permissions,
    read_akeneo_metadata,
)
from pimsync.runners.flows import get_flow
from pimsync.runners.local import LocalRunner

__all__ = [
    "CatalogPreview",
    "catalog_jobs",
    "checked_catalog",
    "find_catalog",
    "preview_catalog",
    "preview_source",
    "store_catalog",
]


def find_catalog(project: ProjectConfig, name: str) -> CatalogConfig:
    """Catalog ``name``; :class:`ConfigError` listing the known ones when there is none."""
    catalog = project.catalogs.get(name)
    if catalog is None:
        known = (
            ", ".join(sorted(project.catalogs)) or "none; add one with `pimsync catalogs create`"
        )
        raise ConfigError(f"unknown catalog {name!r} (known: {known})")
    return catalog


def catalog_jobs(project: ProjectConfig, name: str) -> list[str]:
    """The jobs whose options name catalog ``name``."""
    return sorted(n for n, job in project.jobs.items() if job.options.get("catalog") == name)


def checked_catalog(project: ProjectConfig, name: str, data: dict[str, Any]) -> CatalogConfig:
    """Catalog ``name`` built from ``data`` and checked within ``project`` (its destination
    exists, the jobs using it write there); :class:`ConfigError` says what is wrong."""
    try:
        catalog = CatalogConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"catalog {name!r}") from None
    if catalog.destination not in project.connections:
        known = ", ".join(sorted(project.connections)) or "none"
        raise ConfigError(
            f"catalog {name!r}: destination connection {catalog.destination!r} is not defined "
            f"(known: {known})"
        )
    for job in catalog_jobs(project, name):
        if project.jobs[job].destination != catalog.destination:
            raise ConfigError(
                f"catalog {name!r}: job {job!r} uses it and writes to "
                f"{project.jobs[job].destination!r}, not {catalog.destination!r}"
            )
    return catalog


def store_catalog(
    conn: Connection, project: ProjectConfig, name: str, data: dict[str, Any]
) -> CatalogConfig:
    """Check catalog ``name`` (:func:`checked_catalog`) and store it."""
    catalog = checked_catalog(project, name, data)
    save_catalog(conn, name, catalog)
    return catalog


def preview_source(
    project: ProjectConfig, name: str, catalog: CatalogConfig, source: str | None
) -> tuple[str, OroJobOptions | None]:
    """The Akeneo connection to read for catalog ``name`` and the options of the one job
    using it (None when not exactly one does); ``source`` names the connection instead.

    Raises :class:`ConfigError` when ``source`` is not an Akeneo connection, or when it
    is None and the jobs into the catalog's destination read no Akeneo, or several.
    """
    jobs = {
        n: job
        for n, job in project.jobs.items()
        if job.destination == catalog.destination
        and (source is None or job.source == source)
        and project.connections.get(job.source) is not None
        and project.connections[job.source].kind == "akeneo"
    }
    using = {n: j for n, j in jobs.items() if j.options.get("catalog") == name}
    chosen = using or jobs
    options: OroJobOptions | None = None
    if len(using) == 1:
        job_name, job = next(iter(using.items()))
        parsed = get_flow(job.flow).parse_options(job_name, job.options)
        options = parsed if isinstance(parsed, OroJobOptions) else None
    if source is not None:
        if source not in project.connections:
            known = ", ".join(sorted(project.connections)) or "none"
            raise ConfigError(f"unknown connection {source!r} (known: {known})")
        if project.connections[source].kind != "akeneo":
            raise ConfigError(f"connection {source!r} is not an akeneo connection")
        return source, options
    sources = sorted({job.source for job in chosen.values()})
    if not sources:
        raise ConfigError(
            f"catalog {name!r}: no job reads Akeneo into {catalog.destination!r}; "
            "name the Akeneo connection with --source CONN"
        )
    if len(sources) > 1:
        raise ConfigError(
            f"catalog {name!r}: jobs into {catalog.destination!r} read {', '.join(sources)}; "
            "choose one with --source CONN"
        )
    return sources[0], options


@dataclass(frozen=True, slots=True)
class CatalogPreview:
    """What a catalog selects now: ``selected`` products (their SKUs, in Akeneo's order)
    out of ``transferred`` read from Akeneo, ``checked_locally`` criteria evaluated here."""

    source: str
    skus: tuple[str, ...]
    transferred: int
    checked_locally: int
    permissions: bool

    @property
    def selected(self) -> int:
        return len(self.skus)


def preview_catalog(
    runner: LocalRunner,
    project: ProjectConfig,
    name: str,
    catalog: CatalogConfig,
    *,
    source: str | None = None,
    spec: CatalogSpec | None = None,
    metadata: AkeneoMetadata | None = None,
) -> CatalogPreview:
    """Read Akeneo as a job using catalog ``name`` would and list what it selects.

    ``spec`` previews other criteria and value filters than the stored ones (the editor's
    unsaved form); ``metadata`` is Akeneo's structure when the caller already holds it
    (it must list the options of the select attributes the criteria name). The
    destination's permissions narrow the selection as in a run. Raises
    :class:`ConfigError` for an invalid catalog (every problem named) or source.
    """
    source_name, options = preview_source(project, name, catalog, source)
    endpoint = runner.endpoint(project, source_name, "source")
    spec = spec if spec is not None else catalog.spec()
    selected: list[str] = []
    transferred = 0
    permissions = project.permissions.get(catalog.destination)
    with connect_akeneo(endpoint.settings, endpoint.secrets) as akeneo:
        reader = AkeneoCatalog(akeneo)
        if metadata is None:
            metadata = read_akeneo_metadata(reader, catalog_attributes(spec))
        trees = None
        if permissions is not None:
            trees, _ = destination_permissions(permissions, reader, metadata, catalog.destination)
        selection = catalog_selection(
            spec,
            metadata,
            families=options.families if options else (),
            enabled_only=options.enabled_only if options else False,
            name=name,
            also=() if trees is None else (trees.criterion,),
        )
        for page in reader.products(selection.search):
            for record in page:
                if record.data is None:
                    continue
                transferred += 1
                permitted = trees is None or trees.product(record.data)
                if permitted and selection.select(record.data):
                    selected.append(record.data.identifier or record.data.uuid or record.key)
    return CatalogPreview(
        source=source_name,
        skus=tuple(selected),
        transferred=transferred,
        checked_locally=len(selection.residual),
        permissions=permissions is not None,
    )
