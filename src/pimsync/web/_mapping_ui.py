"""The mapping screen and ``/api/v1/jobs/{name}/mapping``: a job's attribute and category
mapping, edited, checked and previewed on one product before it is saved.

The screen posts its whole form (htmx) to ``/mapping/{job}/preview`` at every change: the
answer is the preview of one product mapped with the *unsaved* lines, or the problems
that stop it. Save posts the same form to ``/mapping/{job}``; any problem sends the page
back with 422 and each message at its input, and nothing is stored. The checks, preview
and storage are :mod:`pimsync.hub_mappings`'; this module only reads forms and renders.
Previewing changes nothing, so a viewer may do it; saving needs "manage connections".

What the editor and its previews read of Akeneo's and the destination's structure is
kept a minute per connection (:func:`structure_reads`); a save reads it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pimsync.errors import ConfigError, PimsyncError
from pimsync.hub_mappings import (
    ORO_EXTRAS,
    MappingCheck,
    MappingDraft,
    MappingLine,
    ReadsOf,
    StructureReads,
    check_mapping,
    destination_kind,
    draft_of_job,
    mapping_jobs,
    save_mapping,
)
from pimsync.runners.flows import Endpoint
from pimsync.runners.local import LocalRunner
from pimsync.state._users import Permission
from pimsync.web._api import Manager, Viewer
from pimsync.web._app import page
from pimsync.web._auth import Caller, CallerDep, check_csrf
from pimsync.web._ttl_cache import TtlCache

__all__ = ["mapping"]

mapping_pages = APIRouter(include_in_schema=False)
mapping_api = APIRouter(prefix="/api/v1", tags=["mapping"])


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


# -- structure reads -----------------------------------------------------------------

ConnectionKey = tuple[str, str, str, str]
_MADE = threading.Lock()


def structure_reads(request: Request) -> TtlCache[ConnectionKey, StructureReads]:
    """The web app's structure reads by connection, a minute each (made on first use)."""
    state = request.app.state
    with _MADE:
        cache: TtlCache[ConnectionKey, StructureReads] | None = getattr(
            state, "mapping_structures", None
        )
        if cache is None:
            cache = TtlCache()
            state.mapping_structures = cache
    return cache


def connection_key(endpoint: Endpoint) -> ConnectionKey:
    """The connection's name, kind, settings and a digest of its secrets: any change to
    what it answers with gets another key."""
    settings = endpoint.settings
    shown = settings.model_dump_json() if isinstance(settings, BaseModel) else repr(settings)
    secrets = {k: v.get_secret_value() for k, v in endpoint.secrets.items()}
    digest = hashlib.sha256(orjson.dumps(secrets, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return (endpoint.name, endpoint.kind, shown, digest)


def _reads(request: Request, *, fresh: bool) -> ReadsOf:
    """Each connection's kept reads; ``fresh`` (a save) starts them again."""
    cache = structure_reads(request)

    def of(endpoint: Endpoint) -> StructureReads:
        return cache.get(connection_key(endpoint), StructureReads, refresh=fresh)

    return of


# -- forms ---------------------------------------------------------------------------


def draft_of_form(form: Mapping[str, list[str]], kind: str) -> tuple[MappingDraft, dict[str, str]]:
    """The draft a submitted editor holds, and the problems of its shape (a ``map`` line
    without ``=``). ``remove=N`` drops line N; ``add`` appends a blank one."""

    def one(key: str) -> str:
        return (form.get(key) or [""])[-1].strip()

    numbers = sorted(
        {
            int(k.split(".")[1])
            for k in form
            if k.startswith("attributes.") and k.split(".")[1].isdigit()
        }
    )
    removed = one("remove")
    lines = []
    for n in numbers:
        if str(n) == removed:
            continue
        extras = {k: v for k in ORO_EXTRAS if (v := one(f"attributes.{n}.{k}"))}
        if not one(f"attributes.{n}.akeneo") and not one(f"attributes.{n}.field") and not extras:
            continue  # a blank line: the editor always shows one more
        lines.append(
            MappingLine(one(f"attributes.{n}.akeneo"), one(f"attributes.{n}.field"), extras)
        )
    if one("add"):
        lines.append(MappingLine("", ""))
    problems: dict[str, str] = {}
    categories: dict[str, Any]
    if kind == "oro":
        mapped: dict[str, str] = {}
        for number, text in enumerate(one("categories.map").splitlines(), start=1):
            if not text.strip():
                continue
            code, sep, oro_id = text.partition("=")
            if not sep or not code.strip() or not oro_id.strip():
                problems.setdefault(
                    "categories.map", f"line {number}: expected AKENEO_CODE=ORO_CATEGORY_ID"
                )
                continue
            mapped[code.strip()] = oro_id.strip()
        categories = {
            "mode": one("categories.mode") or "none",
            "root": one("categories.root"),
            "tree": one("categories.tree"),
            "map": mapped,
        }
    else:
        categories = {
            "trees": [t for t in form.get("categories.trees", []) if t.strip()],
            "classification_catalog": one("categories.classification_catalog"),
        }
    return MappingDraft(tuple(lines), categories), problems


async def _form(request: Request) -> dict[str, list[str]]:
    data = await request.form()
    found: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            found.setdefault(key, []).append(value)
    return found


def _map_text(categories: Mapping[str, Any]) -> str:
    mapped = categories.get("map") or {}
    return "\n".join(f"{code}={oro_id}" for code, oro_id in mapped.items())


# -- pages ---------------------------------------------------------------------------


def _editor(
    request: Request,
    caller: Caller,
    job: str,
    draft: MappingDraft,
    *,
    sku: str = "",
    problems: Mapping[str, str] | None = None,
    check: MappingCheck | None = None,
    error: str | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
    template: str = "mapping_editor.html",
) -> Response:
    project = _runner(request).project()
    config = project.jobs[job]
    kind = destination_kind(config)
    shown = dict(check.problems if check is not None else {})
    shown.update(problems or {})
    return page(
        request,
        template,
        caller,
        status_code=status_code,
        title=f"Mapping of {job}",
        job=job,
        config=config,
        kind=kind,
        draft=draft,
        lines=[*draft.lines, MappingLine("", "")],
        fragment=template == "mapping_lines.html",
        map_text=_map_text(draft.categories),
        extras=ORO_EXTRAS,
        sku=sku,
        problems=shown,
        check=check,
        error=error,
        messages=messages or [],
        can_manage=caller.user.can(Permission.MANAGE_CONNECTIONS),
    )


def _kind(request: Request, job: str) -> str:
    """``oro`` or ``sfcc``: the kind of job ``job``'s mapping; 404 for an unknown job,
    :class:`ConfigError` (422) for a job without a mapping to edit."""
    project = _runner(request).project()
    config = project.jobs.get(job)
    if config is None:
        raise HTTPException(404, f"unknown job {job!r}")
    draft_of_job(project, job)  # refuses a job without a mapping
    return destination_kind(config) or "oro"


def _checked(
    request: Request, job: str, draft: MappingDraft, sku: str, *, fresh: bool = False
) -> tuple[MappingCheck | None, str | None]:
    """The check of ``draft``, or why Akeneo / the destination could not be read;
    ``fresh`` reads the structure again (a save) instead of the one kept."""
    runner = _runner(request)
    reads = _reads(request, fresh=fresh)
    try:
        return check_mapping(runner, runner.project(), job, draft, sku, reads=reads), None
    except PimsyncError as exc:
        return None, f"cannot check the mapping: {exc}"


@mapping_pages.get("/mapping")
def mapping_list(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    project = _runner(request).project()
    rows = [
        {
            "name": name,
            "job": project.jobs[name],
            "lines": len(draft_of_job(project, name).lines),
        }
        for name in mapping_jobs(project)
    ]
    return page(request, "mapping.html", caller, title="Mapping", jobs=rows)


@mapping_pages.get("/mapping/{job}")
def mapping_page(request: Request, caller: CallerDep, job: str, sku: str = "") -> Response:
    caller.require(Permission.VIEW)
    _kind(request, job)
    draft = draft_of_job(_runner(request).project(), job)
    check, error = _checked(request, job, draft, sku.strip())
    return _editor(request, caller, job, draft, sku=sku.strip(), check=check, error=error)


async def _posted(
    request: Request, caller: Caller, job: str
) -> tuple[MappingDraft, dict[str, str], str]:
    form = await _form(request)
    check_csrf(caller, (form.get("csrf_token") or [""])[-1])
    kind = _kind(request, job)
    draft, problems = draft_of_form(form, kind)
    return draft, problems, (form.get("sku") or [""])[-1].strip()


async def _unsaved(request: Request, caller: Caller, job: str, template: str) -> Response:
    """``template`` rendered for the form as it is now, with its preview (nothing stored)."""
    caller.require(Permission.VIEW)
    draft, problems, sku = await _posted(request, caller, job)
    check, error = (None, None) if problems else _checked(request, job, draft, sku)
    return _editor(
        request,
        caller,
        job,
        draft,
        sku=sku,
        problems=problems,
        check=check,
        error=error,
        template=template,
    )


@mapping_pages.post("/mapping/{job}/preview")
async def mapping_preview(request: Request, caller: CallerDep, job: str) -> Response:
    """The preview fragment for the form as it is now (nothing is stored)."""
    return await _unsaved(request, caller, job, "mapping_preview.html")


@mapping_pages.post("/mapping/{job}/editor")
async def mapping_lines(request: Request, caller: CallerDep, job: str) -> Response:
    """The lines of the editor after adding or removing one, and the new preview."""
    return await _unsaved(request, caller, job, "mapping_lines.html")


@mapping_pages.post("/mapping/{job}")
async def mapping_save(request: Request, caller: CallerDep, job: str) -> Response:
    """Check the form's mapping and store it in the job's options; 422 with every
    problem at its input, and nothing stored, when it does not pass."""
    draft, problems, sku = await _posted(request, caller, job)
    caller.require(Permission.MANAGE_CONNECTIONS)
    check, error = (None, None) if problems else _checked(request, job, draft, sku, fresh=True)
    if problems or error or check is None or not check.ok:
        return _editor(
            request,
            caller,
            job,
            draft,
            sku=sku,
            problems=problems,
            check=check,
            error=error,
            status_code=502 if error else 422,
        )
    save_mapping(_runner(request), job, check)
    return _editor(
        request, caller, job, draft, sku=sku, check=check, messages=[f"saved the mapping of {job}"]
    )


# -- API -----------------------------------------------------------------------------


class LineBody(BaseModel):
    """One Akeneo attribute → one destination field (Oro product field, SFCC system
    attribute); Oro lines may also give ``locale``, ``scope``, ``unit``, ``currency``,
    ``label_locale``, ``format`` (see docs/oro.md)."""

    akeneo: str
    field: str
    locale: str | None = None
    scope: str | None = None
    unit: str | None = None
    currency: str | None = None
    label_locale: str | None = None
    format: str | None = None


class MappingBody(BaseModel):
    attributes: list[LineBody] = Field(default_factory=list)
    categories: dict[str, Any] = Field(
        default_factory=dict,
        description='Oro: {"mode": "none|tree|explicit", "root", "tree", "map"}; SFCC: '
        '{"trees": [...], "classification_catalog"}.',
    )


class PreviewBody(MappingBody):
    sku: str = Field("", description="A product identifier or model code; empty: the first.")


def _draft(body: MappingBody) -> MappingDraft:
    lines = tuple(
        MappingLine(
            line.akeneo.strip(),
            line.field.strip(),
            {k: v for k in ORO_EXTRAS if (v := getattr(line, k))},
        )
        for line in body.attributes
    )
    return MappingDraft(lines, body.categories)


def _mapping_json(job: str, request: Request, draft: MappingDraft | None = None) -> dict[str, Any]:
    _kind(request, job)
    project = _runner(request).project()
    draft = draft or draft_of_job(project, job)
    config = project.jobs[job]
    return {
        "job": job,
        "flow": config.flow,
        "source": config.source,
        "destination": config.destination,
        "destination_kind": destination_kind(config),
        "attributes": [line.as_dict() for line in draft.lines],
        "categories": dict(draft.categories),
    }


def _refused(check: MappingCheck) -> JSONResponse:
    return JSONResponse(
        {
            "detail": "the mapping has problems; nothing was saved",
            "problems": check.problems,
            "warnings": check.warnings,
        },
        status_code=422,
    )


def _api_check(
    request: Request, name: str, draft: MappingDraft, sku: str = "", *, fresh: bool = False
) -> MappingCheck | JSONResponse:
    """The check, or 502 when Akeneo or the destination cannot be read; ``fresh`` as
    for :func:`_checked`."""
    runner = _runner(request)
    reads = _reads(request, fresh=fresh)
    try:
        return check_mapping(runner, runner.project(), name, draft, sku, reads=reads)
    except ConfigError:
        raise
    except PimsyncError as exc:
        return JSONResponse({"detail": f"cannot check the mapping: {exc}"}, status_code=502)


@mapping_api.get("/mappings")
def api_mappings(request: Request, _caller: Viewer) -> dict[str, Any]:
    """The jobs with a mapping to edit (Oro products and SFCC jobs reading Akeneo)."""
    project = _runner(request).project()
    return {"jobs": [_mapping_json(name, request) for name in mapping_jobs(project)]}


@mapping_api.get("/jobs/{name}/mapping")
def api_mapping(request: Request, _caller: Viewer, name: str) -> dict[str, Any]:
    """Job ``name``'s attribute lines and category mapping, as stored."""
    return _mapping_json(name, request)


@mapping_api.put("/jobs/{name}/mapping", response_model=None)
def api_mapping_save(
    request: Request, _caller: Manager, name: str, body: MappingBody
) -> dict[str, Any] | JSONResponse:
    """Check the mapping against Akeneo (and Oro) and store it in the job's options;
    422 with ``problems`` by input (``attributes.N.akeneo``…) and nothing stored."""
    runner = _runner(request)
    _kind(request, name)
    check = _api_check(request, name, _draft(body), fresh=True)
    if isinstance(check, JSONResponse):
        return check
    if not check.ok:
        return _refused(check)
    save_mapping(runner, name, check)
    return {**_mapping_json(name, request), "warnings": check.warnings}


@mapping_api.post("/jobs/{name}/mapping/preview", response_model=None)
def api_mapping_preview(
    request: Request, _caller: Viewer, name: str, body: PreviewBody
) -> dict[str, Any] | JSONResponse:
    """Product ``sku`` (default: the first) as the destination would receive it with
    this mapping; nothing is stored. 422 with ``problems`` when the mapping cannot be
    used."""
    _kind(request, name)
    check = _api_check(request, name, _draft(body), body.sku.strip())
    if isinstance(check, JSONResponse):
        return check
    if not check.ok or check.preview is None:
        return _refused(check)
    found = check.preview
    return {
        "job": name,
        "sku": found.sku,
        "rejected": found.rejected,
        "fields": [{"field": f, "value": v, "source": s} for f, v, s in found.rows],
        "warnings": check.warnings,
    }


mapping = APIRouter()
mapping.include_router(mapping_pages)
mapping.include_router(mapping_api)
