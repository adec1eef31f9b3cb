"""pimsync as an Akeneo App, in the browser: the activate and callback URLs.

Register ``/apps/akeneo/activate`` as the App's activate URL and
``/apps/akeneo/callback`` as its callback URL. The PIM opens the activate URL with
``pim_url``; the hub finds the ``akeneo`` connection of that PIM, keeps a random
``state`` in the user's session and sends the browser to the PIM's authorization page
with the scopes the connection's jobs need. The PIM sends the browser back to the
callback with a code, which the hub trades (with a code challenge, never the secret)
for the App token, stored encrypted. Both steps need the "manage connections"
permission, and the callback only completes the activation its own session started.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pimsync.errors import AuthenticationError, ConfigError, PimsyncError
from pimsync.runners.apps import AppActivation, keep_token, prepare_activation
from pimsync.runners.local import LocalRunner
from pimsync.state._users import Permission, update_session_data
from pimsync.web._app import page
from pimsync.web._auth import Caller, CallerDep, check_csrf, db, settings_of

apps = APIRouter(include_in_schema=False)

ACTIVATE_PATH = "/apps/akeneo/activate"
CALLBACK_PATH = "/apps/akeneo/callback"


def _base(request: Request) -> str:
    public = settings_of(request).web.public_url
    return (public or str(request.base_url)).rstrip("/")


def activate_url(request: Request) -> str:
    return _base(request) + ACTIVATE_PATH


def callback_url(request: Request) -> str:
    return _base(request) + CALLBACK_PATH


def _runner(request: Request) -> LocalRunner:
    runner: LocalRunner = request.app.state.runner
    return runner


def _result(request: Request, caller: Caller, message: str, *, ok: bool, status: int) -> Response:
    return page(
        request,
        "activation.html",
        caller,
        status_code=status,
        title="App activation",
        message=message,
        ok=ok,
    )


def _start(request: Request, caller: Caller, activation: AppActivation) -> Response:
    """Keep a fresh state in the session and send the browser to the PIM."""
    assert caller.session is not None  # pages are signed in with a session
    state = secrets.token_urlsafe(24)
    data = dict(caller.session.data)
    data["activation"] = {"state": state, "connection": activation.connection}
    with db(request).begin() as conn:
        update_session_data(conn, caller.session, data)
    return RedirectResponse(activation.authorize_url(state), status_code=303)


def _page_caller(caller: Caller) -> Caller:
    if caller.session is None:
        raise ConfigError("App activation runs in a browser: sign in to the hub's pages")
    caller.require(Permission.MANAGE_CONNECTIONS)
    return caller


@apps.post("/connections/{name}/activate")
def activate_connection(
    request: Request, caller: CallerDep, name: str, csrf_token: Annotated[str, Form()]
) -> Response:
    """The hub's "Connect as an App" button."""
    check_csrf(caller, csrf_token)
    _page_caller(caller)
    try:
        activation = prepare_activation(_runner(request), name)
    except ConfigError as exc:
        return _result(request, caller, str(exc), ok=False, status=422)
    return _start(request, caller, activation)


@apps.get(ACTIVATE_PATH)
def activate_from_pim(
    request: Request, caller: CallerDep, pim_url: str = "", connection: str | None = None
) -> Response:
    """The App's activate URL, opened by the PIM with its own address in ``pim_url``."""
    _page_caller(caller)
    runner = _runner(request)
    wanted = pim_url.strip().rstrip("/")
    candidates = [
        name
        for name, config in sorted(runner.project().connections.items())
        if config.kind == "akeneo"
        and str(config.settings().get("url", "")).rstrip("/") == wanted
        and (connection is None or name == connection)
    ]
    if not wanted or not candidates:
        return _result(
            request,
            caller,
            f"no akeneo connection of the hub points at the PIM {wanted or '(no pim_url)'}: "
            "add one with that url, app_client_id and the secret app_client_secret, then "
            "connect the App again from the PIM",
            ok=False,
            status=404,
        )
    if len(candidates) > 1:
        return _result(
            request,
            caller,
            f"several connections point at {wanted} ({', '.join(candidates)}): use "
            "Connect as an App on the hub's connections page for the one to connect",
            ok=False,
            status=409,
        )
    try:
        activation = prepare_activation(runner, candidates[0])
    except ConfigError as exc:
        return _result(request, caller, str(exc), ok=False, status=422)
    return _start(request, caller, activation)


@apps.get(CALLBACK_PATH)
def callback(
    request: Request,
    caller: CallerDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    """The App's callback URL: the PIM's answer, traded for the App token."""
    _page_caller(caller)
    assert caller.session is not None
    pending = caller.session.data.get("activation")
    if not isinstance(pending, dict) or not hmac.compare_digest(
        str(pending.get("state", "")), state
    ):
        return _result(
            request,
            caller,
            "this answer from the PIM does not belong to an activation started in this "
            "browser session (or it was already used): start the activation again",
            ok=False,
            status=400,
        )
    name = str(pending["connection"])
    data = {k: v for k, v in caller.session.data.items() if k != "activation"}
    with db(request).begin() as conn:
        update_session_data(conn, caller.session, data)  # a state is good for one answer
    if error:
        reason = (
            "the PIM user cancelled the activation; start it again and choose Allow"
            if error == "access_denied"
            else f"the PIM refused the activation: {error}"
        )
        return _result(request, caller, f"connection {name}: {reason}", ok=False, status=400)
    if not code:
        return _result(
            request,
            caller,
            f"connection {name}: the PIM's answer has no code; start again",
            ok=False,
            status=400,
        )
    runner = _runner(request)
    try:
        activation = prepare_activation(runner, name)
        token = activation.exchange(code)
        keep_token(runner, activation, token)
    except AuthenticationError as exc:
        return _result(request, caller, f"connection {name}: {exc}", ok=False, status=502)
    except ConfigError as exc:
        return _result(request, caller, f"connection {name}: {exc}", ok=False, status=422)
    except PimsyncError as exc:
        return _result(request, caller, f"connection {name}: {exc}", ok=False, status=502)
    granted = " ".join(token.scopes) or "none"
    return _result(
        request, caller, f"connected {name} as an App (scopes: {granted})", ok=True, status=200
    )
