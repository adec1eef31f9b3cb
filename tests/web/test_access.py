"""Who may do what: anonymous callers, viewers, managers and admins, in pages and API."""

from __future__ import annotations

import sqlite3

import pytest

from pimsync.state._users import create_token
from tests.web.conftest import PASSWORDS, Hub, csrf_of, post_login

PAGES = ["/", "/connections", "/runs"]
API_READS = ["/api/v1/me", "/api/v1/connections", "/api/v1/jobs", "/api/v1/runs"]


def token_for(hub: Hub, username: str) -> dict[str, str]:
    with hub.runner.db.begin() as conn:
        return {"Authorization": f"Bearer {create_token(conn, username, 'test')}"}


def connection_names(hub: Hub) -> set[str]:
    return set(hub.runner.project().connections)


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(hub: Hub, path: str) -> None:
    with hub.client() as client:
        answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", API_READS)
def test_the_api_refuses_anonymous_and_unknown_tokens(hub: Hub, path: str) -> None:
    with hub.client() as client:
        anonymous = client.get(path)
        forged = client.get(path, headers={"Authorization": "Bearer pst_not-a-token"})
    for answer in (anonymous, forged):
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "pimsync users token" in answer.json()["detail"]


def test_a_wrong_password_is_refused_with_one_message(hub: Hub) -> None:
    with hub.client() as client:
        form = client.get("/login")
        for username in ("val", "nobody"):
            answer = client.post(
                "/login",
                data={
                    "username": username,
                    "password": "wrong-pass-1",
                    "csrf_token": csrf_of(form),
                },
            )
            assert answer.status_code == 401
            assert "wrong user name or password" in answer.text
            assert "pimsync_session" not in answer.cookies


def test_the_sign_in_form_needs_its_csrf_token(hub: Hub) -> None:
    with hub.client() as client:
        client.get("/login")
        answer = client.post(
            "/login", data={"username": "ada", "password": PASSWORDS["ada"], "csrf_token": "x"}
        )
    assert answer.status_code == 403
    assert "pimsync_session" not in answer.cookies


def test_sign_in_sets_an_http_only_cookie_and_sign_out_ends_the_session(hub: Hub) -> None:
    with hub.client() as client:
        signed = post_login(client, "val", "/runs")
        assert signed.status_code == 303 and signed.headers["location"] == "/runs"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http on loopback; https marks it Secure
        session_id = signed.cookies["pimsync_session"]
        page = client.get("/runs")
        assert page.status_code == 200 and "val · viewer" in page.text
        client.post("/logout", data={"csrf_token": csrf_of(page)})
    with hub.client(cookies={"pimsync_session": session_id}) as replay:
        assert replay.get("/runs").status_code == 303


def test_sign_in_never_redirects_off_site(hub: Hub) -> None:
    with hub.client() as client:
        answer = post_login(client, "val", "//evil.example.com/")
    assert answer.headers["location"] == "/"


def test_cookie_secure_always_marks_the_session_cookie(make_hub: object) -> None:
    hub = make_hub(web={"cookie_secure": "always"})  # type: ignore[operator]
    with hub.client() as client:
        form = client.get("/login")
        assert "Secure" in form.headers["set-cookie"]
        # A browser keeps Secure cookies for https only; send it back by hand.
        token = csrf_of(form)
        client.cookies.clear()
        signed = client.post(
            "/login",
            data={"username": "val", "password": PASSWORDS["val"], "csrf_token": token},
            headers={"Cookie": f"pimsync_login_csrf={token}"},
        )
    assert signed.status_code == 303
    assert "Secure" in signed.headers["set-cookie"]


def test_a_viewer_reads_everything_and_changes_nothing(hub: Hub) -> None:
    auth = token_for(hub, "val")
    with hub.client(headers=auth) as api:
        for path in API_READS:
            assert api.get(path).status_code == 200, path
        refused = [
            api.post("/api/v1/connections", json={"name": "x", "kind": "jsonl"}),
            api.delete("/api/v1/connections/x"),
            api.post("/api/v1/connections/x/test"),
            api.post("/api/v1/jobs/x/runs", json={}),
            api.get("/api/v1/users"),
            api.post(
                "/api/v1/users", json={"username": "e", "password": "p" * 12, "role": "admin"}
            ),
        ]
    for answer in refused:
        assert answer.status_code == 403, answer.request.url
        assert "'val' (viewer) may not do this" in answer.json()["detail"]

    browser = hub.sign_in("val")
    page = browser.get("/connections")
    assert page.status_code == 200
    assert "Add a connection" not in page.text  # no form for what the role cannot do
    added = browser.post(
        "/connections",
        data={
            "csrf_token": csrf_of(page),
            "name": "shop",
            "kind": "directory",
            "settings": "path=/tmp",
        },
    )
    assert added.status_code == 403
    assert "needs the &#39;manage connections&#39; permission" in added.text
    assert connection_names(hub) == set()


def test_a_manager_manages_connections_but_not_users(hub: Hub, tmp_path: object) -> None:
    auth = token_for(hub, "max")
    with hub.client(headers=auth) as api:
        added = api.post(
            "/api/v1/connections",
            json={"name": "shop", "kind": "directory", "settings": {"path": "/tmp/shop"}},
        )
        assert added.status_code == 201, added.text
        assert api.get("/api/v1/users").status_code == 403
        assert api.delete("/api/v1/connections/shop").status_code == 204
    assert connection_names(hub) == set()


def test_an_admin_manages_users_and_keeps_the_last_admin(hub: Hub) -> None:
    auth = token_for(hub, "ada")
    with hub.client(headers=auth) as api:
        made = api.post(
            "/api/v1/users", json={"username": "eve", "password": "eve-pass-123", "role": "viewer"}
        )
        assert made.status_code == 201, made.text
        short = api.post(
            "/api/v1/users", json={"username": "z", "password": "short", "role": "viewer"}
        )
        assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
        assert api.patch("/api/v1/users/eve", json={"role": "manager"}).json()["role"] == "manager"
        last = api.patch("/api/v1/users/ada", json={"role": "viewer"})
        assert last.status_code == 422 and "only admin" in last.json()["detail"]
        assert api.delete("/api/v1/users/eve").status_code == 204
        names = {u["username"] for u in api.get("/api/v1/users").json()["users"]}
    assert names == {"ada", "max", "val"}


def test_session_api_calls_need_the_csrf_header(hub: Hub) -> None:
    browser = hub.sign_in("max")
    page = browser.get("/connections")
    body = {"name": "shop", "kind": "directory", "settings": {"path": "/tmp/shop"}}
    assert browser.post("/api/v1/connections", json=body).status_code == 403
    assert connection_names(hub) == set()
    wrong = browser.post("/api/v1/connections", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    good = browser.post("/api/v1/connections", json=body, headers={"X-CSRF-Token": csrf_of(page)})
    assert good.status_code == 201
    assert connection_names(hub) == {"shop"}


def test_forms_need_the_session_csrf_token(hub: Hub) -> None:
    browser = hub.sign_in("max")
    for token in ("", "forged"):
        answer = browser.post(
            "/connections",
            data={"csrf_token": token, "name": "shop", "kind": "directory", "settings": "path=/x"},
        )
        assert answer.status_code in (403, 422)
    assert connection_names(hub) == set()


def test_passwords_and_tokens_are_stored_only_as_hashes(hub: Hub) -> None:
    auth = token_for(hub, "val")
    token = auth["Authorization"].removeprefix("Bearer ")
    with hub.client(headers=auth) as api:
        assert api.get("/api/v1/me").json() == {
            "username": "val",
            "role": "viewer",
            "permissions": ["view"],
        }
    browser = hub.sign_in("val")
    session_id = browser.cookies["pimsync_session"]
    with sqlite3.connect(hub.home / "pimsync.db") as db:
        dump = "\n".join(db.iterdump())
    for secret in [*PASSWORDS.values(), token, session_id]:
        assert secret not in dump


def test_pages_carry_security_headers(hub: Hub) -> None:
    with hub.client() as client:
        answer = client.get("/login")
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


def test_the_openapi_schema_documents_the_api(hub: Hub) -> None:
    with hub.client() as client:
        schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/connections", "/api/v1/runs", "/api/v1/users"} <= set(schema["paths"])
    assert not any(p.startswith("/connections") for p in schema["paths"])
