"""The hub's web app served on 127.0.0.1 over a fresh installation with three users."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pimsync.runners.local import LocalRunner
from pimsync.sandbox._server import serve_app
from pimsync.settings import Settings
from pimsync.state import create_key_file, create_state_engine, upgrade
from pimsync.state._users import Role, add_user
from pimsync.web import create_app

PASSWORDS = {"ada": "admin-pass-1", "max": "manager-pass-1", "val": "viewer-pass-1"}
ROLES = {"ada": Role.ADMIN, "max": Role.MANAGER, "val": Role.VIEWER}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoFaults:
    dropper = None


@dataclass
class Hub:
    """A served hub: its URL, settings and runner, and browsers signed in as its users."""

    url: str
    settings: Settings
    runner: LocalRunner
    home: Path

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **options)  # type: ignore[arg-type]

    def sign_in(self, username: str) -> httpx.Client:
        """A browser signed in as ``username`` (follows redirects)."""
        browser = self.client(follow_redirects=True)
        answer = post_login(browser, username)
        assert answer.status_code == 200, answer.text
        return browser


def post_login(client: httpx.Client, username: str, next_path: str = "/") -> httpx.Response:
    """Open the sign-in form (at ``/login?next=…``) and post ``username``'s password."""
    form = client.get("/login", params={"next": next_path})
    return client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORDS[username],
            "csrf_token": csrf_of(form),
            "next": next_path,
        },
    )


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return found[1]


def make_installation(home: Path, **settings: object) -> tuple[Settings, LocalRunner]:
    settings_ = Settings(home=home, **settings)  # type: ignore[arg-type]
    home.mkdir(parents=True, exist_ok=True)
    create_key_file(settings_.key_file)
    engine = create_state_engine(settings_.resolved_database_url)
    upgrade(engine)
    with engine.begin() as conn:
        for name, role in ROLES.items():
            add_user(conn, name, PASSWORDS[name], role)
    engine.dispose()
    return settings_, LocalRunner(settings_)


@pytest.fixture
def make_hub(tmp_path: Path) -> Iterator[Callable[..., Hub]]:
    """Serve a new hub; keyword arguments are settings (e.g. ``max_connections=2``)."""
    with ExitStack() as stack:

        def make(**settings: object) -> Hub:
            home = tmp_path / f"home{len(list(tmp_path.glob('home*')))}"
            settings_, runner = make_installation(home, **settings)
            stack.callback(runner.db.dispose)
            app = create_app(settings_, runner)
            url = stack.enter_context(serve_app(app, _NoFaults(), name="hub"))
            return Hub(url, settings_, runner, home)

        yield make


@pytest.fixture
def hub(make_hub: Callable[..., Hub]) -> Hub:
    return make_hub()
