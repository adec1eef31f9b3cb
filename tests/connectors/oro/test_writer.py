from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.connectors.oro import OroProduct, OroProductWriter, product_payload
from pimsync.errors import ConfigError, FatalDestinationError, TransientError

from ._fake import FakeOro, api, make_client

PRODUCTS = "/admin/api/products"


def upsert(sku: str, **fields: Any) -> Change:
    return Change(
        Op.UPSERT,
        sku,
        None,
        OroProduct(sku, {None: f"Name {sku}", "2": f"Name {sku} de"}, **fields),
    )


def by_key(results: Any) -> dict[str, ItemResult]:
    return {r.key: r for r in results}


def test_lookup_then_create_and_no_duplicate_on_resend() -> None:
    fake = FakeOro()
    with make_client(fake) as client:  # no version: one request per record
        writer = OroProductWriter(client)
        first = writer.write([upsert("ABC-1")])
        second = writer.write([upsert("ABC-1", status="disabled")])
    assert first == [ItemResult("ABC-1", "1", created=True)]
    assert second == [ItemResult("ABC-1", "1", created=False)]
    assert len(fake.products) == 1 and fake.products["1"]["status"] == "disabled"
    assert fake.count("POST", PRODUCTS) == 1
    assert fake.count("PATCH", f"{PRODUCTS}/1") == 1
    lookup = next(r for r in fake.requests if r.method == "GET")
    assert lookup.url.params["filter[sku]"] == "ABC-1"


def test_created_document_carries_names_family_and_unit() -> None:
    fake = FakeOro()
    with make_client(fake) as client:
        OroProductWriter(client).write([upsert("ABC-1", category="4")])
    post = next(r for r in fake.requests if r.method == "POST" and r.url.path == PRODUCTS)
    body = orjson.loads(post.content)
    data = body["data"]
    assert data["attributes"] == {"sku": "ABC-1", "status": "enabled", "productType": "simple"}
    assert data["relationships"]["category"] == {"data": {"type": "categories", "id": "4"}}
    assert data["relationships"]["primaryUnitPrecision"]["data"]["type"] == "productunitprecisions"
    types = [i["type"] for i in body["included"]]
    assert types == ["productnames", "productnames", "productunitprecisions"]
    assert body["included"][0]["relationships"]["localization"] == {"data": None}


def test_update_leaves_unit_precisions_alone() -> None:
    primary, included = product_payload(
        OroProduct("A-1", {None: "A"}), temp="t", id_="7", create=False
    )
    assert "primaryUnitPrecision" not in primary["relationships"]
    assert primary["id"] == "7"
    assert [i["type"] for i in included] == ["productnames"]


def test_batch_version_writes_one_sync_batch() -> None:
    fake = FakeOro()
    with make_client(fake, version="6.1.10") as client:
        writer = OroProductWriter(client, by_sku=False)
        first = writer.write([upsert("ABC-1"), upsert("ABC-2")])
        second = writer.write([upsert("ABC-1", status="disabled")])
    assert [r.created for r in first] == [True, True]
    assert second == [ItemResult("ABC-1", "1", created=False)]
    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert [r.url.path for r in patches] == [PRODUCTS, PRODUCTS]
    assert all(r.headers["X-Mode"] == "sync" for r in patches)


def test_by_sku_products_are_upserted_by_sku_without_look_ups() -> None:
    fake = FakeOro()
    old = fake.add("OLD-1")
    with make_client(fake, version="6.1.10") as client:
        writer = OroProductWriter(client, batch_mode="single")  # by SKU: 6.1.10 has ext_id
        new, known = writer.write(
            [upsert("NEW-1"), Change(Op.UPSERT, "OLD-1", old, upsert("OLD-1").payload)]
        )
    assert new == ItemResult("NEW-1", "sku:NEW-1", created=True)
    assert known == ItemResult("OLD-1", "sku:OLD-1", created=False)
    reads = [r for r in fake.requests if r.method == "GET"]
    assert all(r.url.path != PRODUCTS for r in reads)  # no look-up of ids by SKU
    links = next(r for r in reads if r.url.path.endswith("/productvariantlinks"))
    assert links.url.params["filter[product]"] == "OLD-1"  # state read by SKU, known only
    assert links.headers["X-Integration-Type"] == "ext_id"
    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert [r.url.path for r in patches] == [f"{PRODUCTS}/NEW-1", f"{PRODUCTS}/OLD-1"]
    assert all(r.headers["X-Integration-Type"] == "ext_id" for r in patches)
    assert all(orjson.loads(r.content)["data"]["meta"] == {"upsert": True} for r in patches)
    assert sorted(a["sku"] for a in fake.products.values()) == ["NEW-1", "OLD-1"]


def test_by_sku_removal_reaches_products_by_sku_or_by_the_id_an_earlier_run_kept() -> None:
    fake = FakeOro()
    by_sku, by_id = fake.add("A-1"), fake.add("B-1")
    with make_client(fake, version="6.1.10") as client:
        results = OroProductWriter(client).write(
            [Change(Op.DISABLE, "a", "sku:A-1"), Change(Op.DISABLE, "b", by_id)]
        )
    assert results == [ItemResult("a", "sku:A-1"), ItemResult("b", by_id)]
    assert fake.products[by_sku]["status"] == fake.products[by_id]["status"] == "disabled"
    first, second = [r for r in fake.requests if r.method == "PATCH"]
    assert (first.url.path, first.headers.get("X-Integration-Type")) == (
        f"{PRODUCTS}/A-1",
        "ext_id",
    )
    assert (second.url.path, second.headers.get("X-Integration-Type")) == (
        f"{PRODUCTS}/{by_id}",
        None,
    )


def test_a_sku_key_is_looked_up_when_oro_no_longer_addresses_by_sku() -> None:
    fake = FakeOro()
    oro_id = fake.add("A-1")
    with make_client(fake) as client:  # no version: no ext_id
        [result] = OroProductWriter(client).write([Change(Op.DISABLE, "a", "sku:A-1")])
    assert result == ItemResult("a", "sku:A-1")
    assert fake.products[oro_id]["status"] == "disabled"
    lookup = next(r for r in fake.requests if r.method == "GET")
    assert lookup.url.params["filter[sku]"] == "A-1"


def test_by_sku_on_a_version_without_it_is_refused() -> None:
    with (
        make_client(FakeOro(), version="6.1.9") as client,
        pytest.raises(ConfigError, match=r"6\.1\.9 cannot address products by SKU"),
    ):
        OroProductWriter(client, by_sku=True)


def test_sync_batch_one_rejected_others_written() -> None:
    fake = FakeOro()
    existing = fake.add("OLD-1")
    changes = [
        upsert("NEW-1"),
        upsert("bad sku"),
        upsert("OLD-1", status="disabled"),
        upsert("NEW-2"),
    ]
    with make_client(fake, version="6.1.0") as client:  # sync batch, no ext_id
        results = by_key(OroProductWriter(client).write(changes))
    assert results["bad sku"].error == "sku: This value is not valid. (regex constraint)"
    assert results["NEW-1"].ok and results["NEW-1"].created
    assert results["NEW-2"].ok and results["NEW-2"].created
    assert results["OLD-1"] == ItemResult("OLD-1", existing, created=False)
    assert fake.products[existing]["status"] == "disabled"
    assert sorted(a["sku"] for a in fake.products.values()) == ["NEW-1", "NEW-2", "OLD-1"]
    batches = [r for r in fake.requests if r.method == "PATCH" and r.url.path == PRODUCTS]
    assert [len(orjson.loads(b.content)["data"]) for b in batches] == [4, 3]
    assert all(b.headers["X-Mode"] == "sync" for b in batches)
    second = orjson.loads(batches[1].content)["data"]
    assert [d.get("meta") for d in second] == [None, {"update": True}, None]


def test_sync_batches_respect_the_included_limit() -> None:
    fake = FakeOro()
    changes = [upsert(f"SKU-{n}") for n in range(20)]  # 3 included each: 16 per batch
    with make_client(fake, version="6.1.0") as client:
        results = OroProductWriter(client, batch_mode="sync").write(changes)
    assert all(r.ok for r in results) and len(fake.products) == 20
    batches = [r for r in fake.requests if r.method == "PATCH" and r.url.path == PRODUCTS]
    assert [len(orjson.loads(b.content)["included"]) for b in batches] == [48, 12]


def test_same_key_twice_in_one_batch_is_written_twice_without_duplicate() -> None:
    fake = FakeOro()
    with make_client(fake, version="6.1.0") as client:
        results = OroProductWriter(client).write(
            [upsert("ABC-1"), upsert("ABC-1", status="disabled")]
        )
    assert [r.created for r in results] == [True, False]
    assert len(fake.products) == 1 and fake.products["1"]["status"] == "disabled"


def test_invalid_payload_is_rejected_without_a_request() -> None:
    fake = FakeOro()
    with make_client(fake) as client:
        [result] = OroProductWriter(client).write(
            [Change(Op.UPSERT, "X-1", None, {"sku": "X-1", "names": {"1": "x"}})]
        )
    assert result.error is not None and result.error.startswith("names:")
    assert fake.requests == []


def test_delete_by_dest_key_and_by_sku_lookup_twice_is_fine() -> None:
    fake = FakeOro()
    first, second = fake.add("A-1"), fake.add("B-1")
    with make_client(fake) as client:
        writer = OroProductWriter(client)
        results = writer.write([Change(Op.DELETE, "A-1", first), Change(Op.DELETE, "B-1", None)])
        again = writer.write([Change(Op.DELETE, "A-1", first), Change(Op.DELETE, "B-1", None)])
    assert results == [ItemResult("A-1", first), ItemResult("B-1", second)]
    assert all(r.ok for r in again)
    assert fake.products == {}


def test_disable_patches_status() -> None:
    fake = FakeOro()
    oro_id = fake.add("A-1")
    with make_client(fake) as client:
        [result] = OroProductWriter(client).write([Change(Op.DISABLE, "A-1", None)])
    assert result == ItemResult("A-1", oro_id)
    assert fake.products[oro_id]["status"] == "disabled"
    patch = next(r for r in fake.requests if r.method == "PATCH")
    assert orjson.loads(patch.content) == {
        "data": {"type": "products", "id": oro_id, "attributes": {"status": "disabled"}}
    }


def test_per_record_rejection_without_batch() -> None:
    fake = FakeOro()
    with make_client(fake) as client:
        results = by_key(
            OroProductWriter(client).write([upsert("A-1"), upsert("b.1"), upsert("C-1")])
        )
    assert results["b.1"].error == "sku: This value is not valid. (regex constraint)"
    assert results["A-1"].ok and results["C-1"].ok


def test_rate_limited_batch_is_retried() -> None:
    fake = FakeOro()
    calls: list[int] = []

    def first_is_429(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH" and not calls:
            calls.append(1)
            return httpx.Response(429, headers={"Retry-After": "1"})
        return None

    fake.overrides[PRODUCTS] = first_is_429
    with make_client(fake, version="6.1.0") as client:
        results = OroProductWriter(client).write([upsert("A-1"), upsert("B-1")])
    assert all(r.ok for r in results) and len(fake.products) == 2


def test_unlocatable_batch_errors_fall_back_to_one_by_one() -> None:
    fake = FakeOro()

    def refuse_batches(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH":
            return api(
                400,
                {
                    "errors": [
                        {"status": "400", "title": "request data constraint", "detail": "nope"}
                    ]
                },
            )
        return None

    fake.overrides[PRODUCTS] = refuse_batches
    with make_client(fake, version="6.1.0") as client:
        results = by_key(OroProductWriter(client).write([upsert("A-1"), upsert("b.1")]))
    assert results["A-1"].ok and results["A-1"].created
    assert results["b.1"].error is not None and "sku" in results["b.1"].error


def test_batch_continued_asynchronously_is_transient() -> None:
    fake = FakeOro()
    fake.overrides[PRODUCTS] = lambda r: (
        api(
            202,
            {"data": {"type": "asyncoperations", "id": "9"}},
            {"Content-Location": "/admin/api/asyncoperations/9"},
        )
        if r.method == "PATCH"
        else None
    )
    with (
        make_client(fake, version="6.1.0") as client,
        pytest.raises(TransientError, match="asyncoperations/9"),
    ):
        OroProductWriter(client).write([upsert("A-1")])


def test_forbidden_is_fatal_for_the_batch() -> None:
    fake = FakeOro()
    fake.overrides[PRODUCTS] = lambda _: api(
        403,
        {
            "errors": [
                {
                    "status": "403",
                    "title": "access denied exception",
                    "detail": "No access to the entity.",
                }
            ]
        },
    )
    with (
        make_client(fake) as client,
        pytest.raises(FatalDestinationError, match="No access to the entity"),
    ):
        OroProductWriter(client).write([upsert("A-1")])


def test_lookup_that_stays_unavailable_is_transient() -> None:
    fake = FakeOro()
    fake.overrides[PRODUCTS] = lambda r: httpx.Response(503) if r.method == "GET" else None
    with make_client(fake) as client, pytest.raises(TransientError):
        OroProductWriter(client).write([upsert("A-1")])
    assert fake.products == {}
