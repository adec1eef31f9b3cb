"""Stock reference data, read-only categories (405) vs the companion config, paging, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from pimsync.sandbox.oro import OroSandbox, serve
from tests.sandbox_oro.conftest import API, connect, product_doc

CATEGORY = {"data": {"type": "categories", "attributes": {}}}


def test_stock_reference_data(oro: httpx.Client) -> None:
    localizations = oro.get(f"{API}/localizations").json()["data"]
    assert [loc["attributes"]["title"] for loc in localizations] == [
        "English (United States)",
        "French (France)",
        "German (Germany)",
    ]
    units = {u["id"] for u in oro.get(f"{API}/productunits").json()["data"]}
    assert {"each", "item", "set"} <= units
    family = oro.get(f"{API}/attributefamilies/1").json()["data"]
    assert family["attributes"]["code"] == "default_family"
    price_list = oro.get(f"{API}/pricelists/1").json()["data"]
    assert price_list["attributes"]["priceListCurrencies"] == ["USD"]
    tree = oro.get(f"{API}/categories", params={"include": "titles"}).json()
    assert tree["data"][0]["relationships"]["parentCategory"]["data"] is None
    assert any(i["attributes"]["string"] == "All Products" for i in tree["included"])


def test_categories_are_read_only_in_stock_oro(oro: httpx.Client) -> None:
    response = oro.post(f"{API}/categories", json=CATEGORY)
    assert response.status_code == 405
    assert response.content == b""
    assert response.headers["Allow"] == "GET"
    assert oro.delete(f"{API}/categories/2").status_code == 405


def test_companion_config_makes_categories_writable() -> None:
    sb = OroSandbox(companion_categories=True)
    with serve(sb) as url, httpx.Client(base_url=url) as client:
        connect(client, sb)
        doc = {
            "data": {
                "type": "categories",
                "relationships": {
                    "titles": {"data": [{"type": "localizedfallbackvalues", "id": "t"}]},
                    "parentCategory": {"data": {"type": "categories", "id": "1"}},
                },
            },
            "included": [
                {"type": "localizedfallbackvalues", "id": "t", "attributes": {"string": "Shoes"}}
            ],
        }
        response = client.post(f"{API}/categories", json=doc)
        assert response.status_code == 201, response.text
        assert sb.count("categories") == 6


def test_pagination_walks_every_product(oro: httpx.Client, sandbox: OroSandbox) -> None:
    for n in range(23):
        sandbox.create("products", product_doc(f"PAGE-{n:03d}"))
    seen: list[str] = []
    url: str | None = f"{API}/products"
    pages = 0
    while url:
        body = oro.get(url).json()
        seen += [p["attributes"]["sku"] for p in body["data"]]
        url = body["links"].get("next")
        pages += 1
    assert pages == 3  # default page size 10
    assert seen == [f"PAGE-{n:03d}" for n in range(23)]
    body = oro.get(f"{API}/products", params={"page[size]": "-1"}).json()
    assert len(body["data"]) == 23
    assert "next" not in body["links"]
    second = oro.get(f"{API}/products", params={"page[number]": "2", "page[size]": "20"}).json()
    assert "prev" in second["links"] and "next" not in second["links"]
    counted = oro.get(f"{API}/products", headers={"X-Include": "totalCount;noHateoas"})
    assert counted.headers["X-Include-Total-Count"] == "23"
    assert "links" not in counted.json()


def test_filters() -> None:
    moment = [datetime(2025, 6, 1, tzinfo=UTC)]
    sb = OroSandbox(clock=lambda: moment[0])
    ids = [sb.create("products", product_doc(f"F-{n}"))["id"] for n in range(4)]
    moment[0] += timedelta(hours=1)
    sb.create("products", product_doc("LATE-1"))
    with serve(sb) as url, httpx.Client(base_url=url) as client:
        connect(client, sb)

        def skus(**params: str) -> list[str]:
            response = client.get(f"{API}/products", params=params)
            assert response.status_code == 200, response.text
            return [p["attributes"]["sku"] for p in response.json()["data"]]

        assert skus(**{"filter[sku]": "F-1,F-3"}) == ["F-1", "F-3"]
        assert skus(**{"filter[id]": f"{ids[1]}..{ids[2]}"}) == ["F-1", "F-2"]
        assert skus(**{"filter[updatedAt][gt]": "2025-06-01T00:30:00Z"}) == ["LATE-1"]
        assert skus(**{"filter[updatedAt][lte]": "2025-06-01T00:00:00+00:00"}) == [
            f"F-{n}" for n in range(4)
        ]
        assert skus(sort="-sku")[0] == "LATE-1"
        bad = client.get(f"{API}/products", params={"filter[color]": "red"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["source"]["parameter"] == "filter[color]"
