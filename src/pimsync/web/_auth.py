"""Who is calling and what they may do: API tokens, session cookies, roles and CSRF.

The REST API takes ``Authorization: Bearer <token>`` (tokens from `pimsync users
token`) or the browser's session cookie; with the cookie, a request that changes
something must also carry the session's CSRF token in ``X-CSRF-Token``. Pages take the
cookie and check the CSRF token of every form.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from pimsync.settings import Settings
from pimsync.state._users import (
    Permission,
    User,
    WebSession,
    session_for,
    start_session,
    user_for_token,
)

SESSION_COOKIE = "pimsync_session"
LOGIN_CSRF_COOKIE = "pimsync_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """No valid credentials: pages send the browser to the login page, the API says 401."""


class Forbidden(Exception):
    """Signed in, but the role does not allow it (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in user, and their browser session (None for an API token)."""

    user: User
    session: WebSession | None

    def require(self, permission: Permission) -> None:
        if not self.user.can(permission):
            raise Forbidden(
                f"user {self.user.username!r} ({self.user.role.value}) may not do this: "
                f"it needs the {permission.value!r} permission"
            )


def db(request: Request) -> Engine:
    engine: Engine = request.app.state.runner.db
    return engine


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def cookie_secure(request: Request) -> bool:
    mode = settings_of(request).web.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def find_caller(request: Request) -> Caller | None:
    """The caller of ``request``, or None when it carries no valid credential."""
    engine = db(request)
    token = _bearer(request)
    if token is not None:
        with engine.begin() as conn:
            user = user_for_token(conn, token)
        return Caller(user, None) if user is not None else None
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    with engine.connect() as conn:
        session = session_for(conn, session_id)
    return Caller(session.user, session) if session is not None else None


def signed_in(request: Request) -> Caller:
    """The caller; :class:`NotSignedIn` without valid credentials."""
    caller = find_caller(request)
    if caller is None:
        raise NotSignedIn
    if caller.session is not None and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is not None:
            check_csrf(caller, sent)
        elif request.url.path.startswith("/api/"):
            raise Forbidden(f"missing {CSRF_HEADER} header (the session's CSRF token)")
        # Pages check the token in the form they post (see form_csrf).
    return caller


def check_csrf(caller: Caller, sent: str | None) -> None:
    """:class:`Forbidden` unless ``sent`` is the session's CSRF token."""
    expected = caller.session.csrf_token if caller.session is not None else ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("the form's CSRF token is missing or out of date: reload the page")


CallerDep = Annotated[Caller, Depends(signed_in)]


def new_session(request: Request, user: User) -> tuple[str, WebSession]:
    lifetime = timedelta(hours=settings_of(request).web.session_hours)
    with db(request).begin() as conn:
        return start_session(conn, user, lifetime)
