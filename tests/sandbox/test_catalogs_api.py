"""Catalogs for Apps on the sandbox PIM, driven over HTTP with app tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pimsync.catalogs import CatalogSpec, matches
from pimsync.mapping import AkeneoAttribute, AkeneoMetadata
from pimsync.model import MeasurementFamily, Product
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._catalogs_api import catalogs_api
from tests.sandbox._apps import (
    CALLBACK,
    TOKEN,
    Browser,
    activate,
    token_form,
)

CATALOGS = "/api/rest/v1/catalogs"
ALL_SCOPES = "read_products read_catalogs write_catalogs delete_catalogs"
CRITERIA: list[dict[str, Any]] = [
    {"field": "enabled", "operator": "=", "value": True},
    {"field": "family", "operator": "IN", "value": ["chairs", "tshirts", "shoes"]},
    {"field": "categories", "operator": "IN CHILDREN", "value": ["master"]},
    {
        "field": "weight",
        "operator": "<",
        "value": {"amount": 2500, "unit": "GRAM"},
        "scope": None,
        "locale": None,
    },
]


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=80, seed=3)


@pytest.fixture(scope="module")
def base_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def app_client(pim: AkeneoSandbox, browser: Browser, scope: str = ALL_SCOPES) -> httpx.Client:
    """An httpx client holding the token of a freshly activated app."""
    app = pim.register_app(CALLBACK)
    code = activate(browser, app, scope)
    answer = httpx.post(browser.client.base_url.join(TOKEN), data=token_form(app, code))
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    return httpx.Client(
        base_url=browser.client.base_url, headers={"Authorization": f"Bearer {token}"}
    )


def expected_uuids(pim: AkeneoSandbox, criteria: list[dict[str, Any]]) -> list[str]:
    """What pimsync.catalogs.matches selects on the sandbox's raw data, built by hand."""
    store = pim.store
    metadata = AkeneoMetadata(
        attributes={
            code: AkeneoAttribute(
                code,
                a["type"],
                localizable=a["localizable"],
                scopable=a["scopable"],
                metric_family=a.get("metric_family"),
                default_metric_unit=a.get("default_metric_unit"),
            )
            for code, a in store.attributes.items()
        },
        measurement_families={
            code: MeasurementFamily.from_akeneo(m) for code, m in store.measurement_families.items()
        },
        categories={code: c.get("parent") for code, c in store.categories.items()},
    )
    spec = CatalogSpec.model_validate({"criteria": criteria})
    return sorted(
        u for u, raw in store.products.items() if matches(spec, Product.from_akeneo(raw), metadata)
    )


def walk(client: httpx.Client, path: str, **params: Any) -> list[Any]:
    """Every item of a search_after list, following the next links."""
    items: list[Any] = []
    url: str | None = path
    query: dict[str, Any] | None = params
    while url is not None:
        page = client.get(url, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["_embedded"]["items"])
        url = body["_links"].get("next", {}).get("href")
        query = None
    return items


def test_catalog_lifecycle(pim: AkeneoSandbox, browser: Browser) -> None:
    with app_client(pim, browser) as client:
        created = client.post(CATALOGS, json={"name": "Store FR"})
        assert created.status_code == 201, created.text
        catalog = created.json()
        assert set(catalog) == {"id", "name", "enabled"}
        assert catalog["name"] == "Store FR"
        assert catalog["enabled"] is False  # new catalogs are disabled
        assert uuid.UUID(catalog["id"]).version == 4
        one = f"{CATALOGS}/{catalog['id']}"
        stored = catalogs_api(pim).catalogs[catalog["id"]]
        assert vars(pim)["catalogs_api"] is catalogs_api(pim)  # sb.catalogs_api
        assert stored.criteria == [{"field": "enabled", "operator": "=", "value": True}]

        listed = client.get(CATALOGS)
        assert listed.status_code == 200
        assert listed.json()["_embedded"]["items"] == [catalog]
        assert client.get(one).json() == catalog

        renamed = client.patch(one, json={"name": "Store France"})
        assert renamed.status_code == 200
        assert renamed.json() == {**catalog, "name": "Store France"}
        assert client.get(one).json()["name"] == "Store France"
        assert client.post(CATALOGS, json={"name": ""}).status_code == 422

        deleted = client.delete(one)
        assert deleted.status_code == 204
        gone = client.get(one)
        assert gone.status_code == 404
        assert gone.json()["message"] == (
            f'Catalog "{catalog["id"]}" does not exist or you can\'t access it.'
        )
        assert client.get(CATALOGS).json()["_embedded"]["items"] == []


def test_disabled_catalog_answers_200_with_an_error(pim: AkeneoSandbox, browser: Browser) -> None:
    with app_client(pim, browser) as client:
        catalog_id = client.post(CATALOGS, json={"name": "Off"}).json()["id"]
        for tail in ("product-uuids", "products"):
            answer = client.get(f"{CATALOGS}/{catalog_id}/{tail}")
            assert answer.status_code == 200
            assert answer.json() == {
                "error": f"No products to synchronize. The catalog {catalog_id} has been "
                "disabled on the PIM side. Note that you can get catalogs status with the "
                "GET /api/rest/v1/catalogs endpoint."
            }


def test_configured_catalog_selects_what_matches_selects(
    pim: AkeneoSandbox, browser: Browser
) -> None:
    with app_client(pim, browser) as client:
        catalog_id = client.post(CATALOGS, json={"name": "Light furniture"}).json()["id"]
        catalogs_api(pim).configure(
            catalog_id,
            criteria=CRITERIA,
            value_filters={"locales": ["en_US"], "channels": ["ecommerce"], "currencies": ["EUR"]},
            enabled=True,
        )
        assert client.get(f"{CATALOGS}/{catalog_id}").json()["enabled"] is True
        expected = expected_uuids(pim, CRITERIA)
        assert 0 < len(expected) < len(pim.store.products)

        uuids = walk(client, f"{CATALOGS}/{catalog_id}/product-uuids", limit=7)
        assert uuids == expected
        first = client.get(f"{CATALOGS}/{catalog_id}/product-uuids").json()
        assert first["_embedded"]["items"] == expected[:100]

        products = walk(client, f"{CATALOGS}/{catalog_id}/products", limit=5)
        assert [p["uuid"] for p in products] == expected
        keys = {
            "uuid",
            "enabled",
            "family",
            "categories",
            "groups",
            "parent",
            "values",
            "associations",
            "quantified_associations",
            "created",
            "updated",
        }
        for product in products:
            assert set(product) == keys
            for entries in product["values"].values():
                for entry in entries:
                    assert entry["locale"] in (None, "en_US")
                    assert entry["scope"] in (None, "ecommerce")
            for entry in product["values"].get("price", []):
                assert {p["currency"] for p in entry["data"]} <= {"EUR"}

        one = client.get(f"{CATALOGS}/{catalog_id}/products/{expected[0]}")
        assert one.status_code == 200
        assert one.json()["uuid"] == expected[0]
        outside = sorted(set(pim.store.products) - set(expected))[0]
        assert client.get(f"{CATALOGS}/{catalog_id}/products/{outside}").status_code == 404

        assert client.get(f"{CATALOGS}/{catalog_id}/product-uuids?limit=1001").status_code == 422
        bad_date = client.get(
            f"{CATALOGS}/{catalog_id}/product-uuids", params={"updated_after": "2024-05-01"}
        )
        assert bad_date.status_code == 422
        future = client.get(
            f"{CATALOGS}/{catalog_id}/product-uuids",
            params={"updated_after": "2999-01-01T00:00:00+00:00"},
        )
        assert future.json()["_embedded"]["items"] == []


def test_configure_refuses_what_the_pim_refuses(pim: AkeneoSandbox, browser: Browser) -> None:
    with app_client(pim, browser) as client:
        catalog_id = client.post(CATALOGS, json={"name": "Strict"}).json()["id"]
    api = catalogs_api(pim)
    with pytest.raises(ValueError, match="unknown attribute"):
        api.configure(
            catalog_id,
            criteria=[
                {"field": "nope", "operator": "=", "value": "x", "scope": None, "locale": None}
            ],
        )
    with pytest.raises(ValueError, match="at most 25"):
        api.configure(catalog_id, criteria=[CRITERIA[0]] * 26)
    with pytest.raises(KeyError):
        api.configure("not-a-catalog", enabled=True)


def test_another_apps_catalog_is_404(pim: AkeneoSandbox, browser: Browser) -> None:
    with app_client(pim, browser) as owner, app_client(pim, browser) as other:
        catalog_id = owner.post(CATALOGS, json={"name": "Mine"}).json()["id"]
        catalogs_api(pim).configure(catalog_id, enabled=True)
        path = f"{CATALOGS}/{catalog_id}"
        for answer in (
            other.get(path),
            other.patch(path, json={"name": "Theirs"}),
            other.delete(path),
            other.get(f"{path}/product-uuids"),
            other.get(f"{path}/products"),
        ):
            assert answer.status_code == 404, answer.text
        assert other.get(CATALOGS).json()["_embedded"]["items"] == []
        assert owner.get(path).json()["name"] == "Mine"


def test_missing_scopes_are_403(pim: AkeneoSandbox, browser: Browser) -> None:
    with app_client(pim, browser, "read_products read_catalogs") as reader:
        assert reader.get(CATALOGS).status_code == 200
        refused = reader.post(CATALOGS, json={"name": "No"})
        assert refused.status_code == 403
        assert refused.json()["message"].startswith("Access forbidden.")
    with app_client(pim, browser, "write_catalogs") as writer:
        catalog_id = writer.post(CATALOGS, json={"name": "No products"}).json()["id"]
        assert writer.delete(f"{CATALOGS}/{catalog_id}").status_code == 403
        catalogs_api(pim).configure(catalog_id, enabled=True)
        no_products = writer.get(f"{CATALOGS}/{catalog_id}/product-uuids")
        assert no_products.status_code == 403
        assert no_products.json()["message"] == (
            "Access forbidden. You are not allowed to access products."
        )
    with app_client(pim, browser, "read_products") as outsider:
        assert outsider.get(CATALOGS).status_code == 403
