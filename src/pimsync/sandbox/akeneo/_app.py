"""The ASGI application of one sandbox: token route, bearer check, routes, Akeneo errors."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pimsync.sandbox.akeneo._apps import add_app_routes, forbidden
from pimsync.sandbox.akeneo._auth import TokenError, TokenIssuer
from pimsync.sandbox.akeneo._catalogs_api import add_catalog_routes
from pimsync.sandbox.akeneo._faults import FaultMiddleware
from pimsync.sandbox.akeneo._pages import ApiError, error_response, json_response
from pimsync.sandbox.akeneo._products import add_product_routes
from pimsync.sandbox.akeneo._resources import add_resource_routes, route_not_found
from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox

_PROTECTED = "/api/rest/v1"


SYSTEM_INFORMATION = "/api/rest/v1/system-information"
SANDBOX_VERSION = "7.0.0-sandbox"
# How a self-hosted PIM names its edition in /system-information.
EDITION_CODES = {"community": "CE", "enterprise": "EE"}


class BearerMiddleware:
    """Every REST route needs a valid access token; answers 401 the way Akeneo does.

    An app's token also needs the scope of the route, else 403 (a connection has all).
    """

    def __init__(self, app: ASGIApp, tokens: TokenIssuer) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        protected = scope["path"].startswith(_PROTECTED) and scope["path"] != SYSTEM_INFORMATION
        if scope["type"] == "http" and protected:
            authorization = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    authorization = value.decode("latin-1")
            problem = self.tokens.check(authorization)
            if problem is not None:
                await error_response(401, problem)(scope, receive, send)
                return
            granted = self.tokens.app_scopes(authorization)
            refusal = (
                None if granted is None else forbidden(scope["method"], scope["path"], granted)
            )
            if refusal is not None:
                await error_response(403, refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(sb: AkeneoSandbox) -> ASGIApp:
    """The sandbox's ASGI app: faults first, then authentication, then the routes."""
    app = FastAPI(
        title="Akeneo PIM sandbox",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )

    async def token(request: Request) -> Response:
        try:
            body = sb.tokens.grant(
                request.headers.get("authorization"),
                await request.body(),
                request.headers.get("content-type", ""),
            )
        except TokenError as exc:
            return error_response(exc.status, exc.message)
        return json_response(body)

    async def system_information(request: Request) -> Response:
        # Akeneo answers this one without a token (x-no-token in its spec).
        return json_response({"version": SANDBOX_VERSION, "edition": EDITION_CODES[sb.edition]})

    app.add_api_route("/api/oauth/v1/token", token, methods=["POST"])
    app.add_api_route(SYSTEM_INFORMATION, system_information, methods=["GET"])
    add_app_routes(app, sb)
    add_product_routes(app, sb)
    add_catalog_routes(app, sb)
    add_resource_routes(app, sb)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            exc = route_not_found(request)
            return error_response(404, str(exc))
        if exc.status_code == 405:
            return error_response(
                405, f'No route found for "{request.method} {request.url.path}": Method Not Allowed'
            )
        return error_response(exc.status_code, str(exc.detail))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    return FaultMiddleware(BearerMiddleware(app, sb.tokens), sb.faults, sb.requests)
