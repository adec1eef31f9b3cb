"""``/api/v1/catalogs``: what the catalogs screen does, for scripts.

The same checks as the screen (each problem keyed by input: ``criteria.N.value``,
``channels``…), the same storage as `pimsync catalogs`; reading and counting for every
signed-in user, changes need "manage connections". Criteria use Akeneo's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pimsync.catalogs import Criterion, ValueFilters
from pimsync.config import ProjectConfig
from pimsync.config._stored import remove_catalog
from pimsync.errors import ConfigError, PimsyncError
from pimsync.hub_catalogs import (
    checked_catalog,
    preview_catalog,
)
from pimsync.runners.local import LocalRunner
from pimsync.web._api import Manager, Viewer
from pimsync.web._catalog_editor import (
    MAX_CRITERIA,
    criterion_problems_by_input,
    filter_problems_by_input,
)
from pimsync.web._catalog_fields import source_problem
from pimsync.web._catalogs import (
    catalog_view,
    destination_problem,
    known_catalog,
    load_source,
    name_problem,
    save_if_valid,
    switch_catalog,
)

catalogs_api = APIRouter(prefix="/api/v1", tags=["catalogs"])

_PREVIEW_SKUS = 10


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


class CatalogChange(BaseModel):
    """A catalog's content; the criteria and value filters use Akeneo's spellings."""

    destination: str = Field(description="The connection the catalog feeds.")
    criteria: list[Criterion] = Field(
        default_factory=list, max_length=MAX_CRITERIA, description="All must hold."
    )
    value_filters: ValueFilters = ValueFilters()
    source: str | None = Field(
        None,
        description="The Akeneo connection to check the criteria against (default: the one "
        "the jobs into the destination read, or the only Akeneo connection). Not stored.",
    )


class NewCatalog(CatalogChange):
    name: str
    enabled: bool = Field(False, description="New catalogs are disabled unless asked.")


class CountRequest(BaseModel):
    """Criteria and value filters to count instead of the stored ones (both optional)."""

    criteria: list[Criterion] | None = Field(None, max_length=MAX_CRITERIA)
    value_filters: ValueFilters | None = None
    source: str | None = None


def _refused(problems: Mapping[str, str], status_code: int = 422) -> JSONResponse:
    text = "; ".join(f"{k}: {v}" if k else v for k, v in problems.items())
    return JSONResponse({"detail": text, "problems": dict(problems)}, status_code=status_code)


def _api_problems(
    request: Request, project: ProjectConfig, name: str, body: CatalogChange
) -> dict[str, str]:
    """What is wrong with ``body``, checked against its Akeneo source when it selects or
    filters anything."""
    problems: dict[str, str] = {}
    if (problem := destination_problem(project, body.destination)) is not None:
        problems["destination"] = problem
    if not body.criteria and body.value_filters == ValueFilters():
        return problems
    source = load_source(request, project, name, body.destination, body.source)
    if source.structure is None:
        problems["source"] = source.problem or "no Akeneo source"
        return problems
    metadata = source.structure.metadata
    for number, criterion in enumerate(body.criteria):
        problems.update(criterion_problems_by_input(number, criterion, metadata))
    problems.update(filter_problems_by_input(body.value_filters, metadata))
    return problems


@catalogs_api.get("/catalogs")
def api_catalogs(request: Request, _caller: Viewer) -> dict[str, Any]:
    """Every catalog: destination, Akeneo source, enabled, criteria, value filters, jobs."""
    project = _runner(request).project()
    return {"catalogs": [catalog_view(project, n, c) for n, c in sorted(project.catalogs.items())]}


@catalogs_api.get("/catalogs/{name}")
def api_catalog(request: Request, _caller: Viewer, name: str) -> dict[str, Any]:
    project = _runner(request).project()
    return catalog_view(project, name, known_catalog(project, name))


@catalogs_api.get("/catalogs/{name}/fields")
def api_catalog_fields(
    request: Request, _caller: Viewer, name: str, source: str | None = None
) -> Response:
    """What criteria can select on, read from the catalog's Akeneo source: system fields,
    then attributes by group, each with its operators and whether it needs a channel and
    a locale; the channels, locales and currencies for the value filters."""
    project = _runner(request).project()
    catalog = known_catalog(project, name)
    loaded = load_source(request, project, name, catalog.destination, source)
    if loaded.structure is None:
        return _refused({"source": loaded.problem or "no Akeneo source"})
    return JSONResponse(loaded.structure.as_json())


@catalogs_api.post("/catalogs", status_code=201)
def api_catalogs_create(request: Request, _caller: Manager, body: NewCatalog) -> Response:
    """Create a catalog (checked against its Akeneo source when it has criteria)."""
    project = _runner(request).project()
    problems = _api_problems(request, project, body.name, body)
    if (problem := name_problem(project, body.name)) is not None:
        if body.name in project.catalogs:
            return _refused({"name": problem}, 409)
        problems["name"] = problem
    data = body.model_dump(exclude={"name", "source"})
    catalog = save_if_valid(_runner(request), project, body.name, data, problems)
    if catalog is None:
        return _refused(problems)
    return JSONResponse(catalog_view(_runner(request).project(), body.name, catalog), 201)


@catalogs_api.put("/catalogs/{name}")
def api_catalogs_replace(
    request: Request, _caller: Manager, name: str, body: CatalogChange
) -> Response:
    """Replace a catalog's destination, criteria and value filters (``enabled`` is kept:
    use enable / disable)."""
    project = _runner(request).project()
    stored = known_catalog(project, name)
    problems = _api_problems(request, project, name, body)
    data = {**body.model_dump(exclude={"source"}), "enabled": stored.enabled}
    catalog = save_if_valid(_runner(request), project, name, data, problems)
    if catalog is None:
        return _refused(problems)
    return JSONResponse(catalog_view(_runner(request).project(), name, catalog))


@catalogs_api.delete("/catalogs/{name}", status_code=204)
def api_catalogs_remove(request: Request, _caller: Manager, name: str) -> Response:
    """Remove a catalog (409 while a job's options name it)."""
    known_catalog(_runner(request).project(), name)
    try:
        with _runner(request).db.begin() as conn:
            remove_catalog(conn, name)
    except ConfigError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    return Response(status_code=204)


@catalogs_api.post("/catalogs/{name}/enable")
def api_catalogs_enable(request: Request, _caller: Manager, name: str) -> dict[str, Any]:
    """Enable a catalog: the jobs using it send its products."""
    known_catalog(_runner(request).project(), name)
    catalog = switch_catalog(_runner(request), name, True)
    return catalog_view(_runner(request).project(), name, catalog)


@catalogs_api.post("/catalogs/{name}/disable")
def api_catalogs_disable(request: Request, _caller: Manager, name: str) -> dict[str, Any]:
    """Disable a catalog: the jobs using it send nothing until it is enabled."""
    known_catalog(_runner(request).project(), name)
    catalog = switch_catalog(_runner(request), name, False)
    return catalog_view(_runner(request).project(), name, catalog)


@catalogs_api.post("/catalogs/{name}/count")
def api_catalogs_count(
    request: Request, _caller: Viewer, name: str, body: CountRequest | None = None
) -> Response:
    """Count the products the catalog selects now (or would, with the criteria and value
    filters in the body), reading Akeneo as its jobs do; nothing is stored."""
    body = body or CountRequest()
    project = _runner(request).project()
    stored = known_catalog(project, name)
    change = CatalogChange(
        destination=stored.destination,
        criteria=list(stored.criteria) if body.criteria is None else body.criteria,
        value_filters=body.value_filters or stored.value_filters,
        source=body.source,
    )
    source = load_source(request, project, name, stored.destination, body.source)
    if source.structure is None:
        return _refused({"source": source.problem or "no Akeneo source"})
    problems = _api_problems(request, project, name, change)
    if problems:
        return _refused(problems)
    spec = checked_catalog(
        project, name, {**change.model_dump(exclude={"source"}), "enabled": True}
    ).spec()
    try:
        preview = preview_catalog(
            _runner(request),
            project,
            name,
            stored,
            source=source.name,
            spec=spec,
            metadata=source.structure.metadata,
        )
    except ConfigError:
        raise  # the app answers 422 with the message
    except PimsyncError as exc:
        return JSONResponse({"detail": source_problem(exc, source.name or "")}, 502)
    return JSONResponse(
        {
            "catalog": name,
            "source": preview.source,
            "selected": preview.selected,
            "transferred": preview.transferred,
            "checked_locally": preview.checked_locally,
            "permissions": preview.permissions,
            "skus": list(preview.skus[:_PREVIEW_SKUS]),
        }
    )
