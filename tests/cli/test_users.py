"""`pimsync users` and `pimsync serve`: hub users from the command line."""

from __future__ import annotations

import orjson

from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings
from pimsync.state._users import user_for_token
from tests.cli._cli import Invoke, one_error_line


def _init(invoke: Invoke) -> None:
    assert invoke("init").exit_code == 0


def test_add_list_role_password_token_remove(invoke: Invoke) -> None:
    _init(invoke)
    added = invoke(
        "users", "add", "ada", "--role", "admin", "--password-stdin", input="pass-word-01\n"
    )
    assert added.exit_code == 0, added.output
    assert added.stdout == "added user ada (admin)\n"
    assert "pass-word-01" not in added.output
    invoke("users", "add", "val", "-r", "viewer", "--password-stdin", input="pass-word-02\n")

    listed = orjson.loads(invoke("users", "list", "--json").stdout)
    assert [(u["username"], u["role"]) for u in listed] == [("ada", "admin"), ("val", "viewer")]

    assert invoke("users", "role", "val", "manager").stdout == "val is now manager\n"
    changed = invoke("users", "password", "val", "--password-stdin", input="pass-word-03\n")
    assert changed.exit_code == 0, changed.output

    made = invoke("users", "token", "val", "--label", "ci")
    assert made.exit_code == 0
    token = made.stdout.strip()
    assert token.startswith("pst_") and "not shown again" in made.stderr
    runner = LocalRunner(Settings())
    with runner.db.begin() as conn:
        user = user_for_token(conn, token)
    runner.db.dispose()
    assert user is not None and user.username == "val" and user.role.value == "manager"

    assert invoke("users", "remove", "val").exit_code == 0
    listed = orjson.loads(invoke("users", "list", "--json").stdout)
    assert [u["username"] for u in listed] == ["ada"]


def test_mistakes_say_what_to_fix(invoke: Invoke) -> None:
    _init(invoke)
    cases = [
        (("users", "add", "ada", "--role", "owner", "--password-stdin"), "x" * 12,
         "unknown role 'owner': choose one of admin, manager, viewer"),
        (("users", "add", "ada", "--role", "admin", "--password-stdin"), "short",
         "the password must have at least 10 characters"),
        (("users", "add", "ada", "--role", "admin"), None,
         "no terminal to type the password in: use --password-stdin"),
        (("users", "add", "a d", "--role", "admin", "--password-stdin"), "x" * 12,
         "user name 'a d' must be"),
        (("users", "role", "nobody", "viewer"), None, "unknown user 'nobody'"),
    ]  # fmt: skip
    for args, stdin, message in cases:
        result = invoke(*args, input=None if stdin is None else stdin + "\n")
        assert result.exit_code == 2, (args, result.output)
        assert message in one_error_line(result), args

    invoke("users", "add", "ada", "--role", "admin", "--password-stdin", input="x" * 12 + "\n")
    again = invoke(
        "users", "add", "ada", "--role", "viewer", "--password-stdin", input="y" * 12 + "\n"
    )
    assert "user 'ada' exists" in one_error_line(again)
    last = invoke("users", "remove", "ada")
    assert "'ada' is the only admin and cannot be removed" in one_error_line(last)
    demoted = invoke("users", "role", "ada", "viewer")
    assert "'ada' is the only admin" in one_error_line(demoted)


def test_serve_needs_a_first_admin(invoke: Invoke) -> None:
    _init(invoke)
    result = invoke("serve", "--port", "0")
    assert result.exit_code == 2
    assert "no hub user yet: add the first admin with `pimsync users add NAME --role admin`" in (
        one_error_line(result)
    )
