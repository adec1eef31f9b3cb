"""Hub users, their roles, API tokens and web sessions.

Passwords are kept as scrypt hashes, API tokens and session ids as SHA-256 hashes:
whoever reads the state store gets no working credential. Tokens and session ids are
shown once, when they are made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from pimsync.errors import ConfigError
from pimsync.state._tables import api_tokens, users, web_sessions

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Permission",
    "Role",
    "User",
    "WebSession",
    "add_user",
    "authenticate",
    "change_password",
    "check_password_strength",
    "create_token",
    "end_session",
    "get_user",
    "hash_password",
    "list_users",
    "parse_role",
    "remove_user",
    "session_for",
    "set_role",
    "start_session",
    "update_session_data",
    "user_for_token",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")
# scrypt at n=2**14, r=8 (16 MiB, about 50 ms): OWASP's minimum for scrypt.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_TOKEN_PREFIX = "pst_"  # noqa: S105 - a prefix that makes leaked tokens easy to spot


class Permission(StrEnum):
    """What a role lets a hub user do."""

    VIEW = "view"  # read connections (never secrets), jobs, catalogs, runs
    RUN = "run"  # start runs, retry failed items
    MANAGE_CONNECTIONS = "manage connections"  # add, change, connect and remove connections
    MANAGE_USERS = "manage users"


class Role(StrEnum):
    """A hub user's role: ``admin`` does everything, ``manager`` manages connections and
    runs jobs, ``viewer`` only reads."""

    ADMIN = "admin"
    MANAGER = "manager"
    VIEWER = "viewer"

    @property
    def permissions(self) -> frozenset[Permission]:
        return _ROLE_PERMISSIONS[self]


_ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset({Permission.VIEW, Permission.RUN, Permission.MANAGE_CONNECTIONS}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def parse_role(value: str) -> Role:
    """The role named ``value``; :class:`ConfigError` listing the roles otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ConfigError(
            f"unknown role {value!r}: choose one of {', '.join(r.value for r in Role)}"
        ) from None


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role
    created_at: datetime

    def can(self, permission: Permission) -> bool:
        return permission in self.role.permissions


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: its user, CSRF token and flow data."""

    id_hash: str
    user: User
    csrf_token: str
    data: Mapping[str, Any]
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when the user does not exist, so that both cases take as long.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _user(row: Any) -> User:
    return User(row.username, Role(row.role), row.created_at)


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row is not None else None


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.username))]


def add_user(conn: Connection, username: str, password: str, role: Role) -> User:
    """Create a user; :class:`ConfigError` if the name is taken or the password too short."""
    if not _USERNAME.match(username):
        raise ConfigError(
            f"user name {username!r} must be 1-100 letters, digits, '.', '_', '-', '+' or '@', "
            "starting with a letter or digit"
        )
    check_password_strength(password)
    if get_user(conn, username) is not None:
        raise ConfigError(f"user {username!r} exists")
    now = datetime.now(UTC)
    conn.execute(
        insert(users).values(
            username=username,
            password_hash=hash_password(password),
            role=role.value,
            created_at=now,
            updated_at=now,
        )
    )
    return User(username, role, now)


def _require(conn: Connection, username: str) -> User:
    user = get_user(conn, username)
    if user is None:
        raise ConfigError(f"unknown user {username!r}")
    return user


def _admins(conn: Connection) -> int:
    query = select(func.count()).select_from(users).where(users.c.role == Role.ADMIN.value)
    return int(conn.execute(query).scalar_one())


def set_role(conn: Connection, username: str, role: Role) -> None:
    """Give ``username`` another role; the last admin keeps theirs."""
    user = _require(conn, username)
    if user.role is Role.ADMIN and role is not Role.ADMIN and _admins(conn) == 1:
        raise ConfigError(f"{username!r} is the only admin; make another user admin first")
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(role=role.value, updated_at=datetime.now(UTC))
    )


def change_password(conn: Connection, username: str, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    _require(conn, username)
    check_password_strength(password)
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(password_hash=hash_password(password), updated_at=datetime.now(UTC))
    )
    conn.execute(delete(web_sessions).where(web_sessions.c.username == username))


def remove_user(conn: Connection, username: str) -> None:
    """Remove a user with their tokens and sessions; the last admin stays."""
    user = _require(conn, username)
    if user.role is Role.ADMIN and _admins(conn) == 1:
        raise ConfigError(f"{username!r} is the only admin and cannot be removed")
    conn.execute(delete(api_tokens).where(api_tokens.c.username == username))
    conn.execute(delete(web_sessions).where(web_sessions.c.username == username))
    conn.execute(delete(users).where(users.c.username == username))


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (as slow for unknown users)."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return _user(row) if verify_password(password, row.password_hash) else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_token(conn: Connection, username: str, label: str) -> str:
    """A new API token for ``username``: returned once, stored as a hash."""
    _require(conn, username)
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            token_hash=_digest(token),
            username=username,
            label=label[:100] or "token",
            created_at=datetime.now(UTC),
        )
    )
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    """The user whose API token ``token`` is; records its use."""
    digest = _digest(token)
    row = conn.execute(
        select(users)
        .join(api_tokens, api_tokens.c.username == users.c.username)
        .where(api_tokens.c.token_hash == digest)
    ).first()
    if row is None:
        return None
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.token_hash == digest)
        .values(last_used_at=datetime.now(UTC))
    )
    return _user(row)


def start_session(conn: Connection, user: User, lifetime: timedelta) -> tuple[str, WebSession]:
    """A new session for ``user``: the cookie value (shown once) and the session."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session = WebSession(_digest(session_id), user, secrets.token_urlsafe(32), {}, now + lifetime)
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
    conn.execute(
        insert(web_sessions).values(
            id_hash=session.id_hash,
            username=user.username,
            csrf_token=session.csrf_token,
            data={},
            created_at=now,
            expires_at=session.expires_at,
        )
    )
    return session_id, session


def session_for(conn: Connection, session_id: str) -> WebSession | None:
    """The live session whose cookie value is ``session_id``."""
    row = conn.execute(
        select(web_sessions, users.c.role, users.c.created_at.label("user_created_at"))
        .join(users, users.c.username == web_sessions.c.username)
        .where(web_sessions.c.id_hash == _digest(session_id))
    ).first()
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    user = User(row.username, Role(row.role), row.user_created_at)
    return WebSession(row.id_hash, user, row.csrf_token, dict(row.data), row.expires_at)


def update_session_data(conn: Connection, session: WebSession, data: Mapping[str, Any]) -> None:
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id_hash == session.id_hash)
        .values(data=dict(data))
    )


def end_session(conn: Connection, session: WebSession) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == session.id_hash))
