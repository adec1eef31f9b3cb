"""Everything an OroProduct carries, re-runs without duplicates, and the async batch."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.connectors.oro import (
    OroImage,
    OroPrice,
    OroProduct,
    OroProductWriter,
    product_payload,
)
from pimsync.errors import FatalDestinationError

from ._fake import FakeOro, make_client

PRODUCTS = "/admin/api/products"
PRICES = "/admin/api/productprices"
LINKS = "/admin/api/productvariantlinks"
IMAGES = "/admin/api/productimages"
PICTURE = OroImage("a/b/shoe.jpg", "shoe.jpg", "image/jpeg", ("main", "listing"))


def upsert(sku: str, **fields: Any) -> Change:
    return Change(Op.UPSERT, sku, None, OroProduct(sku, {None: f"Name {sku}"}, **fields))


def by_key(results: Any) -> dict[str, ItemResult]:
    return {r.key: r for r in results}


def bodies(fake: FakeOro, method: str, path: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(r.content)
        for r in fake.requests
        if r.method == method and r.url.path == path and r.content
    ]


def loader(image: OroImage) -> bytes:
    return f"bytes of {image.key}".encode()


def test_payload_carries_texts_attributes_relationships_and_variant_fields() -> None:
    product = OroProduct(
        "P-1",
        {None: "Shoe", "2": "Schuh"},
        product_type="configurable",
        variant_fields=("color",),
        descriptions={None: "<p>Long</p>"},
        short_descriptions={"2": "Kurz"},
        slugs={None: "shoe"},
        attributes={"material": "leather", "weight_note": None},
        relationships={"color": {"data": None}},
    )
    primary, included = product_payload(product, temp="t")
    assert primary["attributes"] == {
        "sku": "P-1",
        "status": "enabled",
        "productType": "configurable",
        "variantFields": ["color"],
        "material": "leather",
        "weight_note": None,
    }
    rels = primary["relationships"]
    assert rels["color"] == {"data": None}
    by_id = {i["id"]: i for i in included}
    [description] = rels["descriptions"]["data"]
    assert by_id[description["id"]]["attributes"] == {
        "fallback": None,
        "wysiwyg": {"value": "<p>Long</p>", "style": None, "properties": None},
    }
    [short] = rels["shortDescriptions"]["data"]
    assert by_id[short["id"]]["type"] == "productshortdescriptions"
    assert by_id[short["id"]]["attributes"] == {"fallback": None, "text": "Kurz"}
    assert by_id[short["id"]]["relationships"]["localization"]["data"]["id"] == "2"
    [slug] = rels["slugPrototypes"]["data"]
    assert by_id[slug["id"]]["type"] == "localizedfallbackvalues"
    assert by_id[slug["id"]]["attributes"] == {"fallback": None, "string": "shoe"}
    # an update clears what is empty; a create leaves it out
    update, _ = product_payload(OroProduct("P-1", {None: "Shoe"}), temp="t", id_="9", create=False)
    for name in ("descriptions", "shortDescriptions", "slugPrototypes", "images"):
        assert update["relationships"][name] == {"data": []}
    create, _ = product_payload(OroProduct("P-1", {None: "Shoe"}), temp="t")
    assert "descriptions" not in create["relationships"]


def test_prices_back_reference_rerun_update_and_stale_delete() -> None:
    fake = FakeOro()
    eur = OroPrice("1", "EUR", "10.50")
    usd = OroPrice("1", "USD", "12")
    with make_client(fake, version="6.1.0") as client:
        writer = OroProductWriter(client)
        [first] = writer.write([upsert("A-1", prices=(eur, usd))])
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        prices = [i for i in body["included"] if i["type"] == "productprices"]
        assert [p["relationships"]["product"]["data"] for p in prices] == [
            {"type": "products", "id": body["data"][0]["id"]}
        ] * 2
        assert prices[0]["relationships"]["priceList"]["data"]["id"] == "1"
        assert fake.prices_of(first.dest_key or "") == {("1", "EUR"): "10.50", ("1", "USD"): "12"}

        fake.requests.clear()
        writer.write([upsert("A-1", prices=(eur, usd))])  # unchanged: no price sent
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        assert [i["type"] for i in body["included"]] == ["productnames"]
        price_reads = [r for r in fake.requests if r.url.path == PRICES]
        assert len(price_reads) == 1
        assert price_reads[0].url.params["filter[priceList]"] == "1"
        assert price_reads[0].url.params["filter[product]"] == first.dest_key
        assert fake.count("DELETE", PRICES) == 0

        fake.requests.clear()
        writer.write([upsert("A-1", prices=(OroPrice("1", "EUR", "9.99"),))])
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        [changed] = [i for i in body["included"] if i["type"] == "productprices"]
        assert changed["meta"] == {"update": True} and changed["attributes"] == {"value": "9.99"}
        [delete] = [r for r in fake.requests if r.method == "DELETE"]
        assert delete.url.params["filter[priceList]"] == "1"
        assert fake.prices_of(first.dest_key or "") == {("1", "EUR"): "9.99"}
    assert len(fake.related("productprices")) == 1


def test_images_uploaded_once_then_kept_by_id_and_removed_when_gone() -> None:
    fake = FakeOro()
    other = OroImage("c/d/box.png", "box.png", "image/png")
    loaded: list[str] = []

    def counting(image: OroImage) -> bytes:
        loaded.append(image.key)
        return loader(image)

    with make_client(fake, version="6.1.0") as client:
        writer = OroProductWriter(client, image_loader=counting)
        [first] = writer.write([upsert("A-1", images=(PICTURE,))])
        oro_id = first.dest_key or ""
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        [file] = [i for i in body["included"] if i["type"] == "files"]
        assert base64.b64decode(file["attributes"]["content"]) == b"bytes of a/b/shoe.jpg"
        assert file["attributes"]["fileSize"] == len(b"bytes of a/b/shoe.jpg")
        kinds = [
            i["attributes"]["productImageTypeType"]
            for i in body["included"]
            if i["type"] == "productimagetypes"
        ]
        assert kinds == ["main", "listing"]
        image_id = fake.relations[oro_id]["images"]["data"][0]["id"]

        fake.requests.clear()
        writer.write([upsert("A-1", images=(PICTURE, other))])
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        assert body["data"][0]["relationships"]["images"]["data"][0]["id"] == image_id
        assert [
            i["attributes"]["originalFilename"] for i in body["included"] if i["type"] == "files"
        ] == ["box.png"]
        [read] = [r for r in fake.requests if r.url.path == IMAGES]
        assert read.url.params["include"] == "image,types"
        assert fake.image_names(oro_id) == ["shoe.jpg", "box.png"]

        writer.write([upsert("A-1", images=(other,))])
    assert loaded == ["a/b/shoe.jpg", "c/d/box.png"]
    assert fake.image_names(oro_id) == ["box.png"]
    assert len(fake.related("productimages")) == 1


def test_an_image_that_cannot_be_loaded_rejects_only_its_product() -> None:
    fake = FakeOro()

    def broken(image: OroImage) -> bytes:
        raise OSError("media server said 404")

    with make_client(fake, version="6.1.0") as client:
        results = by_key(
            OroProductWriter(client, image_loader=broken).write(
                [upsert("A-1", images=(PICTURE,)), upsert("B-1")]
            )
        )
    assert results["A-1"].error == (
        "images: cannot load shoe.jpg (a/b/shoe.jpg): media server said 404"
    )
    assert results["B-1"].ok
    assert [a["sku"] for a in fake.products.values()] == ["B-1"]


def test_variant_links_created_once_moved_and_parents_cached() -> None:
    fake = FakeOro()
    parent_a, parent_b = fake.add("PARENT-A"), fake.add("PARENT-B")
    with make_client(fake, version="6.1.0") as client:
        writer = OroProductWriter(client)
        [child] = writer.write([upsert("CHILD-1", variant_parent="PARENT-A")])
        child_id = child.dest_key or ""
        assert fake.parents_of(child_id) == [parent_a]
        lookup = next(r for r in fake.requests if r.url.path == PRODUCTS and r.method == "GET")
        assert set(lookup.url.params["filter[sku]"].split(",")) == {"CHILD-1", "PARENT-A"}

        fake.requests.clear()
        writer.write([upsert("CHILD-1", variant_parent="PARENT-A")])
        body = bodies(fake, "PATCH", PRODUCTS)[0]
        assert all(i["type"] != "productvariantlinks" for i in body["included"])
        lookup = next(r for r in fake.requests if r.url.path == PRODUCTS and r.method == "GET")
        assert lookup.url.params["filter[sku]"] == "CHILD-1"  # the parent came from the cache
        assert fake.count("DELETE", LINKS) == 0

        fake.requests.clear()
        writer.write([upsert("CHILD-1", variant_parent="PARENT-B")])
        assert fake.parents_of(child_id) == [parent_b]
        assert fake.count("DELETE", LINKS) == 1

        writer.write([upsert("CHILD-1")])  # no longer a variant
        assert fake.parents_of(child_id) == []


def test_unknown_parent_rejects_the_variant_and_new_parent_goes_first() -> None:
    fake = FakeOro()
    with make_client(fake, version="6.1.0") as client:
        results = by_key(
            OroProductWriter(client).write(
                [
                    upsert("CHILD-1", variant_parent="NEW-PARENT"),
                    upsert("NEW-PARENT", product_type="configurable", variant_fields=("color",)),
                    upsert("CHILD-2", variant_parent="MISSING"),
                ]
            )
        )
    assert results["CHILD-2"].error == "variant_parent: no product with SKU MISSING in Oro"
    assert results["CHILD-1"].ok and results["NEW-PARENT"].ok
    parent_id = results["NEW-PARENT"].dest_key
    assert fake.parents_of(results["CHILD-1"].dest_key or "") == [parent_id]
    assert fake.products[parent_id or ""]["variantFields"] == ["color"]


def requests_by_kind(fake: FakeOro) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in fake.requests:
        if r.url.path == "/oauth2-token":
            continue
        key = f"{r.method} {r.url.path.removeprefix('/admin/api/').split('/')[0]}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_large_batch_goes_as_one_async_request_and_errors_map_back() -> None:
    fake = FakeOro()
    old = fake.add("OLD-1")
    changes = [upsert(f"SKU-{n}", prices=(OroPrice("1", "EUR", "5"),)) for n in range(150)]
    changes[3] = upsert("bad sku")
    changes[7] = upsert("SKU-7", prices=(OroPrice("1", "XXX", "5"),))
    changes.append(upsert("OLD-1", status="disabled"))
    with make_client(fake, version="6.1.0") as client:
        results = by_key(OroProductWriter(client).write(changes))
    assert results["bad sku"].error == "sku: This value is not valid. (regex constraint)"
    assert results["SKU-7"].error == (  # located through /included/N
        "currency: This value is not a valid currency. (currency constraint)"
    )
    assert results["OLD-1"] == ItemResult("OLD-1", old, created=False)
    assert sum(r.ok for r in results.values()) == 149
    assert results["SKU-100"].created and results["SKU-100"].dest_key is not None
    assert fake.products[results["SKU-100"].dest_key or ""]["sku"] == "SKU-100"
    assert len(fake.products) == 149
    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert len(patches) == 1 and "X-Mode" not in patches[0].headers
    assert len(orjson.loads(patches[0].content)["data"]) == 151
    counts = requests_by_kind(fake)
    # look-up (2 pages of SKUs: 151 > 100), price read for the one existing product,
    # variant links of it, 1 batch, 2 polls, errors, SKU look-up afterwards (2)
    assert counts == {
        "GET products": 4,
        "GET productprices": 1,
        "GET productvariantlinks": 1,
        "PATCH products": 1,
        "GET asyncoperations": 3,
    }


def test_async_rerun_sends_no_duplicates_and_deletes_stale_in_one_request_each() -> None:
    fake = FakeOro()
    with make_client(fake, version="6.1.0") as client:
        writer = OroProductWriter(client, batch_mode="async")
        first = writer.write(
            [
                upsert(f"S-{n}", prices=(OroPrice("1", "EUR", "5"), OroPrice("2", "EUR", "6")))
                for n in range(5)
            ]
        )
        assert all(r.ok and r.created for r in first)
        fake.requests.clear()
        again = writer.write(
            [upsert(f"S-{n}", prices=(OroPrice("1", "EUR", "5"),)) for n in range(5)]
        )
    assert all(r.ok and not r.created for r in again)
    [patch] = bodies(fake, "PATCH", PRODUCTS)
    assert all(i["type"] != "productprices" for i in patch["included"])
    assert len(fake.products) == 5
    counts = requests_by_kind(fake)
    assert counts["PATCH products"] == 1
    assert counts["DELETE productprices"] == 1  # the stale prices on list 2 of all five
    assert len(fake.related("productprices")) == 5


def test_async_operation_that_never_ends_is_a_clear_error() -> None:
    fake = FakeOro(async_polls=10**9)
    with (
        make_client(fake, version="6.1.0") as client,
        pytest.raises(Exception, match=r"asyncoperation 1 is still 'running' after 3 s"),
    ):
        OroProductWriter(client, batch_mode="async", async_timeout=3).write([upsert("A-1")])


def test_failed_operation_without_errors_is_fatal() -> None:
    fake = FakeOro()
    fake.overrides["/admin/api/asyncoperations/1"] = lambda r: httpx.Response(
        200,
        content=orjson.dumps(
            {"data": {"type": "asyncoperations", "id": "1", "attributes": {"status": "failed"}}}
        ),
        headers={"Content-Type": "application/vnd.api+json"},
    )
    with (
        make_client(fake, version="6.1.0") as client,
        pytest.raises(FatalDestinationError, match="failed"),
    ):
        OroProductWriter(client, batch_mode="async").write([upsert("A-1")])


@pytest.mark.parametrize("mode", ["single", "sync", "async"])
def test_validation_errors_per_record_in_every_mode(mode: str) -> None:
    fake = FakeOro()
    with make_client(fake, version="6.1.0") as client:
        results = by_key(
            OroProductWriter(client, batch_mode=mode).write(  # type: ignore[arg-type]
                [upsert("A-1"), upsert("b.1"), upsert("C-1")]
            )
        )
    assert results["b.1"].error == "sku: This value is not valid. (regex constraint)"
    assert results["A-1"].ok and results["C-1"].ok
    assert sorted(a["sku"] for a in fake.products.values()) == ["A-1", "C-1"]
