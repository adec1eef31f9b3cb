"""Hub catalogs as the web app's screen and API handle them: the Akeneo source a catalog
is edited against (and its structure, cached), the catalog as the API shows it, and
saving that refuses what is wrong by field. The checks and the storage are those of
:mod:`pimsync.catalogs` and :mod:`pimsync.hub_catalogs`, shared with `pimsync catalogs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from pimsync.catalogs import Criterion
from pimsync.config import CatalogConfig, ProjectConfig
from pimsync.config._schema import check_name
from pimsync.connectors.kinds import KINDS
from pimsync.errors import ConfigError, PimsyncError
from pimsync.hub_catalogs import catalog_jobs, find_catalog, preview_source, store_catalog
from pimsync.runners.local import LocalRunner
from pimsync.web._catalog_fields import SourceStructure, StructureCache, source_problem


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


def structures(request: Request) -> StructureCache:
    """The web app's cache of Akeneo structures (made on first use)."""
    cache: StructureCache | None = getattr(request.app.state, "catalog_structures", None)
    if cache is None:
        cache = StructureCache()
        request.app.state.catalog_structures = cache
    return cache


def akeneo_connections(project: ProjectConfig) -> list[str]:
    return sorted(n for n, c in project.connections.items() if c.kind == "akeneo")


def catalog_source(
    project: ProjectConfig, name: str, destination: str, requested: str | None
) -> str:
    """The Akeneo connection catalog ``name`` is edited against: ``requested``, else the
    one its jobs read (:func:`~pimsync.hub_catalogs.preview_source`), else the only Akeneo
    connection there is. :class:`ConfigError` says which to choose."""
    stand_in = CatalogConfig.model_construct(destination=destination)
    try:
        return preview_source(project, name, stand_in, requested or None)[0]
    except ConfigError:
        if requested:
            raise
        akeneo = akeneo_connections(project)
        if not akeneo:
            raise ConfigError("no Akeneo connection: add one on the Connections page") from None
        if len(akeneo) > 1:
            raise ConfigError(
                f"choose the Akeneo connection to check the criteria against ({', '.join(akeneo)})"
            ) from None
        return akeneo[0]


@dataclass
class LoadedSource:
    """The source an editor reads, its structure, or why it has none."""

    name: str | None
    structure: SourceStructure | None
    problem: str | None


def load_source(
    request: Request, project: ProjectConfig, name: str, destination: str, requested: str | None
) -> LoadedSource:
    try:
        source = catalog_source(project, name, destination, requested)
    except ConfigError as exc:
        return LoadedSource(requested or None, None, str(exc))
    try:
        structure = structures(request).get(_runner(request), project, source)
    except PimsyncError as exc:
        return LoadedSource(source, None, source_problem(exc, source))
    return LoadedSource(source, structure, None)


def catalog_view(project: ProjectConfig, name: str, catalog: CatalogConfig) -> dict[str, Any]:
    """A catalog as the API returns it (``source``: the Akeneo connection it is checked
    against, see :func:`catalog_source`; None when that has to be chosen)."""
    try:
        source: str | None = catalog_source(project, name, catalog.destination, None)
    except ConfigError:
        source = None
    return {
        "name": name,
        "destination": catalog.destination,
        "source": source,
        "enabled": catalog.enabled,
        "criteria": [c.model_dump(mode="json", exclude_none=True) for c in catalog.criteria],
        "value_filters": catalog.value_filters.model_dump(mode="json"),
        "jobs": catalog_jobs(project, name),
    }


def criterion_summary(criterion: Criterion) -> str:
    value = criterion.value
    if isinstance(value, list | tuple):
        shown = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        shown = f"{value.get('amount')} {value.get('unit')}"
    elif isinstance(value, bool):
        shown = "yes" if value else "no"
    else:
        shown = "" if value is None else str(value)
    return f"{criterion.describe()} {shown}".strip()


def save_if_valid(
    runner: LocalRunner,
    project: ProjectConfig,
    name: str,
    catalog_data: dict[str, Any],
    problems: dict[str, str],
) -> CatalogConfig | None:
    """Store the catalog unless ``problems`` (filled with the project's refusals)."""
    if problems:
        return None
    try:
        with runner.db.begin() as conn:
            return store_catalog(conn, project, name, catalog_data)
    except ConfigError as exc:
        text = str(exc)
        problems["destination" if "destination" in text else ""] = text
        return None


def name_problem(project: ProjectConfig, name: str) -> str | None:
    try:
        check_name(name, "catalog")
    except ValueError as exc:
        return str(exc)
    if name in project.catalogs:
        return f"catalog {name!r} exists"
    return None


def destinations(project: ProjectConfig) -> list[str]:
    """The connections a catalog can feed: those whose kind writes."""
    return sorted(
        name
        for name, config in project.connections.items()
        if config.kind in KINDS and "destination" in KINDS[config.kind].roles
    )


def destination_problem(project: ProjectConfig, destination: str) -> str | None:
    if destination in destinations(project):
        return None
    known = ", ".join(destinations(project)) or "none; add one on the Connections page"
    return f"choose a destination connection (known: {known})"


def known_catalog(project: ProjectConfig, name: str) -> CatalogConfig:
    try:
        return find_catalog(project, name)
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from None


def switch_catalog(runner: LocalRunner, name: str, enabled: bool) -> CatalogConfig:
    project = runner.project()
    catalog = find_catalog(project, name)
    with runner.db.begin() as conn:
        return store_catalog(conn, project, name, {**catalog.model_dump(), "enabled": enabled})
