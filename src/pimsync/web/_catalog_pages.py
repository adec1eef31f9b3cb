"""The catalogs screen: the list with its create form, and the editor with seed 001's
criteria builder, value filters, enable toggle and a live count of selected products.

The editor is one form that works without script: Save posts it. htmx re-renders its
body (``/catalogs/NAME/editor``) after every change and the body asks for the count
(``/catalogs/NAME/count``), which reads Akeneo as a job using the catalog would. Reading
and counting are for every signed-in user; saving, enabling and removing need "manage
connections". Every form carries the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pimsync.catalogs import ValueFilters
from pimsync.config import CatalogConfig
from pimsync.config._stored import remove_catalog
from pimsync.errors import ConfigError, PimsyncError
from pimsync.hub_catalogs import catalog_jobs, preview_catalog
from pimsync.runners.local import LocalRunner
from pimsync.state._users import Permission
from pimsync.web._app import page, templates
from pimsync.web._auth import Caller, CallerDep, check_csrf
from pimsync.web._catalog_editor import MAX_CRITERIA, Draft, draft_of_form, draft_of_spec
from pimsync.web._catalogs import (
    LoadedSource,
    akeneo_connections,
    catalog_view,
    criterion_summary,
    destination_problem,
    destinations,
    known_catalog,
    load_source,
    name_problem,
    save_if_valid,
    switch_catalog,
)

catalog_pages = APIRouter(include_in_schema=False)


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


CsrfField = Annotated[str, Form(alias="csrf_token")]


def _list_page(
    request: Request,
    caller: Caller,
    *,
    messages: Sequence[str] = (),
    problems: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    project = _runner(request).project()
    rows = []
    for name, catalog in sorted(project.catalogs.items()):
        view = catalog_view(project, name, catalog)
        rows.append({**view, "summary": [criterion_summary(c) for c in catalog.criteria]})
    return page(
        request,
        "catalogs.html",
        caller,
        status_code=status_code,
        title="Catalogs",
        catalogs=rows,
        connections=destinations(project),
        sources=akeneo_connections(project),
        can_manage=caller.user.can(Permission.MANAGE_CONNECTIONS),
        messages=list(messages),
        problems=dict(problems or {}),
        form=dict(form or {}),
    )


@catalog_pages.get("/catalogs")
def catalogs_page(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    return _list_page(request, caller)


@catalog_pages.post("/catalogs")
def catalogs_create(
    request: Request,
    caller: CallerDep,
    csrf_token: CsrfField = "",
    name: Annotated[str, Form()] = "",
    destination: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
) -> Response:
    """Create an empty, disabled catalog and open its editor."""
    check_csrf(caller, csrf_token)
    caller.require(Permission.MANAGE_CONNECTIONS)
    project = _runner(request).project()
    name = name.strip()
    problems: dict[str, str] = {}
    if (problem := name_problem(project, name)) is not None:
        problems["name"] = problem
    if (problem := destination_problem(project, destination)) is not None:
        problems["destination"] = problem
    if source and source not in akeneo_connections(project):
        problems["source"] = f"{source!r} is not an Akeneo connection"
    data = {"destination": destination, "enabled": False}
    if save_if_valid(_runner(request), project, name, data, problems) is None:
        form = {"name": name, "destination": destination, "source": source}
        return _list_page(request, caller, problems=problems, form=form, status_code=422)
    target = f"/catalogs/{name}" + (f"?source={source}" if source else "")
    return RedirectResponse(target, status_code=303)


def _editor_context(
    request: Request,
    caller: Caller,
    name: str,
    catalog: CatalogConfig,
    draft: Draft,
    source: LoadedSource,
    destination: str,
) -> dict[str, Any]:
    project = _runner(request).project()
    problems = dict(draft.problems)
    if source.problem:
        problems["source"] = source.problem
    return {
        "catalog_name": name,
        "catalog": catalog,
        "draft": draft,
        "structure": source.structure,
        "fields": source.structure.fields if source.structure is not None else {},
        "source": source.name or "",
        "sources": akeneo_connections(project),
        "destination": destination,
        "connections": destinations(project),
        "jobs": catalog_jobs(project, name),
        "problems": problems,
        "can_manage": caller.user.can(Permission.MANAGE_CONNECTIONS),
        "max_criteria": MAX_CRITERIA,
        "csrf_token": caller.session.csrf_token if caller.session is not None else "",
    }


def _editor_page(
    request: Request,
    caller: Caller,
    name: str,
    *,
    draft: Draft | None = None,
    source: LoadedSource | None = None,
    destination: str | None = None,
    messages: Sequence[str] = (),
    status_code: int = 200,
) -> Response:
    project = _runner(request).project()
    catalog = known_catalog(project, name)
    destination = destination or catalog.destination
    if source is None:
        source = load_source(
            request, project, name, destination, request.query_params.get("source")
        )
    if draft is None:
        draft = draft_of_spec(catalog.criteria, catalog.value_filters, source.structure)
    context = _editor_context(request, caller, name, catalog, draft, source, destination)
    return page(
        request,
        "catalogs_editor.html",
        caller,
        status_code=status_code,
        title=f"Catalog {name}",
        messages=list(messages),
        **context,
    )


@catalog_pages.get("/catalogs/{name}")
def catalog_editor(request: Request, caller: CallerDep, name: str) -> Response:
    caller.require(Permission.VIEW)
    return _editor_page(request, caller, name)


async def _form(request: Request) -> dict[str, list[str]]:
    data = await request.form()
    return {key: [str(v) for v in data.getlist(key)] for key in data}


def _edit(
    request: Request, name: str, form: Mapping[str, Sequence[str]]
) -> tuple[CatalogConfig, Draft, LoadedSource, str]:
    """The editor's form read: the stored catalog, the draft (a line added or removed as
    the clicked button says), the source and the destination chosen."""
    project = _runner(request).project()
    catalog = known_catalog(project, name)
    destination = next(iter(form.get("destination", ())), "") or catalog.destination
    requested = next(iter(form.get("source", ())), "") or None
    source = load_source(request, project, name, destination, requested)
    add = next(iter(form.get("add", ())), None)
    remove_text = next(iter(form.get("remove", ())), "")
    remove = int(remove_text) if remove_text.isdigit() else None
    draft = draft_of_form(form, source.structure, add=add, remove=remove)
    return catalog, draft, source, destination


@catalog_pages.post("/catalogs/{name}/editor")
async def catalog_editor_body(request: Request, caller: CallerDep, name: str) -> Response:
    """The editor's body re-rendered for the form as it is (htmx, on every change): the
    operators of each line's field, its inputs, what is wrong. Saves nothing."""
    form = await _form(request)
    check_csrf(caller, next(iter(form.get("csrf_token", ())), None))
    caller.require(Permission.VIEW)
    catalog, draft, source, destination = await run_in_threadpool(_edit, request, name, form)
    context = _editor_context(request, caller, name, catalog, draft, source, destination)
    return templates.TemplateResponse(request, "catalogs_body.html", {"caller": caller, **context})


def _count_text(request: Request, name: str, form: Mapping[str, Sequence[str]]) -> str:
    catalog, draft, source, destination = _edit(request, name, form)
    if source.structure is None:
        return f"cannot count: {source.problem}"
    if draft.problems:
        return "cannot count: fix the criteria marked below"
    project = _runner(request).project()
    counted = catalog.model_copy(update={"destination": destination})
    try:
        preview = preview_catalog(
            _runner(request),
            project,
            name,
            counted,
            source=source.name,
            spec=draft.spec,
            metadata=source.structure.metadata,
        )
    except PimsyncError as exc:
        return f"cannot count: {exc}"
    return (
        f"{preview.selected} product{'' if preview.selected == 1 else 's'} selected "
        f"({preview.transferred} read from {preview.source}, "
        f"{preview.checked_locally} criteria checked by pimsync)"
    )


@catalog_pages.post("/catalogs/{name}/count")
async def catalog_count_fragment(request: Request, caller: CallerDep, name: str) -> Response:
    """How many products the form's criteria select now (htmx, after each change)."""
    form = await _form(request)
    check_csrf(caller, next(iter(form.get("csrf_token", ())), None))
    caller.require(Permission.VIEW)
    text = await run_in_threadpool(_count_text, request, name, form)
    return templates.TemplateResponse(request, "catalogs_count.html", {"text": text})


@catalog_pages.post("/catalogs/{name}")
async def catalog_save(request: Request, caller: CallerDep, name: str) -> Response:
    """Save the editor's form; a line added or removed without htmx re-renders instead."""
    form = await _form(request)
    check_csrf(caller, next(iter(form.get("csrf_token", ())), None))
    caller.require(Permission.MANAGE_CONNECTIONS)

    def save() -> Response:
        catalog, draft, source, destination = _edit(request, name, form)
        if "add" in form or "remove" in form:
            return _editor_page(
                request, caller, name, draft=draft, source=source, destination=destination
            )
        project = _runner(request).project()
        problems = dict(draft.problems)
        if source.problem and (draft.criteria or draft.filters != ValueFilters()):
            problems["source"] = source.problem
        if (problem := destination_problem(project, destination)) is not None:
            problems["destination"] = problem
        data = {
            "destination": destination,
            "enabled": catalog.enabled,
            "criteria": draft.criteria,
            "value_filters": draft.filters,
        }
        if save_if_valid(_runner(request), project, name, data, problems) is None:
            draft.problems = problems
            return _editor_page(
                request,
                caller,
                name,
                draft=draft,
                source=source,
                destination=destination,
                status_code=422,
            )
        return _editor_page(
            request,
            caller,
            name,
            source=source,
            messages=[f"saved catalog {name}: {len(draft.criteria)} criteria"],
        )

    return await run_in_threadpool(save)


def _switched(request: Request, caller: Caller, name: str, csrf: str, enabled: bool) -> Response:
    check_csrf(caller, csrf)
    caller.require(Permission.MANAGE_CONNECTIONS)
    known_catalog(_runner(request).project(), name)
    switch_catalog(_runner(request), name, enabled)
    state = "enabled" if enabled else "disabled"
    return _editor_page(request, caller, name, messages=[f"catalog {name} {state}"])


@catalog_pages.post("/catalogs/{name}/enable")
def catalog_enable_page(
    request: Request, caller: CallerDep, name: str, csrf_token: CsrfField = ""
) -> Response:
    return _switched(request, caller, name, csrf_token, True)


@catalog_pages.post("/catalogs/{name}/disable")
def catalog_disable_page(
    request: Request, caller: CallerDep, name: str, csrf_token: CsrfField = ""
) -> Response:
    return _switched(request, caller, name, csrf_token, False)


@catalog_pages.post("/catalogs/{name}/remove")
def catalog_remove_page(
    request: Request, caller: CallerDep, name: str, csrf_token: CsrfField = ""
) -> Response:
    check_csrf(caller, csrf_token)
    caller.require(Permission.MANAGE_CONNECTIONS)
    try:
        with _runner(request).db.begin() as conn:
            remove_catalog(conn, name)
    except ConfigError as exc:
        return _list_page(request, caller, problems={"": str(exc)}, status_code=409)
    return _list_page(request, caller, messages=[f"removed catalog {name}"])
