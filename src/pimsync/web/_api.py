"""The hub's REST API, ``/api/v1``: connections, users and tokens (jobs and runs:
``_jobs_ui``).

Answers are JSON; errors are ``{"detail": "..."}`` with 401 (no or bad credentials),
403 (the role does not allow it), 404, 409 (conflicts, such as the connection limit)
or 422 (invalid input, with ``problems`` by field).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner
from pimsync.state._runs import RunRow
from pimsync.state._users import (
    Permission,
    User,
    add_user,
    create_token,
    list_users,
    parse_role,
    remove_user,
    set_role,
)
from pimsync.web._auth import Caller, CallerDep, db, signed_in
from pimsync.web._connections import (
    Invalid,
    add_connection,
    check_connection,
    connection_view,
    connection_views,
    delete_connection,
)

log = logging.getLogger("pimsync.web")

api = APIRouter(prefix="/api/v1", tags=["hub"])


def _allowed(permission: Permission) -> Any:
    def dependency(caller: Annotated[Caller, Depends(signed_in)]) -> Caller:
        caller.require(permission)
        return caller

    return Depends(dependency)


Viewer = Annotated[Caller, _allowed(Permission.VIEW)]
Runner = Annotated[Caller, _allowed(Permission.RUN)]
Manager = Annotated[Caller, _allowed(Permission.MANAGE_CONNECTIONS)]
Admin = Annotated[Caller, _allowed(Permission.MANAGE_USERS)]


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


def _user(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role.value,
        "permissions": sorted(p.value for p in user.role.permissions),
    }


@api.get("/me")
def me(caller: CallerDep) -> dict[str, Any]:
    """The signed-in user and what their role allows."""
    return _user(caller.user)


class NewConnection(BaseModel):
    name: str
    kind: str
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Secret values, stored encrypted, never returned."
    )
    replace: bool = False


@api.get("/connections")
def connections(request: Request, _caller: Viewer) -> dict[str, Any]:
    """Every connection, with its settings and whether each secret is set."""
    runner = _runner(request)
    rows = connection_views(runner.project())
    return {"connections": rows, "limit": runner.settings.max_connections}


@api.get("/connections/{name}")
def connection(request: Request, _caller: Viewer, name: str) -> dict[str, Any]:
    config = _runner(request).project().connections.get(name)
    if config is None:
        raise HTTPException(404, f"unknown connection {name!r}")
    return connection_view(name, config)


@api.post("/connections", status_code=201)
def connections_add(request: Request, _caller: Manager, body: NewConnection) -> Response:
    """Add (or with ``replace``, replace) a connection after validating it."""
    try:
        view = add_connection(
            _runner(request),
            body.name,
            body.kind,
            body.settings,
            body.secrets,
            replace=body.replace,
        )
    except Invalid as exc:
        status = 409 if exc.conflict else 422
        return JSONResponse({"detail": str(exc), "problems": exc.problems}, status_code=status)
    return JSONResponse(view, status_code=201)


@api.delete("/connections/{name}", status_code=204)
def connections_remove(request: Request, _caller: Manager, name: str) -> Response:
    try:
        delete_connection(_runner(request), name)
    except ConfigError as exc:
        status = 404 if str(exc).startswith("unknown connection") else 409
        return JSONResponse({"detail": str(exc)}, status_code=status)
    return Response(status_code=204)


@api.post("/connections/{name}/test")
def connections_test(request: Request, _caller: Manager, name: str) -> dict[str, Any]:
    """Whether the connection works: ``ok`` with what was checked, or ``error``."""
    if name not in _runner(request).project().connections:
        raise HTTPException(404, f"unknown connection {name!r}")
    return check_connection(_runner(request), name)


def _run(run: RunRow) -> dict[str, Any]:
    return {
        "id": run.id,
        "job": run.job,
        "mode": run.mode,
        "dry_run": run.dry_run,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": run.seconds,
        "counts": dict(run.counts),
        "error": run.error,
    }


class NewUser(BaseModel):
    username: str
    password: str = Field(description="At least 10 characters; stored as a scrypt hash.")
    role: str


class RoleChange(BaseModel):
    role: str


@api.get("/users")
def users(request: Request, _caller: Admin) -> dict[str, Any]:
    with db(request).connect() as conn:
        return {"users": [_user(u) for u in list_users(conn)]}


@api.post("/users", status_code=201)
def users_add(request: Request, _caller: Admin, body: NewUser) -> dict[str, Any]:
    role = parse_role(body.role)
    with db(request).begin() as conn:
        return _user(add_user(conn, body.username, body.password, role))


@api.patch("/users/{username}")
def users_role(request: Request, _caller: Admin, username: str, body: RoleChange) -> dict[str, Any]:
    role = parse_role(body.role)
    with db(request).begin() as conn:
        set_role(conn, username, role)
    return {"username": username, "role": role.value}


@api.delete("/users/{username}", status_code=204)
def users_remove(request: Request, _caller: Admin, username: str) -> Response:
    with db(request).begin() as conn:
        remove_user(conn, username)
    return Response(status_code=204)


class NewToken(BaseModel):
    label: str = Field("api", max_length=100)


@api.post("/tokens", status_code=201)
def tokens_add(request: Request, caller: CallerDep, body: NewToken) -> dict[str, Any]:
    """A new API token for the signed-in user, shown this once."""
    with db(request).begin() as conn:
        token = create_token(conn, caller.user.username, body.label)
    return {"token": token, "label": body.label, "username": caller.user.username}
