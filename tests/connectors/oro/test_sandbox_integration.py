"""The Oro client and product writer against the Oro sandbox, over HTTP on 127.0.0.1.

The two were written from the same API brief by different hands; this proves they agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pimsync.connectors.base import Change, Op
from pimsync.connectors.oro import (
    OroClient,
    OroCredentials,
    OroImage,
    OroPrice,
    OroProduct,
    OroProductWriter,
)
from pimsync.errors import AuthenticationError

sandbox = pytest.importorskip("pimsync.sandbox.oro")


@pytest.fixture
def oro() -> Iterator[tuple[Any, str]]:
    sb = sandbox.OroSandbox()
    with sandbox.serve(sb) as url:
        yield sb, url


def client_for(sb: Any, url: str, **options: Any) -> OroClient:
    c = sb.credentials
    options.setdefault("sleep", lambda seconds: None)
    return OroClient(url, OroCredentials.of(c.client_id, c.client_secret), **options)


def upsert(sku: str, name: str, **fields: Any) -> Change:
    return Change(Op.UPSERT, sku, None, OroProduct(sku, {None: name}, **fields))


@pytest.mark.parametrize("version", [None, "6.1.0"])  # one request per record; sync batches
def test_products_are_created_updated_disabled_and_deleted(
    oro: tuple[Any, str], version: str | None
) -> None:
    sb, url = oro
    with client_for(sb, url, version=version) as client:
        writer = OroProductWriter(client)
        created = writer.write([upsert("SKU-1", "Bag"), upsert("SKU-2", "Shoe")])
        assert all(r.ok and r.created for r in created)
        again = writer.write([upsert("SKU-1", "Bag, leather")])  # resent: no duplicate
        assert again[0].ok
        assert not again[0].created
        assert sb.count("products") == 2
        assert sb.product_names(again[0].dest_key)[None] == "Bag, leather"

        ids = {r.key: r.dest_key for r in created}
        writer.write([Change(Op.DISABLE, "SKU-2", ids["SKU-2"])])
        assert sb.get("products", ids["SKU-2"])["attributes"]["status"] == "disabled"
        writer.write([Change(Op.DELETE, "SKU-2", ids["SKU-2"])])
        assert sb.count("products") == 1


def test_a_product_oro_rejects_is_reported_and_the_rest_load(oro: tuple[Any, str]) -> None:
    sb, url = oro
    with client_for(sb, url, version="6.1.0") as client:
        results = OroProductWriter(client).write(
            [upsert("GOOD-1", "Fine"), upsert("BAD 2", "Space in SKU"), upsert("GOOD-3", "Ok")]
        )
    by_key = {r.key: r for r in results}
    assert by_key["GOOD-1"].ok
    assert by_key["GOOD-3"].ok
    assert by_key["BAD 2"].error is not None
    assert "sku" in by_key["BAD 2"].error
    assert sorted(p["attributes"]["sku"] for p in sb.products()) == ["GOOD-1", "GOOD-3"]


def test_reads_follow_pages_and_categories_are_read_only_on_stock_oro(
    oro: tuple[Any, str],
) -> None:
    sb, url = oro
    with client_for(sb, url, page_size=2) as client:
        OroProductWriter(client).write([upsert(f"P-{i}", f"Product {i}") for i in range(5)])
        assert len(list(client.list("products"))) == 5
        assert client.categories_writable() is False


def test_wrong_secret_is_refused_naming_the_url(oro: tuple[Any, str]) -> None:
    sb, url = oro
    with (
        OroClient(url, OroCredentials.of(sb.credentials.client_id, "wrong")) as client,
        pytest.raises(AuthenticationError, match=f"authentication failed for {url}"),
    ):
        client.token()


def _sandbox_has(sb: Any, *needs: str) -> bool:
    """Whether the sandbox emulates what a test needs: types, product relationships
    (``products.<name>``) and the asynchronous batch (``async``)."""
    for need in needs:
        if need == "async":
            if not hasattr(sb, "start_async_batch"):
                return False
        elif need.startswith("products."):
            if need.split(".", 1)[1] not in sb.types["products"].relationships:
                return False
        elif need not in sb.types:
            return False
    return True


def _price_list(sb: Any) -> str:
    found = sb.store.all("pricelists")
    if not found:
        pytest.skip("the sandbox seeds no price list")
    return str(found[0]["id"])


@pytest.mark.parametrize("mode", ["single", "sync", "async"])
def test_prices_images_and_variant_links_round_trip(oro: tuple[Any, str], mode: str) -> None:
    sb, url = oro
    needs = ["productprices", "productimages", "productvariantlinks", "products.images"]
    if mode == "async":
        needs.append("async")
    if not _sandbox_has(sb, *needs):
        pytest.skip(f"the Oro sandbox does not emulate {needs} yet")
    price_list = _price_list(sb)
    image = OroImage("k/shoe.jpg", "shoe.jpg", "image/jpeg", ("main",))
    with client_for(sb, url, version="6.1.0") as client:
        writer = OroProductWriter(
            client, batch_mode=mode, image_loader=lambda i: b"\xff\xd8jpeg" + i.key.encode()
        )
        parent = writer.write([upsert("PARENT-1", "Shoe", product_type="configurable")])
        assert parent[0].ok, parent[0].error
        fields: dict[str, Any] = {
            "prices": (OroPrice(price_list, "USD", "10"),),
            "images": (image,),
            "variant_parent": "PARENT-1",
            "descriptions": {None: "<p>Red shoe</p>"},
        }
        first = writer.write([upsert("CHILD-1", "Red shoe", **fields)])
        assert first[0].ok, first[0].error
        counts = (
            sb.count("productprices"),
            sb.count("productimages"),
            sb.count("productvariantlinks"),
        )
        again = writer.write([upsert("CHILD-1", "Red shoe", **fields)])  # no duplicates
        assert again[0].ok, again[0].error
        assert (
            (
                sb.count("productprices"),
                sb.count("productimages"),
                sb.count("productvariantlinks"),
            )
            == counts
            == (1, 1, 1)
        )
        cleared = writer.write([upsert("CHILD-1", "Red shoe")])  # nothing of it any more
        assert cleared[0].ok, cleared[0].error
        assert (sb.count("productprices"), sb.count("productvariantlinks")) == (0, 0)
        child = sb.get("products", first[0].dest_key)
        assert child["relationships"].get("images") == []


def test_async_batch_rejects_only_the_bad_record(oro: tuple[Any, str]) -> None:
    sb, url = oro
    if not _sandbox_has(sb, "async"):
        pytest.skip("the Oro sandbox does not emulate the asynchronous batch API yet")
    with client_for(sb, url, version="6.1.0") as client:
        results = OroProductWriter(client, batch_mode="async").write(
            [upsert("GOOD-1", "Fine"), upsert("BAD 2", "Space in SKU"), upsert("GOOD-3", "Ok")]
        )
    by_key = {r.key: r for r in results}
    assert by_key["GOOD-1"].ok and by_key["GOOD-3"].ok and by_key["GOOD-1"].created
    assert by_key["BAD 2"].error is not None and "sku" in by_key["BAD 2"].error
    assert sorted(p["attributes"]["sku"] for p in sb.products()) == ["GOOD-1", "GOOD-3"]
