"""Readers: model records out, malformed items as error records, never a silent stop."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from pimsync.connectors.akeneo import AkeneoCatalog, download_media_file
from pimsync.errors import FatalSourceError
from pimsync.model import AttributeType, Product

from ._fake import FakeAkeneo, client, paged

PRODUCTS = "/api/rest/v1/products-uuid"


def product(uuid: str, **extra: Any) -> dict[str, Any]:
    return {"uuid": uuid, "family": "shoes", "values": {}, **extra}


def read_all(pages: Any) -> list[Any]:
    return [record for page in pages for record in page]


def test_products_tolerate_missing_optional_and_unknown_extra_fields() -> None:
    items = [
        {"uuid": "u1"},  # nothing but the key
        product("u2", updated="2026-03-01T10:00:00+02:00", quality_scores=[], _links={}),
        product("u3", updated="2026-03-01T10:00:00", created="2026-03-01"),  # no offset
        product("u4", values=[]),  # PHP's empty object
    ]
    fake = FakeAkeneo(routes={PRODUCTS: paged([items])})
    records = read_all(AkeneoCatalog(client(fake)).products())
    assert [r.key for r in records] == ["u1", "u2", "u3", "u4"]
    assert all(r.error is None and isinstance(r.data, Product) for r in records)
    assert records[1].updated is not None and records[1].updated.hour == 8
    assert records[2].updated is not None and records[2].updated.utcoffset() is not None


def test_a_malformed_product_becomes_an_error_record_and_reading_goes_on() -> None:
    items = [
        product("u1"),
        product("u2", categories="not-a-list"),
        "not an object",
        {"family": "no key at all"},
        product("u5", updated="yesterday"),
        product("u6"),
    ]
    fake = FakeAkeneo(routes={PRODUCTS: paged([items[:3], items[3:]])})
    records = read_all(AkeneoCatalog(client(fake)).products())
    assert [r.error is None for r in records] == [True, False, False, False, False, True]
    assert records[1].key == "u2" and "categories" in (records[1].error or "")
    assert "is not a JSON object" in (records[2].error or "")
    assert "uuid" in (records[3].error or "")
    assert "updated" in (records[4].error or "")


def test_legacy_products_are_keyed_by_identifier() -> None:
    fake = FakeAkeneo(
        routes={"/api/rest/v1/products": paged([[{"identifier": "sku-1", "values": {}}]])}
    )
    records = read_all(AkeneoCatalog(client(fake)).products(legacy=True))
    assert records[0].key == "sku-1" and records[0].data is not None
    assert records[0].data.identifier == "sku-1"


def test_unknown_attribute_type_is_kept_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    items = [
        {"code": "sku", "type": "pim_catalog_identifier", "group": "general"},
        {"code": "rating", "type": "acme_stars", "group": "general"},
        {"code": "rating2", "type": "acme_stars", "group": "general"},
    ]
    fake = FakeAkeneo(routes={"/api/rest/v1/attributes": paged([items])})
    caplog.set_level(logging.WARNING, "pimsync.akeneo")
    records = read_all(AkeneoCatalog(client(fake)).attributes())
    assert records[0].data is not None and records[0].data.type is AttributeType.IDENTIFIER
    assert records[1].data is not None and records[1].data.type == "acme_stars"
    assert sum("acme_stars" in r.getMessage() for r in caplog.records) == 1


def test_nested_lists_get_their_parent_code() -> None:
    fake = FakeAkeneo(
        routes={
            "/api/rest/v1/families": paged([[{"code": "shoes", "attribute_as_label": "name"}]]),
            "/api/rest/v1/families/shoes/variants": paged(
                [[{"code": "by_size", "variant_attribute_sets": [{"level": 1, "axes": ["size"]}]}]]
            ),
            "/api/rest/v1/attributes": paged(
                [[{"code": "color", "type": "pim_catalog_simpleselect", "group": "g"}]]
            ),
            "/api/rest/v1/attributes/color/options": paged([[{"code": "red"}]]),
        }
    )
    catalog = AkeneoCatalog(client(fake))
    variants = read_all(catalog.all_family_variants())
    assert variants[0].data is not None and variants[0].data.family == "shoes"
    options = read_all(catalog.all_attribute_options())
    assert options[0].data is not None and options[0].data.attribute == "color"


def test_measurement_families_are_one_plain_list() -> None:
    body = [
        {
            "code": "Weight",
            "standard_unit_code": "KILOGRAM",
            "units": {"KILOGRAM": {"code": "KILOGRAM", "convert_from_standard": []}},
        }
    ]
    fake = FakeAkeneo(
        routes={"/api/rest/v1/measurement-families": lambda r: httpx.Response(200, json=body)}
    )
    records = read_all(AkeneoCatalog(client(fake)).measurement_families())
    assert records[0].key == "Weight" and records[0].data is not None


def test_measurement_families_failure_is_fatal() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/measurement-families": lambda r: httpx.Response(500)})
    with pytest.raises(FatalSourceError, match="measurement-families"):
        read_all(AkeneoCatalog(client(fake)).measurement_families())


def test_enterprise_readers_yield_nothing_on_community() -> None:
    catalog = AkeneoCatalog(client(FakeAkeneo()))
    assert read_all(catalog.all_assets()) == []
    assert read_all(catalog.all_records()) == []


def test_media_download_hashes_and_hits_the_cache(tmp_path: Path) -> None:
    content = b"\x89PNG" + bytes(range(256)) * 100
    downloads: list[str] = []

    def download(request: httpx.Request) -> httpx.Response:
        downloads.append(request.url.path)
        return httpx.Response(200, content=content, headers={"Content-Type": "image/png"})

    fake = FakeAkeneo(
        routes={
            "/api/rest/v1/media-files/a/b/shoe.png/download": download,
            "/api/rest/v1/media-files/c/d/same.png/download": download,
        }
    )
    api = client(fake)
    first = download_media_file(api, "a/b/shoe.png", tmp_path)
    again = download_media_file(api, "a/b/shoe.png", tmp_path)
    twin = download_media_file(api, "c/d/same.png", tmp_path)
    assert first.sha256 == hashlib.sha256(content).hexdigest()
    assert first.path.read_bytes() == content and first.size == len(content)
    assert first.downloaded and not again.downloaded and again.path == first.path
    assert twin.path == first.path  # same bytes, one copy
    assert len(downloads) == 2
    assert len(list((tmp_path / "blobs").iterdir())) == 1


def test_media_download_failure_is_fatal(tmp_path: Path) -> None:
    fake = FakeAkeneo()
    with pytest.raises(FatalSourceError, match=r"x\.png"):
        download_media_file(client(fake), "x.png", tmp_path)
