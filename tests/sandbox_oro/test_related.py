"""Records included by back-reference: prices, images with files, texts, slugs; delete lists."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx

from pimsync.sandbox.oro import OroSandbox
from tests.sandbox_oro.conftest import API, price_item, product_doc, with_prices

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 24).decode()


def image_items(temp: str, filename: str, *types: str) -> list[dict[str, Any]]:
    """An included productimages record, its files record and its productimagetypes."""
    type_ids = [f"{temp}-t{n}" for n in range(len(types))]
    return [
        {
            "type": "productimages",
            "id": temp,
            "relationships": {
                "product": {"data": {"type": "products", "id": "p"}},
                "image": {"data": {"type": "files", "id": f"{temp}-f"}},
                "types": {"data": [{"type": "productimagetypes", "id": t} for t in type_ids]},
            },
        },
        {
            "type": "files",
            "id": f"{temp}-f",
            "attributes": {"mimeType": "image/png", "originalFilename": filename, "content": PNG},
        },
        *(
            {"type": "productimagetypes", "id": t, "attributes": {"productImageTypeType": kind}}
            for t, kind in zip(type_ids, types, strict=True)
        ),
    ]


def full_doc(sku: str) -> dict[str, Any]:
    doc = with_prices(
        product_doc(sku), price_item("pr1"), price_item("pr2", value=5, price_list="2")
    )
    links = doc["data"]["relationships"]
    links["shortDescriptions"] = {"data": [{"type": "productshortdescriptions", "id": "sd"}]}
    links["slugPrototypes"] = {"data": [{"type": "localizedfallbackvalues", "id": "slug"}]}
    links["images"] = {
        "data": [{"type": "productimages", "id": "i1"}, {"type": "productimages", "id": "i2"}]
    }
    doc["included"] += [
        {
            "type": "productshortdescriptions",
            "id": "sd",
            "attributes": {"fallback": None, "text": "Short"},
        },
        {
            "type": "localizedfallbackvalues",
            "id": "slug",
            "attributes": {"fallback": None, "string": sku.lower()},
        },
        *image_items("i1", "front.png", "main", "listing"),
        *image_items("i2", "back.png", "additional"),
    ]
    return doc


def _price_list(sb: OroSandbox) -> None:
    sb.create(
        "pricelists",
        {
            "data": {
                "type": "pricelists",
                "attributes": {"name": "EU", "priceListCurrencies": ["USD", "EUR"]},
            }
        },
    )


def test_one_document_carries_prices_images_and_texts(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    _price_list(sandbox)
    response = oro.post(f"{API}/products", json=full_doc("FULL-1"))
    assert response.status_code == 201, response.text
    product_id = response.json()["data"]["id"]
    prices = sandbox.product_prices("FULL-1")
    assert [(p["price_list"], p["value"]) for p in prices] == [
        ("1", Decimal("9.99")),
        ("2", Decimal(5)),
    ]
    images = sandbox.product_images("full-1")
    assert [(i["filename"], i["types"], i["size"]) for i in images] == [
        ("front.png", ["listing", "main"], 32),
        ("back.png", ["additional"], 32),
    ]
    read = oro.get(
        f"{API}/products/{product_id}",
        params={"include": "shortDescriptions,slugPrototypes,images.image"},
    )
    included = {
        (i["type"], i["attributes"].get("text") or i["attributes"].get("string") or "")
        for i in read.json()["included"]
    }
    assert ("productshortdescriptions", "Short") in included
    assert ("localizedfallbackvalues", "full-1") in included
    file_id = images[0]["file_id"]
    file = oro.get(f"{API}/files/{file_id}").json()["data"]["attributes"]
    assert file["originalFilename"] == "front.png" and file["content"] == PNG
    assert oro.get(f"{API}/files").status_code == 405  # files has no list

    # PATCH keeps the first image by id and drops the second with its file and types
    patch = {
        "data": {
            "type": "products",
            "id": product_id,
            "relationships": {
                "images": {"data": [{"type": "productimages", "id": images[0]["id"]}]}
            },
        }
    }
    assert oro.patch(f"{API}/products/{product_id}", json=patch).status_code == 200
    assert [i["filename"] for i in sandbox.product_images("FULL-1")] == ["front.png"]
    assert sandbox.count("files") == 1
    assert sandbox.count("productimagetypes") == 2

    assert oro.delete(f"{API}/products/{product_id}").status_code == 204
    assert (
        sandbox.count("productprices")
        == sandbox.count("productimages")
        == sandbox.count("files")
        == 0
    )


def test_price_rules(oro: httpx.Client, sandbox: OroSandbox) -> None:
    def error(doc: dict[str, Any]) -> dict[str, Any]:
        response = oro.post(f"{API}/products", json=doc)
        assert response.status_code == 400, response.text
        return dict(response.json()["errors"][0])

    duplicate = with_prices(product_doc("PR-1"), price_item("a"), price_item("b", value=3))
    assert error(duplicate)["title"] == "unique entity constraint"
    euro = with_prices(product_doc("PR-1"), price_item("a", currency="EUR"))
    assert error(euro)["source"]["pointer"] == "/included/3/attributes/currency"
    kilos = with_prices(product_doc("PR-1"), price_item("a"))
    kilos["included"][3]["relationships"]["unit"]["data"]["id"] = "kg"
    assert error(kilos)["source"]["pointer"] == "/included/3/relationships/unit/data"
    assert sandbox.count("products") == 0


def test_image_and_file_rules(oro: httpx.Client) -> None:
    def error(doc: dict[str, Any]) -> dict[str, Any]:
        response = oro.post(f"{API}/products", json=doc)
        assert response.status_code == 400, response.text
        return dict(response.json()["errors"][0])

    doc = product_doc("IMG-1")
    doc["data"]["id"] = "p"
    doc["data"]["relationships"]["images"] = {
        "data": [{"type": "productimages", "id": "i1"}, {"type": "productimages", "id": "i2"}]
    }
    doc["included"] += image_items("i1", "a.png", "main") + image_items("i2", "b.png", "main")
    assert error(doc)["title"] == "product image collection constraint"
    doc["included"][-1]["attributes"]["productImageTypeType"] = "listing"
    doc["included"][4]["attributes"].pop("originalFilename")
    assert error(doc)["source"]["pointer"] == "/included/4/attributes/originalFilename"
    doc["included"][4]["attributes"]["originalFilename"] = "a.png"
    doc["included"][4]["attributes"]["content"] = base64.b64encode(
        b"x" * (10 * 1024 * 1024 + 1)
    ).decode()
    big = error(doc)
    assert big["title"] == "file constraint"
    assert "10 MB" in big["detail"]
    doc["included"][4]["attributes"]["content"] = PNG
    assert oro.post(f"{API}/products", json=doc).status_code == 201


def test_delete_list_of_prices_by_id(oro: httpx.Client, sandbox: OroSandbox) -> None:
    _price_list(sandbox)
    doc = with_prices(product_doc("DEL-1"), price_item("a"), price_item("b", "EUR", 2, "2"))
    sandbox.create("products", with_prices(doc, price_item("c", "USD", 3, "2")))
    ids = [p["id"] for p in sandbox.product_prices("DEL-1")]
    assert len(ids) == 3
    response = oro.delete(
        f"{API}/productprices",
        params={"filter[id]": f"{ids[0]},{ids[2]}"},
        headers={"X-Include": "deletedCount"},
    )
    assert response.status_code == 204
    assert response.headers["X-Include-Deleted-Count"] == "2"
    assert [p["id"] for p in sandbox.product_prices("DEL-1")] == [ids[1]]
    assert oro.delete(f"{API}/productprices").status_code == 400  # a filter is required


def test_slug_and_short_description_are_replaced_on_patch(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    _price_list(sandbox)
    created = oro.post(f"{API}/products", json=full_doc("SLUG-1")).json()["data"]
    patch = {
        "data": {
            "type": "products",
            "id": created["id"],
            "relationships": {
                "slugPrototypes": {"data": [{"type": "localizedfallbackvalues", "id": "s"}]}
            },
        },
        "included": [
            {"type": "localizedfallbackvalues", "id": "s", "attributes": {"string": "new-slug"}}
        ],
    }
    before = sandbox.count("localizedfallbackvalues")
    assert oro.patch(f"{API}/products/{created['id']}", json=patch).status_code == 200
    assert sandbox.count("localizedfallbackvalues") == before
    stored = sandbox.product_by_sku("SLUG-1")
    assert stored is not None
    slug = sandbox.get(
        "localizedfallbackvalues", stored["relationships"]["slugPrototypes"][0]["id"]
    )
    assert slug is not None and slug["attributes"]["string"] == "new-slug"


def test_a_product_image_posted_on_its_own_joins_the_product(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    product_id = sandbox.create("products", product_doc("ALONE-1"))["id"]
    image, file, main = image_items("img", "solo.png", "main")
    image["relationships"]["product"]["data"]["id"] = product_id
    response = oro.post(f"{API}/productimages", json={"data": image, "included": [file, main]})
    assert response.status_code == 201, response.text
    assert [(i["filename"], i["types"]) for i in sandbox.product_images("ALONE-1")] == [
        ("solo.png", ["main"])
    ]
    listed = oro.get(f"{API}/productimages", params={"filter[product]": product_id}).json()["data"]
    assert [i["id"] for i in listed] == [response.json()["data"]["id"]]
    image, file, main = image_items("img2", "second.png", "main")
    image["relationships"]["product"]["data"]["id"] = product_id
    second = oro.post(f"{API}/productimages", json={"data": image, "included": [file, main]})
    assert second.status_code == 400
    assert second.json()["errors"][0]["title"] == "product image collection constraint"
    assert oro.delete(f"{API}/productimages/{listed[0]['id']}").status_code == 204
    assert sandbox.product_images("ALONE-1") == []
    assert sandbox.count("files") == 0


def test_an_existing_price_is_updated_by_id_in_a_product_patch(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    product_id = sandbox.create("products", with_prices(product_doc("UPR-1"), price_item("a")))[
        "id"
    ]
    [price] = sandbox.product_prices("UPR-1")
    changed = price_item(price["id"], value="12.5")
    changed["meta"] = {"update": True}
    changed["relationships"]["product"]["data"]["id"] = product_id
    patch = {"data": {"type": "products", "id": product_id}, "included": [changed]}
    response = oro.patch(f"{API}/products/{product_id}", json=patch)
    assert response.status_code == 200, response.text
    assert [(p["id"], p["value"]) for p in sandbox.product_prices("UPR-1")] == [
        (price["id"], Decimal("12.5"))
    ]
