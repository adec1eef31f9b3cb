"""Connections in the web app and the API: validation by field, the connection limit,
secrets that never come back."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pimsync.state._users import create_token
from tests.web.conftest import Hub, csrf_of


def add_form(hub: Hub, browser: object, **fields: str) -> object:
    page = browser.get("/connections")  # type: ignore[attr-defined]
    return browser.post("/connections", data={"csrf_token": csrf_of(page), **fields})  # type: ignore[attr-defined]


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]*)">([^<]*)<', html))


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(hub: Hub) -> None:
    browser = hub.sign_in("max")
    cases = [
        ({"name": "Bad Name", "kind": "directory", "settings": "path=/tmp/x"}, "name"),
        ({"name": "shop", "kind": "directory", "settings": ""}, "path"),
        ({"name": "shop", "kind": "akeneo", "settings": "url=not a url"}, "url"),
        ({"name": "shop", "kind": "directory", "settings": "path=/x\npassword=1"}, "password"),
    ]
    for fields, field in cases:
        answer = add_form(hub, browser, **fields)
        assert answer.status_code == 422, fields  # type: ignore[attr-defined]
        errors = field_errors(answer.text)  # type: ignore[attr-defined]
        assert field in errors, (fields, errors)
        # The form keeps what was typed, so only the bad field needs fixing.
        assert f'value="{fields["name"]}"' in answer.text  # type: ignore[attr-defined]
    unknown = add_form(hub, browser, name="shop", kind="ftp", settings="")
    assert "unknown kind &#39;ftp&#39;" in unknown.text  # type: ignore[attr-defined]
    assert hub.runner.project().connections == {}


def test_secrets_are_stored_and_only_said_to_be_set(hub: Hub) -> None:
    browser = hub.sign_in("max")
    secret = "s3cr3t-value-never-shown"
    added = add_form(
        hub, browser, name="pim", kind="akeneo",
        settings="url=https://pim.example.com\nclient_id=abc\nusername=u",
        secrets=f"secret={secret}\npassword={secret}",
    )  # fmt: skip
    assert added.status_code == 200, added.text  # type: ignore[attr-defined]
    assert "added connection pim" in added.text  # type: ignore[attr-defined]
    page = browser.get("/connections")
    assert "secret: set" in page.text and "password: set" in page.text
    assert secret not in page.text
    with hub.runner.db.begin() as conn:
        token = create_token(conn, "val", "t")
    with hub.client(headers={"Authorization": f"Bearer {token}"}) as api:
        listed = api.get("/api/v1/connections").json()
        one = api.get("/api/v1/connections/pim").json()
    assert secret not in str(listed) and secret not in str(one)
    assert one["secrets"]["secret"] == "set"
    assert one["secrets"]["app_client_secret"] == "not set"
    data = b"".join(p.read_bytes() for p in hub.home.glob("pimsync.db*"))
    assert secret.encode() not in data


def test_the_connection_limit_refuses_one_more(
    make_hub: Callable[..., Hub], tmp_path: Path
) -> None:
    hub = make_hub(max_connections=2)
    with hub.runner.db.begin() as conn:
        token = create_token(conn, "max", "t")
    body = {"kind": "directory", "settings": {"path": str(tmp_path)}}
    with hub.client(headers={"Authorization": f"Bearer {token}"}) as api:
        for name in ("a", "b"):
            assert api.post("/api/v1/connections", json={"name": name, **body}).status_code == 201
        refused = api.post("/api/v1/connections", json={"name": "c", **body})
        again = api.post("/api/v1/connections", json={"name": "a", **body})
        replaced = api.post("/api/v1/connections", json={"name": "a", "replace": True, **body})
    assert refused.status_code == 409
    assert "3 connections: the hub holds at most 2" in refused.json()["detail"]
    assert again.status_code == 409 and "exists" in again.json()["problems"]["name"]
    assert replaced.status_code == 201  # replacing does not count as one more
    browser = hub.sign_in("max")
    page = browser.get("/connections")
    assert "2 of 2 connections: the limit is reached" in page.text
    form = add_form(hub, browser, name="c", kind="directory", settings=f"path={tmp_path}")
    assert form.status_code == 422  # type: ignore[attr-defined]
    assert "the hub holds at most 2" in form.text  # type: ignore[attr-defined]
    assert set(hub.runner.project().connections) == {"a", "b"}


def test_a_connection_used_by_a_job_is_not_removed(hub: Hub, tmp_path: Path) -> None:
    browser = hub.sign_in("max")
    (tmp_path / "catalog.jsonl").write_text("")
    add_form(hub, browser, name="src", kind="jsonl", settings=f"path={tmp_path}/catalog.jsonl")
    tested = browser.post(
        "/connections/src/test", data={"csrf_token": csrf_of(browser.get("/connections"))}
    )
    assert "connection src works" in tested.text
    assert (
        browser.post("/connections/src/remove", data={"csrf_token": csrf_of(tested)}).status_code
        == 200
    )
    assert hub.runner.project().connections == {}
