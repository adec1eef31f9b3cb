"""The hub's pages: sign-in, dashboard and connections (jobs and runs: ``_jobs_ui``)."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pimsync.config._schema import ProjectConfig
from pimsync.connectors.kinds import KINDS
from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner
from pimsync.state._users import Permission, authenticate, end_session
from pimsync.web._app import page
from pimsync.web._apps import activate_url, callback_url
from pimsync.web._auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CallerDep,
    check_csrf,
    cookie_secure,
    db,
    new_session,
    settings_of,
)
from pimsync.web._connections import (
    Invalid,
    add_connection,
    check_connection,
    connection_views,
    delete_connection,
)
from pimsync.web._dashboard import dashboard_view

pages = APIRouter(include_in_schema=False)

CsrfField = Annotated[str, Form(alias="csrf_token")]


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


def safe_next(target: str | None) -> str:
    """``target`` if it is a path of this site, else ``/`` (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@pages.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        None,
        title="Sign in",
        csrf_token=token,
        next=safe_next(next),
        username="",
        error=None,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        max_age=3600,
    )
    return response


@pages.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: CsrfField,
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return page(
            request,
            "login.html",
            None,
            status_code=403,
            title="Sign in",
            csrf_token=expected or "",
            next=safe_next(next),
            username=username,
            error="the sign-in form is out of date: reload the page and sign in again",
        )
    with db(request).connect() as conn:
        user = authenticate(conn, username.strip(), password)
    if user is None:
        return page(
            request,
            "login.html",
            None,
            status_code=401,
            title="Sign in",
            csrf_token=expected,
            next=safe_next(next),
            username=username,
            error="wrong user name or password",
        )
    session_id, _session = new_session(request, user)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        max_age=int(settings_of(request).web.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@pages.post("/logout")
def logout(request: Request, caller: CallerDep, csrf_token: CsrfField) -> Response:
    check_csrf(caller, csrf_token)
    if caller.session is not None:
        with db(request).begin() as conn:
            end_session(conn, caller.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _project(request: Request) -> ProjectConfig:
    return _runner(request).project()


@pages.get("/")
def dashboard(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    project = _project(request)
    with db(request).connect() as conn:
        view = dashboard_view(conn, project, datetime.now(UTC))
    return page(
        request,
        "dashboard.html",
        caller,
        title="Dashboard",
        view=view,
        limit=_runner(request).settings.max_connections,
    )


def _connections_page(
    request: Request,
    caller: CallerDep,
    *,
    messages: list[str] | None = None,
    problems: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "connections.html",
        caller,
        status_code=status_code,
        title="Connections",
        connections=connection_views(_project(request)),
        limit=_runner(request).settings.max_connections,
        can_manage=caller.user.can(Permission.MANAGE_CONNECTIONS),
        kinds=sorted(KINDS.values(), key=lambda k: k.name),
        activate_url=activate_url(request),
        callback_url=callback_url(request),
        messages=messages or [],
        problems=problems or {},
        form=form or {},
    )


@pages.get("/connections")
def connections_page(request: Request, caller: CallerDep) -> Response:
    caller.require(Permission.VIEW)
    return _connections_page(request, caller)


def _pairs(text: str, what: str) -> dict[str, str]:
    """``KEY=VALUE`` lines as a dict; :class:`Invalid` names a bad line."""
    result: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise Invalid({"": f"{what}, line {number}: expected KEY=VALUE"})
        result[key.strip()] = value.strip()
    return result


@pages.post("/connections")
def connections_add(
    request: Request,
    caller: CallerDep,
    csrf_token: CsrfField,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    settings: Annotated[str, Form()] = "",
    secrets_text: Annotated[str, Form(alias="secrets")] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    caller.require(Permission.MANAGE_CONNECTIONS)
    form = {"name": name, "kind": kind, "settings": settings}
    try:
        add_connection(
            _runner(request),
            name.strip(),
            kind,
            _pairs(settings, "settings"),
            _pairs(secrets_text, "secrets"),
        )
    except Invalid as exc:
        return _connections_page(request, caller, problems=exc.problems, form=form, status_code=422)
    return _connections_page(request, caller, messages=[f"added connection {name.strip()}"])


@pages.post("/connections/{name}/remove")
def connections_remove(
    request: Request, caller: CallerDep, name: str, csrf_token: CsrfField
) -> Response:
    check_csrf(caller, csrf_token)
    caller.require(Permission.MANAGE_CONNECTIONS)
    try:
        delete_connection(_runner(request), name)
    except ConfigError as exc:
        return _connections_page(request, caller, problems={"": str(exc)}, status_code=409)
    return _connections_page(request, caller, messages=[f"removed connection {name}"])


@pages.post("/connections/{name}/test")
def connections_test(
    request: Request, caller: CallerDep, name: str, csrf_token: CsrfField
) -> Response:
    check_csrf(caller, csrf_token)
    caller.require(Permission.MANAGE_CONNECTIONS)
    result = check_connection(_runner(request), name)
    if result["ok"]:
        lines = [f"{name}: {line}" for line in result["lines"]]
        return _connections_page(request, caller, messages=[*lines, f"connection {name} works"])
    return _connections_page(request, caller, problems={"": f"{name}: {result['error']}"})
