"""The permissions screen and ``/api/v1/permissions``: what each destination may receive.

Seed 001's permission wizard, for the hub's destinations: per destination connection,
the category trees, locales and attribute groups it may receive (``[permissions.DEST]``,
what `pimsync permissions set` stores). The codes offered are read from the Akeneo
connection that feeds the destination (the source of its jobs), and a code that
connection lacks is refused at its field, the same rule a run applies
(:func:`~pimsync.catalogs.permission_problems`). "All" on a dimension means it is not
restricted; checking nothing under "only these" means nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from pimsync.catalogs import Permissions, permission_problems
from pimsync.config import ProjectConfig
from pimsync.config._stored import save_permissions
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.kinds import KINDS
from pimsync.errors import ConfigError, PimsyncError
from pimsync.mapping import AkeneoMetadata
from pimsync.runners.local import LocalRunner
from pimsync.state._users import Permission
from pimsync.web._api import Manager, Viewer
from pimsync.web._app import page
from pimsync.web._auth import Caller, CallerDep, check_csrf

__all__ = ["permissions"]

DIMENSIONS = ("category_trees", "locales", "attribute_groups")
_TITLES = {
    "category_trees": "Category trees",
    "locales": "Locales",
    "attribute_groups": "Attribute groups",
}
_HINTS = {
    "category_trees": "Products in a category of a checked tree (and unclassified products).",
    "locales": "Values in a checked locale (values without locale are always sent).",
    "attribute_groups": "Values of attributes in a checked group (the identifier always).",
}

permission_pages = APIRouter(include_in_schema=False)
permissions_api = APIRouter(prefix="/api/v1", tags=["permissions"])


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


@dataclass(frozen=True, slots=True)
class Choices:
    """The codes a destination's permissions can name, from its Akeneo source."""

    source: str
    category_trees: tuple[str, ...]
    locales: tuple[str, ...]
    attribute_groups: tuple[str, ...]
    metadata: AkeneoMetadata

    def of(self, dimension: str) -> tuple[str, ...]:
        codes: tuple[str, ...] = getattr(self, dimension)
        return codes


def destinations(project: ProjectConfig) -> list[str]:
    """The connections that can receive products (their kind can be a destination)."""
    return [
        name
        for name, config in sorted(project.connections.items())
        if config.kind in KINDS and "destination" in KINDS[config.kind].roles
    ]


def akeneo_sources(project: ProjectConfig, destination: str) -> list[str]:
    """The Akeneo connections feeding ``destination`` (its jobs' sources), by job name."""
    found: list[str] = []
    for _, job in sorted(project.jobs.items()):
        source = project.connections.get(job.source)
        akeneo = source is not None and source.kind == "akeneo"
        if job.destination == destination and akeneo and job.source not in found:
            found.append(job.source)
    return found


def read_choices(runner: LocalRunner, project: ProjectConfig, source: str) -> Choices:
    """Akeneo ``source``'s category trees, enabled locales and attribute groups.

    Raises the connector's errors (:class:`~pimsync.errors.PimsyncError`) when Akeneo
    cannot be read.
    """
    endpoint = runner.endpoint(project, source, "source")
    with connect_akeneo(endpoint.settings, endpoint.secrets) as akeneo:
        catalog = AkeneoCatalog(akeneo)
        categories = [r.data for p in catalog.categories() for r in p if r.data]
        locales = [r.data for p in catalog.locales() for r in p if r.data]
        groups = [r.data for p in catalog.attribute_groups() for r in p if r.data]
    metadata = AkeneoMetadata.from_model(attributes=(), categories=categories, locales=locales)
    return Choices(
        source=source,
        category_trees=tuple(c.code for c in categories if c.parent is None),
        locales=metadata.locales,
        attribute_groups=tuple(
            g.code for g in sorted(groups, key=lambda g: (g.sort_order, g.code))
        ),
        metadata=metadata,
    )


def _destination(request: Request, destination: str) -> ProjectConfig:
    project = _runner(request).project()
    if destination not in destinations(project):
        raise HTTPException(404, f"no destination connection {destination!r}")
    return project


def _described(project: ProjectConfig, destination: str) -> dict[str, Any]:
    found = project.permissions.get(destination) or Permissions()
    return {
        "destination": destination,
        "kind": project.connections[destination].kind,
        "sources": akeneo_sources(project, destination),
        **found.model_dump(mode="json"),
    }


def check_and_save(
    runner: LocalRunner, project: ProjectConfig, destination: str, permissions: Permissions
) -> dict[str, str]:
    """Store ``permissions`` for ``destination`` after checking every code against each
    Akeneo connection feeding it; the problems by dimension (nothing stored) otherwise.

    Raises the connector's errors when Akeneo cannot be read.
    """
    sources = akeneo_sources(project, destination)
    if not sources:
        return {
            "": f"no job reads Akeneo into {destination!r}: add one first, so the codes "
            "can be checked against that Akeneo"
        }
    problems: dict[str, str] = {}
    for source in sources:
        choices = read_choices(runner, project, source)
        for dimension, messages in permission_problems(
            permissions, choices.metadata, choices.attribute_groups
        ).items():
            problems.setdefault(dimension, f"{'; '.join(messages)} (in {source})")
    if problems:
        return problems
    unrestricted = permissions == Permissions()
    with runner.db.begin() as conn:
        save_permissions(conn, destination, None if unrestricted else permissions)
    return {}


# -- pages ---------------------------------------------------------------------------


@permission_pages.get("/permissions")
def permissions_list(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    project = _runner(request).project()
    rows = [_described(project, name) for name in destinations(project)]
    return page(
        request,
        "permissions.html",
        caller,
        title="Permissions",
        rows=rows,
        dimensions=DIMENSIONS,
        titles=_TITLES,
    )


def _editor(
    request: Request,
    caller: Caller,
    destination: str,
    *,
    chosen: Mapping[str, Sequence[str] | None] | None = None,
    problems: Mapping[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    project = _runner(request).project()
    described = _described(project, destination)
    sources = described["sources"]
    choices: Choices | None = None
    error = None
    if sources:
        try:
            choices = read_choices(_runner(request), project, sources[0])
        except PimsyncError as exc:
            error = f"cannot read {sources[0]}: {exc}"
    else:
        error = (
            f"no job reads Akeneo into {destination}: add one, then choose here what it may receive"
        )
    current = {d: described[d] for d in DIMENSIONS} if chosen is None else dict(chosen)
    return page(
        request,
        "permissions_edit.html",
        caller,
        status_code=status_code,
        title=f"Permissions of {destination}",
        destination=destination,
        described=described,
        choices=choices,
        current=current,
        dimensions=DIMENSIONS,
        titles=_TITLES,
        hints=_HINTS,
        problems=problems or {},
        error=error,
        messages=messages or [],
        can_manage=caller.user.can(Permission.MANAGE_CONNECTIONS),
    )


@permission_pages.get("/permissions/{destination}")
def permissions_page(request: Request, caller: CallerDep, destination: str) -> Response:
    caller.require(Permission.VIEW)
    _destination(request, destination)
    return _editor(request, caller, destination)


@permission_pages.post("/permissions/{destination}")
async def permissions_save(request: Request, caller: CallerDep, destination: str) -> Response:
    """Store the form's choices; 422 with each refused code at its dimension, and
    nothing stored, when Akeneo lacks one."""
    form = await request.form()
    check_csrf(caller, str(form.get("csrf_token") or ""))
    caller.require(Permission.MANAGE_CONNECTIONS)
    project = _destination(request, destination)
    chosen: dict[str, list[str] | None] = {}
    problems: dict[str, str] = {}
    for dimension in DIMENSIONS:
        mode = str(form.get(f"{dimension}.mode") or "all")
        codes = [str(c) for c in form.getlist(dimension) if str(c).strip()]
        if mode not in ("all", "only"):
            problems[dimension] = f"choose all or only these, not {mode!r}"
        chosen[dimension] = None if mode == "all" else codes
    if not problems:
        permissions = Permissions.model_validate(chosen)
        try:
            problems = check_and_save(_runner(request), project, destination, permissions)
        except PimsyncError as exc:
            problems = {"": f"cannot check the codes: {exc}"}
    if problems:
        return _editor(
            request, caller, destination, chosen=chosen, problems=problems, status_code=422
        )
    return _editor(
        request, caller, destination, messages=[f"saved the permissions of {destination}"]
    )


# -- API -----------------------------------------------------------------------------


class PermissionsBody(BaseModel):
    """What a destination may receive; ``null`` on a dimension: not restricted, ``[]``:
    nothing of it."""

    category_trees: list[str] | None = Field(None, description="Root category codes.")
    locales: list[str] | None = Field(None, description="Enabled Akeneo locale codes.")
    attribute_groups: list[str] | None = Field(None, description="Attribute group codes.")


@permissions_api.get("/permissions")
def api_permissions(request: Request, _caller: Viewer) -> dict[str, Any]:
    """Every destination connection and what it may receive (``null``: all)."""
    project = _runner(request).project()
    return {"destinations": [_described(project, name) for name in destinations(project)]}


@permissions_api.get("/permissions/{destination}")
def api_permissions_of(
    request: Request, _caller: Viewer, destination: str, choices: bool = False
) -> dict[str, Any]:
    """What ``destination`` may receive; with ``choices=true`` also the codes its
    Akeneo source offers (read from Akeneo)."""
    project = _destination(request, destination)
    found = _described(project, destination)
    if choices and found["sources"]:
        read = read_choices(_runner(request), project, found["sources"][0])
        found["choices"] = {d: list(read.of(d)) for d in DIMENSIONS} | {"source": read.source}
    return found


@permissions_api.put("/permissions/{destination}", response_model=None)
def api_permissions_save(
    request: Request, _caller: Manager, destination: str, body: PermissionsBody
) -> dict[str, Any] | JSONResponse:
    """Check every code against the Akeneo connections feeding ``destination`` and store
    them; 422 with ``problems`` by dimension, and nothing stored, otherwise."""
    project = _destination(request, destination)
    try:
        permissions = Permissions.model_validate(body.model_dump())
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"permissions {destination!r}") from None
    try:
        problems = check_and_save(_runner(request), project, destination, permissions)
    except PimsyncError as exc:
        if isinstance(exc, ConfigError):
            raise
        return JSONResponse({"detail": f"cannot check the codes: {exc}"}, status_code=502)
    if problems:
        return JSONResponse(
            {"detail": "unknown codes; nothing was saved", "problems": problems}, status_code=422
        )
    return _described(_runner(request).project(), destination)


permissions = APIRouter()
permissions.include_router(permission_pages)
permissions.include_router(permissions_api)
