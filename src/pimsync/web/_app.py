"""The hub's web app: pages for people, ``/api/v1`` for scripts, one set of rules.

Every page and API route needs a signed-in user; what they may do follows their role
(:class:`~pimsync.state._users.Role`). Pages are server-rendered Jinja templates with
no script and no CDN: the app serves its own stylesheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from pimsync import __version__
from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings
from pimsync.web._auth import Caller, Forbidden, NotSignedIn, find_caller

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=_HERE / "templates")

# The callback's URL holds the one-use code: no Referer may carry it anywhere.
_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self' https: http:; frame-ancestors 'none'"
    ),
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page(
    request: Request,
    name: str,
    caller: Caller | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The template ``name`` rendered for ``caller``."""
    context.setdefault("messages", [])
    context.setdefault("title", "pimsync")
    return templates.TemplateResponse(
        request, name, {"caller": caller, **context}, status_code=status_code
    )


def error_page(request: Request, status_code: int, heading: str, message: str) -> Response:
    caller = find_caller(request)
    return page(
        request,
        "error.html",
        caller,
        status_code=status_code,
        title=heading,
        heading=heading,
        message=message,
    )


def _problem(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": message, **extra}, status_code=status_code)


def create_app(settings: Settings, runner: LocalRunner | None = None) -> FastAPI:
    """The web app of the installation ``settings`` describes."""
    from pimsync.web._api import api
    from pimsync.web._apps import apps
    from pimsync.web._catalog_pages import catalog_pages
    from pimsync.web._catalogs_api import catalogs_api
    from pimsync.web._dashboard import dashboard_api
    from pimsync.web._jobs_ui import jobs_api, jobs_pages
    from pimsync.web._mapping_ui import mapping
    from pimsync.web._pages import pages
    from pimsync.web._permissions_ui import permissions

    app = FastAPI(
        title="pimsync",
        version=__version__,
        description="The pimsync hub's REST API. Authenticate with `Authorization: Bearer "
        "<token>` (create one with `pimsync users token NAME`).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.runner = runner or LocalRunner(settings)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.include_router(api)
    app.include_router(apps)
    app.include_router(pages)
    app.include_router(dashboard_api)
    app.include_router(catalogs_api)
    app.include_router(catalog_pages)
    app.include_router(jobs_api)
    app.include_router(jobs_pages)
    app.include_router(mapping)
    app.include_router(permissions)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for header, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": "sign in: send Authorization: Bearer <token> (pimsync users token)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return _problem(403, exc.message)
        return error_page(request, 403, "Not allowed", exc.message)

    @app.exception_handler(ConfigError)
    def config_error(request: Request, exc: ConfigError) -> Response:
        if is_api(request):
            return _problem(422, str(exc))
        return error_page(request, 422, "Cannot do that", str(exc))

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = {
            ".".join(str(p) for p in e["loc"] if p != "body"): str(e["msg"]) for e in exc.errors()
        }
        if is_api(request):
            return _problem(422, "invalid request", problems=problems)
        text = "; ".join(f"{k}: {v}" for k, v in problems.items())
        return error_page(request, 422, "Invalid request", text)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            return _problem(exc.status_code, str(exc.detail))
        heading = "Not found" if exc.status_code == 404 else "Cannot do that"
        return error_page(request, exc.status_code, heading, str(exc.detail))

    return app


def _quote(value: str) -> str:
    return quote(value, safe="/")
