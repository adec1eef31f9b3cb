"""Akeneo App activation on the sandbox: consent page, authorization code, app tokens.

The flow follows Akeneo's variant of the OAuth 2.0 authorization-code grant:

1. ``GET /connect/apps/v1/authorize?response_type=code&client_id=…&scope=…&state=…``
   shows the requested scopes and an Allow form. The page needs a PIM user: without the
   ``PIMSESSID`` session cookie it redirects to ``/user/login``, a plain form that accepts
   the sandbox's users (the connection user ``admin``/``admin`` by default, plus any added
   with :meth:`AppRegistry.add_user`). Only users allowed to manage apps may allow.
2. Allow redirects to the app's registered callback with ``code`` and the same ``state``;
   Cancel redirects there with ``error=access_denied``.
3. ``POST /connect/apps/v1/oauth2/token`` (form body) trades the code for a token. The
   client secret is never sent: ``code_challenge`` is the hex SHA-256 of
   ``code_identifier`` followed by the secret. Codes are single-use and live 30 seconds.

App tokens never expire and carry the granted scopes; the bearer check answers 403 when
a REST call needs a scope the app was not granted. The PIM allows 50 connections and
apps together: registering one more is refused.

On an Enterprise Edition PIM (``enterprise``), Allow leads to a permissions step (category
trees Own/Edit/View, locales and attribute groups Edit/View, all checked by default)
before the redirect; tests can also call :meth:`AppRegistry.set_permissions`. Requests
made with the app's tokens are then limited by them (see ``_permissions``).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pimsync.sandbox.akeneo._pages import json_response
from pimsync.sandbox.akeneo._permissions import Access, AppPermissions

if TYPE_CHECKING:
    from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox

__all__ = [
    "AUTHORIZE_PATH",
    "CONNECTION_LIMIT",
    "LOGIN_PATH",
    "SESSION_COOKIE",
    "TOKEN_PATH",
    "App",
    "AppLimitError",
    "AppRegistry",
    "AppTokenError",
    "PimUser",
    "add_app_routes",
    "exhaustive_scopes",
    "forbidden",
]

AUTHORIZE_PATH = "/connect/apps/v1/authorize"
TOKEN_PATH = "/connect/apps/v1/oauth2/token"  # noqa: S105 - a URL path
LOGIN_PATH = "/user/login"
_LOGIN_CHECK = "/user/login-check"
_ALLOW = f"{AUTHORIZE_PATH}/allow"
_CANCEL = f"{AUTHORIZE_PATH}/cancel"
_PERMISSIONS = f"{AUTHORIZE_PATH}/permissions"
SESSION_COOKIE = "PIMSESSID"
CODE_TTL = timedelta(seconds=30)
CONNECTION_LIMIT = 50
_API = "/api/rest/v1/"
_MAX_SCOPE = 1000

# Scope → the scopes it implies (Akeneo's SCOPE_HIERARCHY; brief §a.3).
SCOPE_HIERARCHY: dict[str, tuple[str, ...]] = {
    "read_products": (),
    "write_products": ("read_products",),
    "delete_products": ("read_products", "write_products"),
    "read_catalog_structure": (),
    "write_catalog_structure": ("read_catalog_structure",),
    "read_attribute_options": (),
    "write_attribute_options": ("read_attribute_options",),
    "read_categories": (),
    "write_categories": ("read_categories",),
    "read_channel_localization": (),
    "read_channel_settings": (),
    "write_channel_settings": ("read_channel_settings",),
    "read_association_types": (),
    "write_association_types": ("read_association_types",),
    "read_catalogs": (),
    "write_catalogs": ("read_catalogs",),
    "delete_catalogs": ("read_catalogs", "write_catalogs"),
    # EE scopes: "write includes read" is the docs' rule, the rest is inferred.
    "read_asset_families": (),
    "write_asset_families": ("read_asset_families",),
    "read_assets": (),
    "write_assets": ("read_assets",),
    "delete_assets": ("read_assets", "write_assets"),
    "read_reference_entities": (),
    "write_reference_entities": ("read_reference_entities",),
    "read_reference_entity_records": (),
    "write_reference_entity_records": ("read_reference_entity_records",),
}
AUTHENTICATION_SCOPES = ("openid", "profile", "email")

_SUBJECTS = {
    "products": "products",
    "catalog_structure": "attributes, attribute groups, families and family variants",
    "attribute_options": "attribute options",
    "categories": "categories",
    "channel_localization": "locales and currencies",
    "channel_settings": "channels",
    "association_types": "association types",
    "catalogs": "catalogs",
    "asset_families": "asset families",
    "assets": "assets",
    "reference_entities": "reference entities",
    "reference_entity_records": "reference entity records",
}
_ACTIONS = {"read": "View", "write": "Edit", "delete": "Delete"}
_AUTH_LABELS = {
    "openid": "Know who you are (your user id)",
    "profile": "See your first and last name",
    "email": "See your email address",
}


def scope_label(scope: str) -> str:
    """A scope in plain words, as the consent page lists it."""
    if scope in _AUTH_LABELS:
        return _AUTH_LABELS[scope]
    action, _, subject = scope.partition("_")
    return f"{_ACTIONS[action]} {_SUBJECTS[subject]}"


def exhaustive_scopes(requested: str) -> tuple[str, ...]:
    """The scopes granted for a ``scope`` parameter: unknown ones dropped, implied added.

    Akeneo silently drops scopes it does not know, so an app asking for too much still
    gets a consent page.
    """
    asked = set(requested.split())
    granted: set[str] = set()
    for scope in asked:
        if scope in SCOPE_HIERARCHY:
            granted.add(scope)
            granted.update(SCOPE_HIERARCHY[scope])
    granted.update(asked & set(AUTHENTICATION_SCOPES))
    order = [*SCOPE_HIERARCHY, *AUTHENTICATION_SCOPES]
    return tuple(s for s in order if s in granted)


# First path segment(s) after /api/rest/v1/ → scope subject and its noun in messages.
_ROUTE_SUBJECTS: dict[str, tuple[str, str]] = {
    "products-uuid": ("products", "products"),
    "products": ("products", "products"),
    "product-models": ("products", "product models"),
    "media-files": ("products", "media files"),
    "attributes": ("catalog_structure", "attributes"),
    "attribute-groups": ("catalog_structure", "attribute groups"),
    "families": ("catalog_structure", "families"),
    "measurement-families": ("catalog_structure", "measurement families"),
    "categories": ("categories", "categories"),
    "channels": ("channel_settings", "channels"),
    "locales": ("channel_localization", "locales"),
    "currencies": ("channel_localization", "currencies"),
    "association-types": ("association_types", "association types"),
    "catalogs": ("catalogs", "catalogs"),
    "asset-families": ("asset_families", "asset families"),
    "reference-entities": ("reference_entities", "reference entities"),
}
_NESTED_SUBJECTS: dict[tuple[str, str], tuple[str, str]] = {
    ("attributes", "options"): ("attribute_options", "attribute options"),
    ("families", "variants"): ("catalog_structure", "family variants"),
    ("asset-families", "assets"): ("assets", "assets"),
    ("reference-entities", "records"): ("reference_entity_records", "records"),
}


def forbidden(method: str, path: str, scopes: frozenset[str]) -> str | None:
    """Akeneo's 403 message when an app with ``scopes`` may not call ``method path``.

    None when the call is allowed or is not a REST resource this table knows (its own
    handler then answers, 404 for an unknown route).
    """
    if not path.startswith(_API):
        return None
    parts = path[len(_API) :].split("/")
    found = _ROUTE_SUBJECTS.get(parts[0])
    if len(parts) >= 3:
        found = _NESTED_SUBJECTS.get((parts[0], parts[2]), found)
    if found is None:
        return None
    subject, noun = found
    if method in ("GET", "HEAD"):
        action, verb = "read", "list"
    elif method == "DELETE" and f"delete_{subject}" in SCOPE_HIERARCHY:
        action, verb = "delete", "delete"
    else:
        action, verb = "write", "create or update"
    if f"{action}_{subject}" in scopes:
        return None
    return f"Access forbidden. You are not allowed to {verb} {noun}."


@dataclass(frozen=True)
class App:
    """A custom app registered in the PIM: what Connect › Create an App gives."""

    client_id: str
    secret: str = field(repr=False)
    callback_url: str
    name: str = "Custom app"


@dataclass(frozen=True)
class PimUser:
    """A PIM user who can sign in to the consent page; ``manage_apps`` is the ACL."""

    username: str
    password: str = field(repr=False)
    manage_apps: bool = False


class AppLimitError(ValueError):
    """The PIM already has its 50 connections and apps."""


class AppTokenError(Exception):
    """A refused app token request: Akeneo answers 400 ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class _Request:
    """An authorization request waiting for the user's Allow or Cancel."""

    client_id: str
    scopes: tuple[str, ...]
    state: str | None
    username: str


@dataclass(frozen=True)
class _Code:
    client_id: str
    scopes: tuple[str, ...]
    expires: datetime


class AppRegistry:
    """The apps, users, sessions, codes and app tokens of one sandbox PIM.

    ``connections`` is how many API connections the PIM has besides apps (the sandbox's
    own one): each registered app takes one of the :data:`CONNECTION_LIMIT` slots, since
    activating it creates a connection.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        issue_token: Callable[[Iterable[str]], str],
        revoke_tokens: Callable[[Iterable[str]], None],
        admin: PimUser,
        *,
        connections: int = 1,
    ) -> None:
        self._clock = clock
        self._issue_token = issue_token
        self._revoke_tokens = revoke_tokens
        self.connections = connections
        self.apps: dict[str, App] = {}
        self.users: dict[str, PimUser] = {admin.username: admin}
        self._sessions: dict[str, str] = {}
        self._pending: dict[str, _Request] = {}
        self._codes: dict[str, _Code] = {}
        self._used: set[str] = set()
        self._tokens: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        # EE only: each app's permissions (absent = everything) and a version per change.
        self.enterprise = False
        self.permissions: dict[str, AppPermissions] = {}
        self._permission_versions: dict[str, int] = {}
        self._token_clients: dict[str, str] = {}
        # Edit-without-Own PATCHes become drafts: (client id, product uuid) → last body.
        self.drafts: dict[tuple[str, str], dict[str, Any]] = {}

    # --- set-up, from tests -----------------------------------------------------------

    def register(
        self,
        callback_url: str,
        *,
        client_id: str | None = None,
        secret: str | None = None,
        name: str = "Custom app",
    ) -> App:
        """Register a custom app; random client id and secret unless given.

        Raises AppLimitError when the PIM already has 50 connections and apps, and
        ValueError for a duplicate client id.
        """
        app = App(
            client_id or secrets.token_hex(16),
            secret or secrets.token_urlsafe(32),
            callback_url,
            name,
        )
        with self._lock:
            used = self.connections + len(self.apps)
            if used >= CONNECTION_LIMIT:
                raise AppLimitError(
                    f"cannot register app {name!r}: this PIM already has {used} connections "
                    f"and apps, the limit is {CONNECTION_LIMIT}"
                )
            if app.client_id in self.apps:
                raise ValueError(f"an app with client id {app.client_id!r} already exists")
            self.apps[app.client_id] = app
        return app

    def add_user(self, username: str, password: str, *, manage_apps: bool = False) -> PimUser:
        """Add a PIM user who can sign in to the consent page."""
        user = PimUser(username, password, manage_apps)
        with self._lock:
            self.users[username] = user
        return user

    def disconnect(self, client_id: str) -> None:
        """What Disconnect does in the PIM: the app's tokens stop working (401)."""
        with self._lock:
            tokens = self._tokens.pop(client_id, [])
            for token in tokens:
                self._token_clients.pop(token, None)
        self._revoke_tokens(tokens)

    # --- EE permissions ----------------------------------------------------------------

    def set_permissions(
        self,
        client_id: str,
        *,
        trees_view: Iterable[str] | None = None,
        trees_edit: Iterable[str] | None = None,
        trees_own: Iterable[str] | None = None,
        locales_view: Iterable[str] | None = None,
        locales_edit: Iterable[str] | None = None,
        attribute_groups_view: Iterable[str] | None = None,
        attribute_groups_edit: Iterable[str] | None = None,
    ) -> AppPermissions:
        """Set an app's EE permissions, as its Permissions tab does.

        Category codes grant their subtree; Own implies Edit implies View. An axis left
        out entirely keeps full rights; once one of its levels is given, the others not
        given are empty. Raises KeyError for an unknown app and ValueError on a Community
        Edition PIM, which has no permissions.
        """
        if not self.enterprise:
            raise ValueError("permissions exist on Enterprise Edition PIMs only")
        if client_id not in self.apps:
            raise KeyError(client_id)
        permissions = AppPermissions.of(
            trees_view=trees_view,
            trees_edit=trees_edit,
            trees_own=trees_own,
            locales_view=locales_view,
            locales_edit=locales_edit,
            attribute_groups_view=attribute_groups_view,
            attribute_groups_edit=attribute_groups_edit,
        )
        self._store_permissions(client_id, permissions)
        return permissions

    def _store_permissions(self, client_id: str, permissions: AppPermissions) -> None:
        with self._lock:
            self.permissions[client_id] = permissions
            self._permission_versions[client_id] = self._permission_versions.get(client_id, 0) + 1

    def client_of(self, authorization: str | None) -> str | None:
        """The client id of an app's bearer token; None for a connection token."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        return self._token_clients.get(authorization[7:].strip())

    def access(self, authorization: str | None, store: Any) -> tuple[Access, str] | None:
        """The resolved rights of the app behind ``authorization`` and a key naming them
        (for caches); None when no permission applies (a connection, CE, or full rights).
        """
        client_id = self.client_of(authorization)
        if client_id is None or not self.enterprise:
            return None
        permissions = self.permissions.get(client_id)
        if permissions is None or permissions == AppPermissions():
            return None
        version = self._permission_versions.get(client_id, 0)
        return permissions.resolve(store), f"{client_id}#{version}"

    # --- sessions and consent ---------------------------------------------------------

    def login(self, username: str, password: str) -> str | None:
        """A new session id for valid credentials, else None."""
        user = self.users.get(username)
        if user is None or not hmac.compare_digest(user.password, password):
            return None
        session = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[session] = username
        return session

    def user_of(self, session: str | None) -> PimUser | None:
        """The signed-in user of a session cookie, if any."""
        username = self._sessions.get(session or "")
        return self.users.get(username) if username else None

    def start(self, client_id: str, scope: str, state: str | None, user: PimUser) -> str:
        """Remember an authorization request for the consent page; returns its id."""
        request_id = secrets.token_urlsafe(16)
        scopes = exhaustive_scopes(scope)
        with self._lock:
            self._pending[request_id] = _Request(client_id, scopes, state, user.username)
        return request_id

    def pending(self, request_id: str, user: PimUser) -> _Request | None:
        """The user's authorization request with this id, if it is still waiting."""
        found = self._pending.get(request_id)
        return found if found is not None and found.username == user.username else None

    def allow(self, request_id: str) -> str:
        """The callback URL with a fresh code and the request's state."""
        with self._lock:
            request = self._pending.pop(request_id)
            code = secrets.token_urlsafe(32)
            self._codes[code] = _Code(request.client_id, request.scopes, self._clock() + CODE_TTL)
        params = {"code": code}
        if request.state is not None:
            params["state"] = request.state
        return _with_query(self.apps[request.client_id].callback_url, params)

    def cancel(self, request_id: str) -> str:
        """The callback URL with ``error=access_denied`` and the request's state."""
        with self._lock:
            request = self._pending.pop(request_id)
        params = {"error": "access_denied", "error_description": "The user denied access."}
        if request.state is not None:
            params["state"] = request.state
        return _with_query(self.apps[request.client_id].callback_url, params)

    # --- token endpoint -----------------------------------------------------------------

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer the token request. Raises AppTokenError (Akeneo's 400 body)."""
        if not form.get("grant_type"):
            raise AppTokenError("invalid_request", "grant_type is missing")
        if form["grant_type"] != "authorization_code":
            raise AppTokenError("unsupported_grant_type", "grant_type must be authorization_code")
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            raise AppTokenError("invalid_client", "No client found for the given client_id")
        for name in ("code", "code_identifier", "code_challenge"):
            if not form.get(name):
                raise AppTokenError("invalid_request", f"{name} is missing")
        expected = hashlib.sha256((form["code_identifier"] + app.secret).encode()).hexdigest()
        if not hmac.compare_digest(expected, form["code_challenge"].lower()):
            raise AppTokenError("invalid_client", "Code challenge is invalid")
        with self._lock:
            code = self._codes.get(form["code"])
            if code is None or code.client_id != app.client_id:
                reason = "Code has already been used" if form["code"] in self._used else None
                raise AppTokenError("invalid_grant", reason or "Code is invalid")
            del self._codes[form["code"]]
            self._used.add(form["code"])
            if code.expires <= self._clock():
                raise AppTokenError("invalid_grant", "Code has expired")
            token = self._issue_token(s for s in code.scopes if s not in AUTHENTICATION_SCOPES)
            self._tokens.setdefault(app.client_id, []).append(token)
            self._token_clients[token] = app.client_id
        # No id_token: the sandbox does not sign OpenID Connect JWTs.
        return {"access_token": token, "token_type": "bearer", "scope": " ".join(code.scopes)}


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query), *params.items()])
    return urlunsplit(parts._replace(query=query))


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(errors="replace")))


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status)


def _login_page(target: str, problem: str | None = None) -> HTMLResponse:
    notice = f"<p role='alert'>{html.escape(problem)}</p>" if problem else ""
    form = (
        f"{notice}<form method='post' action='{_LOGIN_CHECK}'>"
        f"<input type='hidden' name='target' value='{html.escape(target)}'>"
        "<label>Username <input name='username'></label>"
        "<label>Password <input name='password' type='password'></label>"
        "<button type='submit'>Login</button></form>"
    )
    return _page("Akeneo PIM login", form, 401 if problem else 200)


_PERMISSION_FIELDS = (
    "trees_view",
    "trees_edit",
    "trees_own",
    "locales_view",
    "locales_edit",
    "attribute_groups_view",
    "attribute_groups_edit",
)


def _permissions_page(sb: AkeneoSandbox, request_id: str, known: App) -> HTMLResponse:
    """The EE wizard's permissions step: one checkbox per code and level, all checked."""
    store = sb.store
    sections = (
        ("Category trees", "trees", ("own", "edit", "view"), _roots(store.categories)),
        (
            "Locales",
            "locales",
            ("edit", "view"),
            sorted(c for c, locale in store.locales.items() if locale.get("enabled")),
        ),
        ("Attribute groups", "attribute_groups", ("edit", "view"), sorted(store.attribute_groups)),
    )
    parts = []
    for title, prefix, levels, codes in sections:
        rows = "".join(
            f"<li>{html.escape(code)} "
            + "".join(
                f"<label><input type='checkbox' name='{prefix}_{level}' "
                f"value='{html.escape(code)}' checked> {level.title()}</label>"
                for level in levels
            )
            + "</li>"
            for code in codes
        )
        parts.append(f"<fieldset><legend>{title}</legend><ul>{rows}</ul></fieldset>")
    body = (
        f"<p>Choose what {html.escape(known.name)} may view and edit.</p>"
        f"<form method='post' action='{_PERMISSIONS}'>"
        f"<input type='hidden' name='request' value='{request_id}'>"
        + "".join(parts)
        + "<button type='submit'>Confirm</button></form>"
        f"<a href='{_CANCEL}?request={request_id}'>Cancel</a>"
    )
    return _page(f"Permissions for {known.name}", body)


def _roots(categories: dict[str, Any]) -> list[str]:
    return sorted(code for code, category in categories.items() if not category.get("parent"))


def add_app_routes(app: FastAPI, sb: AkeneoSandbox) -> None:
    """Register the login form, the consent page with Allow/Cancel and the token route."""
    registry = sb.apps

    async def login_form(request: Request) -> Response:
        return _login_page(request.query_params.get("target", "/"))

    async def login_check(request: Request) -> Response:
        form = _form(await request.body())
        target = form.get("target", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # only local redirects: no open redirect through the login form
        session = registry.login(form.get("username", ""), form.get("password", ""))
        if session is None:
            return _login_page(target, "Invalid credentials.")
        response = RedirectResponse(target, 302)
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
        return response

    async def authorize(request: Request) -> Response:
        user = registry.user_of(request.cookies.get(SESSION_COOKIE))
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{LOGIN_PATH}?target={quote(target, safe='')}", 302)
        query = request.query_params
        if query.get("response_type") != "code":
            return _page("Invalid request", "<p>response_type must be code.</p>", 400)
        known = registry.apps.get(query.get("client_id", ""))
        if known is None:
            return _page("Invalid request", "<p>This app is unknown to the PIM.</p>", 400)
        scope = query.get("scope", "")
        if len(scope) > _MAX_SCOPE:
            return _page("Invalid request", "<p>The scope is too long.</p>", 400)
        if not user.manage_apps:
            return _page("Access denied", "<p>You are not allowed to manage apps.</p>", 403)
        request_id = registry.start(known.client_id, scope, query.get("state"), user)
        scopes = exhaustive_scopes(scope)
        items = "".join(f"<li>{html.escape(scope_label(s))}</li>" for s in scopes)
        body = (
            f"<p>{html.escape(known.name)} asks to:</p><ul>{items or '<li>Nothing</li>'}</ul>"
            f"<form method='post' action='{_ALLOW}'>"
            f"<input type='hidden' name='request' value='{request_id}'>"
            "<button type='submit'>Allow and finish</button></form>"
            f"<a href='{_CANCEL}?request={request_id}'>Cancel</a>"
        )
        return _page(f"Connect {known.name}", body)

    async def allow(request: Request) -> Response:
        user = registry.user_of(request.cookies.get(SESSION_COOKIE))
        if user is None:
            return RedirectResponse(LOGIN_PATH, 302)
        if not user.manage_apps:
            return _page("Access denied", "<p>You are not allowed to manage apps.</p>", 403)
        request_id = _form(await request.body()).get("request", "")
        pending = registry.pending(request_id, user)
        if pending is None:
            return _page("Invalid request", "<p>This authorization request is unknown.</p>", 400)
        if registry.enterprise:
            return _permissions_page(sb, request_id, registry.apps[pending.client_id])
        return RedirectResponse(registry.allow(request_id), 302)

    async def permissions(request: Request) -> Response:
        user = registry.user_of(request.cookies.get(SESSION_COOKIE))
        if user is None:
            return RedirectResponse(LOGIN_PATH, 302)
        if not user.manage_apps:
            return _page("Access denied", "<p>You are not allowed to manage apps.</p>", 403)
        fields = parse_qsl((await request.body()).decode(errors="replace"))
        request_id = next((v for k, v in fields if k == "request"), "")
        pending = registry.pending(request_id, user)
        if pending is None or not registry.enterprise:
            return _page("Invalid request", "<p>This authorization request is unknown.</p>", 400)
        chosen = {name: [v for k, v in fields if k == name] for name in _PERMISSION_FIELDS}
        registry._store_permissions(pending.client_id, AppPermissions.of(**chosen))
        return RedirectResponse(registry.allow(request_id), 302)

    async def cancel(request: Request) -> Response:
        user = registry.user_of(request.cookies.get(SESSION_COOKIE))
        if user is None:
            return RedirectResponse(LOGIN_PATH, 302)
        request_id = request.query_params.get("request", "")
        if registry.pending(request_id, user) is None:
            return _page("Invalid request", "<p>This authorization request is unknown.</p>", 400)
        return RedirectResponse(registry.cancel(request_id), 302)

    async def token(request: Request) -> Response:
        if "x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            problem = {
                "error": "invalid_request",
                "error_description": "The body must be application/x-www-form-urlencoded",
            }
            return json_response(problem, 400)
        try:
            body = registry.exchange(_form(await request.body()))
        except AppTokenError as exc:
            return json_response({"error": exc.error, "error_description": exc.description}, 400)
        return json_response(body)

    app.add_api_route(LOGIN_PATH, login_form, methods=["GET"])
    app.add_api_route(_LOGIN_CHECK, login_check, methods=["POST"])
    app.add_api_route(AUTHORIZE_PATH, authorize, methods=["GET"])
    app.add_api_route(_ALLOW, allow, methods=["POST"])
    app.add_api_route(_CANCEL, cancel, methods=["GET"])
    app.add_api_route(_PERMISSIONS, permissions, methods=["POST"])
    app.add_api_route(TOKEN_PATH, token, methods=["POST"])
