"""Every response the Akeneo sandbox serves matches Akeneo's OpenAPI spec.

Status codes and JSON shapes are checked against ../shared/reference/akeneo (read in
place), for every implemented endpoint: lists with both kinds of pagination, single
resources, nested resources, Enterprise-only resources, and error responses.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.conformance._spec import check, spec

sandbox_module = pytest.importorskip("pimsync.sandbox.akeneo")
API = "/api/rest/v1"


@pytest.fixture(scope="module")
def pim() -> Iterator[httpx.Client]:
    spec()  # skips the module when the spec is absent
    sandbox = sandbox_module.AkeneoSandbox.demo(products=150, edition="enterprise")
    creds = sandbox.credentials
    with sandbox_module.serve(sandbox) as base_url, httpx.Client(base_url=base_url) as client:
        basic = base64.b64encode(f"{creds.client_id}:{creds.secret}".encode()).decode()
        token = client.post(
            "/api/oauth/v1/token",
            json={"grant_type": "password", "username": creds.username, "password": creds.password},
            headers={"Authorization": f"Basic {basic}"},
        )
        check("/api/oauth/v1/token", "post", 200, token.status_code, token.json())
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def get(client: httpx.Client, url: str, template: str, status: int = 200) -> Any:
    response = client.get(url)
    body = orjson.loads(response.content) if response.content else None
    check(template, "get", status, response.status_code, body)
    return body


# (list template, item template, code field, nested: parent list template)
RESOURCES = [
    ("/products-uuid", "/products-uuid/{uuid}", "uuid"),
    ("/products", "/products/{code}", "identifier"),
    ("/product-models", "/product-models/{code}", "code"),
    ("/families", "/families/{code}", "code"),
    ("/attributes", "/attributes/{code}", "code"),
    ("/attribute-groups", "/attribute-groups/{code}", "code"),
    ("/association-types", "/association-types/{code}", "code"),
    ("/channels", "/channels/{code}", "code"),
    ("/locales", "/locales/{code}", "code"),
    ("/categories", "/categories/{code}", "code"),
    ("/currencies", "/currencies/{code}", "code"),
    ("/media-files", "/media-files/{code}", "code"),
    ("/reference-entities", "/reference-entities/{code}", "code"),
    ("/asset-families", "/asset-families/{code}", "code"),
]


@pytest.mark.parametrize(
    ("list_path", "item_path", "field"), RESOURCES, ids=[r[0] for r in RESOURCES]
)
def test_lists_and_items_match_the_spec(
    pim: httpx.Client, list_path: str, item_path: str, field: str
) -> None:
    page = get(pim, f"{API}{list_path}?limit=10", API + list_path)
    items = page["_embedded"]["items"]
    assert items, f"the sandbox serves no {list_path}"
    nxt = page["_links"].get("next", {}).get("href")
    if nxt:
        get(pim, nxt, API + list_path)
    code = str(items[0][field])
    get(pim, f"{API}{item_path.split('{', maxsplit=1)[0]}{quote(code, safe='')}", API + item_path)


@pytest.mark.parametrize("path", ["/products-uuid", "/products", "/product-models"])
def test_search_after_pagination_matches_the_spec(pim: httpx.Client, path: str) -> None:
    url: str | None = f"{API}{path}?pagination_type=search_after&limit=100"
    pages = 0
    while url and pages < 3:
        page = get(pim, url, API + path)
        url = page["_links"].get("next", {}).get("href")
        pages += 1
    assert pages >= 1


def test_system_information_matches_the_spec(pim: httpx.Client) -> None:
    anonymous = httpx.get(f"{pim.base_url}{API}/system-information")  # no token needed
    check(f"{API}/system-information", "get", 200, anonymous.status_code, anonymous.json())


def test_measurement_families_match_the_spec(pim: httpx.Client) -> None:
    response = pim.get(f"{API}/measurement-families")
    body = response.json()
    check(f"{API}/measurement-families", "get", 200, response.status_code, body, each=True)
    assert body


NESTED = [
    ("/families", "/families/{family_code}/variants", "/families/{family_code}/variants/{code}"),
    (
        "/attributes",
        "/attributes/{attribute_code}/options",
        "/attributes/{attribute_code}/options/{code}",
    ),
    (
        "/reference-entities",
        "/reference-entities/{reference_entity_code}/records",
        "/reference-entities/{reference_entity_code}/records/{code}",
    ),
    (
        "/asset-families",
        "/asset-families/{asset_family_code}/assets",
        "/asset-families/{asset_family_code}/assets/{code}",
    ),
]


@pytest.mark.parametrize(("parents", "children", "child"), NESTED, ids=[n[1] for n in NESTED])
def test_nested_resources_match_the_spec(
    pim: httpx.Client, parents: str, children: str, child: str
) -> None:
    checked = 0
    for parent in get(pim, f"{API}{parents}?limit=100", API + parents)["_embedded"]["items"]:
        prefix = children.split("{", maxsplit=1)[0] + quote(parent["code"], safe="")
        suffix = children.split("}")[1]
        page = get(pim, f"{API}{prefix}{suffix}", API + children)
        for item in page["_embedded"]["items"][:1]:
            get(pim, f"{API}{prefix}{suffix}/{quote(item['code'], safe='')}", API + child)
            checked += 1
        if checked >= 2:
            break
    assert checked, f"no {children} found to check"


def test_error_responses_match_the_spec(pim: httpx.Client) -> None:
    anonymous = httpx.get(f"{pim.base_url}{API}/products-uuid")
    check(f"{API}/products-uuid", "get", 401, anonymous.status_code, anonymous.json())
    get(
        pim,
        f"{API}/products-uuid/00000000-0000-4000-8000-000000000000",
        f"{API}/products-uuid/{{uuid}}",
        404,
    )
    get(pim, f"{API}/products/no-such-sku", f"{API}/products/{{code}}", 404)
    get(pim, f"{API}/channels/no-such-channel", f"{API}/channels/{{code}}", 404)
    bad_search = quote(orjson.dumps({"updated": [{"operator": "??", "value": 1}]}).decode())
    get(pim, f"{API}/products-uuid?search={bad_search}", f"{API}/products-uuid", 422)
    get(pim, f"{API}/products-uuid?limit=1000", f"{API}/products-uuid", 422)
