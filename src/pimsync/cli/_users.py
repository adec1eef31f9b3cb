"""Hub users and the web app: `users add|list|role|password|token|remove` and `serve`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.table import Table

from pimsync.cli._session import Session, command_group, session_of
from pimsync.errors import ConfigError
from pimsync.state._users import (
    Role,
    add_user,
    change_password,
    check_password_strength,
    create_token,
    list_users,
    parse_role,
    remove_user,
    set_role,
)

users_app = command_group(
    "Hub users of the web app and REST API: admin (everything), manager (manage "
    "connections, run jobs) and viewer (read only)."
)

_ROLE_HELP = f"One of: {', '.join(r.value for r in Role)}."
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from one line of stdin."),
]


def _read_password(session: Session, username: str, from_stdin: bool) -> SecretStr:
    """A password from stdin or typed in twice; never from the command line."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ConfigError("--password-stdin: nothing to read on stdin")
        password = SecretStr(line)
    elif session.can_prompt():
        typed = typer.prompt(f"password for {username}", hide_input=True, confirmation_prompt=True)
        password = SecretStr(str(typed))
    else:
        raise ConfigError("no terminal to type the password in: use --password-stdin")
    check_password_strength(password.get_secret_value())
    return password


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME", help="The user's sign-in name.")],
    role: Annotated[str, typer.Option("--role", "-r", help=_ROLE_HELP)],
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a hub user (the password is stored as a scrypt hash)."""
    session = session_of(ctx)
    parsed = parse_role(role)
    password = _read_password(session, username, password_stdin)
    with session.write() as conn:
        add_user(conn, username, password.get_secret_value(), parsed)
    session.say(f"added user {username} ({parsed.value})")


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The hub's users and their roles."""
    session = session_of(ctx)
    with session.read() as conn:
        rows = list_users(conn)
    if as_json:
        session.emit_json(
            [
                {"username": u.username, "role": u.role.value, "created_at": u.created_at}
                for u in rows
            ]
        )
        return
    if not rows:
        session.say("no users yet; add the first admin: pimsync users add NAME --role admin")
        return
    table = Table()
    for column in ("user", "role", "created"):
        table.add_column(column)
    for user in rows:
        table.add_row(user.username, user.role.value, f"{user.created_at:%Y-%m-%d %H:%M}")
    session.out.print(table)


@users_app.command("role")
def users_role(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[str, typer.Argument(metavar="ROLE", help=_ROLE_HELP)],
) -> None:
    """Give a user another role (the last admin keeps theirs)."""
    session = session_of(ctx)
    parsed = parse_role(role)
    with session.write() as conn:
        set_role(conn, username, parsed)
    session.say(f"{username} is now {parsed.value}")


@users_app.command("password")
def users_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password; their browser sessions end."""
    session = session_of(ctx)
    password = _read_password(session, username, password_stdin)
    with session.write() as conn:
        change_password(conn, username, password.get_secret_value())
    session.say(f"changed the password of {username}")


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "api",
) -> None:
    """Create an API token for a user and print it (this once; only its hash is kept)."""
    session = session_of(ctx)
    with session.write() as conn:
        token = create_token(conn, username, label)
    session.note(f"API token for {username} ({label}); it is not shown again:")
    session.say(token)


@users_app.command("remove")
def users_remove(
    ctx: typer.Context, username: Annotated[str, typer.Argument(metavar="NAME")]
) -> None:
    """Remove a user, their API tokens and sessions (the last admin stays)."""
    session = session_of(ctx)
    with session.write() as conn:
        remove_user(conn, username)
    session.say(f"removed user {username}")


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8470,
) -> None:
    """Serve the hub's web app and REST API (/api/v1, schema at /api/docs)."""
    import uvicorn

    from pimsync.web import create_app

    session = session_of(ctx)
    runner = session.runner
    with runner.db.connect() as conn:
        if not list_users(conn):
            raise ConfigError(
                "no hub user yet: add the first admin with "
                "`pimsync users add NAME --role admin`, then run `pimsync serve` again"
            )
    app = create_app(session.settings, runner)
    session.note(f"pimsync web app on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)
