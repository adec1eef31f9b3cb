"""`pimsync demo`: Akeneo → OroCommerce in one folder, checked, and made again on demand.

What Oro holds (``oro-products.json``) is compared with the Akeneo catalog the demo
generated (the same seed, built again here), never with what pimsync mapped.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from pimsync.cli import _demo
from pimsync.sandbox._server import serve_app
from pimsync.sandbox.akeneo import AkeneoSandbox
from tests.cli._cli import Invoke, one_error_line
from tests.web.conftest import _NoFaults, csrf_of

PRODUCTS = 60


def _value(raw: dict[str, Any], attribute: str, locale: str | None = None) -> Any:
    for entry in raw["values"].get(attribute, []):
        if entry["locale"] == locale:
            return entry["data"]
    return None


def _root(pim: AkeneoSandbox, model: str) -> str:
    parent = pim.store.product_models[model]["parent"]
    return model if parent is None else _root(pim, parent)


def _depth(pim: AkeneoSandbox, code: str) -> int:
    parent = pim.store.categories[code]["parent"]
    return 0 if parent is None else 1 + _depth(pim, parent)


def _tree(pim: AkeneoSandbox, code: str) -> str:
    parent = pim.store.categories[code]["parent"]
    return code if parent is None else _tree(pim, parent)


def _category_title(pim: AkeneoSandbox, codes: list[str]) -> str | None:
    """The label of the deepest category in the master tree (the job's root)."""
    in_tree = [c for c in codes if c != "master" and _tree(pim, c) == "master"]
    if not in_tree:
        return None
    label: str = pim.store.categories[max(in_tree, key=lambda c: _depth(pim, c))]["labels"]["en_US"]
    return label


def _check_against_akeneo(
    pim: AkeneoSandbox, raw: dict[str, Any], oro: dict[str, Any], renamed: bool
) -> None:
    suffix = " (new season)" if renamed else ""
    assert oro["type"] == "simple"
    assert oro["status"] == ("enabled" if raw["enabled"] else "disabled")
    assert oro["names"] == {
        "default": _value(raw, "name", "en_US") + suffix,
        **{loc: _value(raw, "name", loc) + suffix for loc in ("en_US", "fr_FR", "de_DE")},
    }
    expected_prices = sorted(
        (f"Akeneo {p['currency']}", p["currency"], Decimal(p["amount"]))
        for p in _value(raw, "price") or []
        if p["currency"] in ("EUR", "USD")
    )
    assert [
        (p["price_list"], p["currency"], Decimal(p["value"])) for p in oro["prices"]
    ] == expected_prices
    picture = _value(raw, "picture")
    assert oro["images"] == (
        [
            {
                "filename": picture.rsplit("/", 1)[-1],
                "types": ["listing", "main"],
                "size": len(pim.store.media_files[picture].content),
            }
        ]
        if picture
        else []
    )
    assert oro["category"] == _category_title(pim, raw["categories"])
    assert oro["brand"] == _value(raw, "brand")
    assert oro["variants"] == []


def test_demo_runs_twice_and_leaves_oro_holding_the_catalog(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo keeps to its own folder, whatever the environment points at.
    monkeypatch.setenv("PIMSYNC_DATABASE_URL", "postgresql://u@127.0.0.1:1/x")
    folder = tmp_path / "demo"
    csv_path = folder / "oro-attributes.csv"

    # A small demo first: the second one replaces its folder and starts afresh.
    for count in (5, PRODUCTS):
        pim = AkeneoSandbox.demo(products=count)  # the catalog the demo generates
        roots = sorted(c for c, m in pim.store.product_models.items() if m["parent"] is None)
        everything = count + len(roots)
        result = invoke("demo", "--dir", str(folder), "--products", str(count))

        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        out = result.stdout
        assert f"Akeneo sandbox serving {count} generated products at http://127.0.0.1:" in out
        assert "Oro sandbox (companion API config), no products yet, at http://127.0.0.1:" in out
        steps = re.findall(r"^step (\d)/6: ", out, re.MULTILINE)
        assert steps == ["1", "2", "3", "4", "5", "6"]
        # 1: the structure is refused until the admin has imported the attributes
        assert "run 1 of oro-structure (full): partial: " in out
        assert "blocking: attribute color (enum) does not exist in Oro" in out
        assert f"import {csv_path} (5 attribute(s)" in out
        assert f"wrote 5 attribute(s) to {csv_path}" in out
        assert "as the Oro admin would: imported oro-attributes.csv (color, size, " in out
        # 2: then it is in step
        assert "run 2 of oro-structure (full): succeeded: " in out
        assert "Oro now has 3 price lists" in out
        # 3-6: the products
        assert (
            f"run 3 of oro-products (full): succeeded: {everything} extracted, "
            f"{everything} created, 0 unchanged, 0 rejected"
        ) in out
        assert "run 4 of oro-products (diff): succeeded: 0 extracted, 0 written" in out
        assert "run 5 of oro-products (diff): succeeded: 3 extracted, 3 updated, 0 unchanged" in (
            out
        )
        assert (
            f"run 6 of oro-products (full): succeeded: {everything - 1} extracted, 1 disabled"
        ) in out
        # where to look
        assert f"{folder / 'oro-products.json'}  ({everything} products as Oro holds them)" in out
        assert f"export PIMSYNC_HOME={folder / '.pimsync'}" in out
        assert "unset PIMSYNC_DATABASE_URL" in out
        assert "pimsync oro check oro-products" in out
        assert "pimsync mapping preview oro-products " in out
        assert f"pimsync sandbox akeneo --products {count} --port " in out
        assert f"pimsync sandbox oro --companion --attributes-csv {csv_path} --port " in out

    renamed_line = re.search(r"^renamed 3 products in Akeneo: (.+)$", out, re.MULTILINE)
    deleted_line = re.search(r"^deleted (\S+) in Akeneo$", out, re.MULTILINE)
    assert renamed_line and deleted_line
    renamed, deleted = renamed_line[1].split(", "), deleted_line[1]

    # the files: the project, the attribute import file, the catalog, Oro's products
    text = (folder / "pimsync.toml").read_text()
    assert "pimsync-oro-secret" not in text  # secrets are stored encrypted, never here
    assert "pimsync-secret" not in text
    project = tomllib.loads(text)
    assert project["connections"]["shop"]["kind"] == "oro"
    assert project["connections"]["shop"]["client_secret"] == {"stored": True}
    structure, products = project["jobs"]["oro-structure"], project["jobs"]["oro-products"]
    assert (structure["flow"], products["flow"]) == ("oro.structure", "oro.products")
    assert products["requires"] == ["oro-structure"]
    assert products["schedule"] == "*/15 * * * *"
    assert structure["options"] == products["options"]
    csv_rows = csv_path.read_text().splitlines()
    assert [row.split(",")[0] for row in csv_rows[1:]] == [
        "color",
        "size",
        "weight_g",
        "eco_label",
        "release_date",
    ]
    catalog = [orjson.loads(line) for line in (folder / "catalog.jsonl").read_bytes().splitlines()]
    assert sorted(p["identifier"] for p in catalog) == sorted(pim.store.identifier_order())

    snapshot = {p["sku"]: p for p in orjson.loads((folder / "oro-products.json").read_bytes())}
    assert sorted(snapshot) == sorted([*pim.store.identifier_order(), *roots])
    assert snapshot[deleted]["status"] == "disabled"
    raw = {p["identifier"]: p for p in pim.store.products.values()}
    variants = [
        sku
        for sku in pim.store.identifier_order()
        if sku not in renamed
        and sku != deleted
        and _value(raw[sku], "picture")
        and raw[sku].get("parent")
    ]
    samples = [renamed[0], *variants[:3]]
    for sku in samples:
        assert snapshot[sku]["prices"]
        assert snapshot[sku]["category"]
        _check_against_akeneo(pim, raw[sku], snapshot[sku], sku in renamed)
    for code in roots:
        children = sorted(
            p["identifier"]
            for p in pim.store.products.values()
            if p.get("parent") and _root(pim, p["parent"]) == code
        )
        assert snapshot[code]["type"] == "configurable"
        assert snapshot[code]["variants"] == children

    monkeypatch.delenv("PIMSYNC_DATABASE_URL")
    home = str(folder / ".pimsync")
    runs = orjson.loads(invoke("--home", home, "runs", "list", "--json").stdout)
    assert [r["run_id"] for r in runs] == [6, 5, 4, 3, 2, 1]  # the second demo started afresh
    jobs = invoke("--home", home, "jobs", "list").stdout
    assert "oro-structure" in jobs
    assert "oro-products" in jobs


def test_demo_stops_at_the_first_step_that_is_not_as_expected(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without custom attributes Oro lacks nothing, so the first structure run succeeds.
    monkeypatch.setattr(_demo, "OPTIONS", {**_demo.OPTIONS, "attributes": []})

    result = invoke("demo", "--dir", str(tmp_path / "demo"), "--products", "5")

    assert result.exit_code == 3
    assert one_error_line(result) == (
        "error: demo step 1: expected a partial run (got succeeded), 1 rejected (got 0) "
        "in stream structure: see `pimsync runs show 1`"
    )
    assert "step 2/6" not in result.stdout


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path, invoke: Invoke) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")

    result = invoke("demo", "--dir", str(folder), "--products", "5")

    assert result.exit_code == 2
    assert "was not made by `pimsync demo`" in one_error_line(result)
    assert (folder / "thesis.tex").exists()


def test_demo_opens_the_web_app_on_its_result_with_the_sandboxes_running(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    add_user = _demo.add_user

    def recording_add_user(conn: Any, name: str, password: str, role: Any) -> Any:
        seen["login"] = (name, password)
        return add_user(conn, name, password, role)

    def serve(app: Any, port: int) -> None:
        """What a person does in the browser the demo points at."""
        seen["port"] = port
        name, password = seen["login"]
        with (
            serve_app(app, _NoFaults(), name="hub") as url,
            httpx.Client(base_url=url, follow_redirects=True) as browser,
        ):
            form = browser.get("/login")
            signed_in = browser.post(
                "/login",
                data={"username": name, "password": password, "csrf_token": csrf_of(form)},
            )
            assert signed_in.status_code == 200, signed_in.text
            seen["dashboard"] = signed_in.text
            page = browser.get("/connections")
            tested = browser.post("/connections/shop/test", data={"csrf_token": csrf_of(page)})
            seen["test"] = tested.text

    monkeypatch.setattr(_demo, "add_user", recording_add_user)
    monkeypatch.setattr(_demo, "_uvicorn", serve)

    result = invoke("demo", "--dir", str(tmp_path / "demo"), "--products", "5", "--ui")

    assert result.exit_code == 0, result.output
    name, password = seen["login"]
    assert f"the hub's web app: http://127.0.0.1:{seen['port']}/" in result.stdout
    assert f"sign in as {name} with the password {password}" in result.stdout
    dashboard = seen["dashboard"]
    assert re.search(r"<td>oro-products</td>.*?status-succeeded", dashboard, re.S)
    assert "health-ok" in dashboard and "Needs attention" not in dashboard
    assert "connection shop works" in seen["test"]  # the Oro sandbox still serves
    # The sandboxes stop with the web app; the demo then says how to serve them again.
    assert result.stdout.index("sign in as") < result.stdout.index("the sandboxes stopped")


def test_demo_without_a_terminal_does_not_serve_the_web_app(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_demo, "_uvicorn", lambda app, port: pytest.fail("served"))
    result = invoke("demo", "--dir", str(tmp_path / "demo"), "--products", "5")
    assert result.exit_code == 0, result.output
    assert "the hub's web app" not in result.stdout
