from __future__ import annotations

import pytest

from pimsync.connectors.oro import (
    Capabilities,
    OroError,
    linkage,
    parse_document,
    parse_errors,
    parse_version,
    resource_object,
)
from pimsync.errors import ConfigError


def test_parse_document_indexes_included() -> None:
    body = {
        "data": {
            "type": "products",
            "id": "42",
            "attributes": {"sku": "ABC-1"},
            "relationships": {
                "names": {"data": [{"type": "productnames", "id": "901"}]},
                "brand": {"data": None},
            },
        },
        "included": [{"type": "productnames", "id": "901", "attributes": {"string": "Widget"}}],
    }
    document = parse_document(body)
    product = document.one
    assert not document.is_collection
    assert [n.attributes["string"] for n in document.related(product, "names")] == ["Widget"]
    assert product.related_ids("brand") == []


def test_next_link_and_bad_documents() -> None:
    assert (
        parse_document({"data": [], "links": {"next": "/x?page[number]=2"}}).next_link
        == "/x?page[number]=2"
    )
    assert parse_document({"data": []}).next_link is None
    with pytest.raises(ValueError, match="no data member"):
        parse_document({"errors": []})


def test_resource_object_leaves_out_empty_members() -> None:
    assert resource_object("products", attributes={"sku": "A"}) == {
        "type": "products",
        "attributes": {"sku": "A"},
    }
    assert linkage("brands", None) == {"data": None}


def test_errors_become_rejections_with_field() -> None:
    body = {
        "errors": [
            {
                "status": "400",
                "title": "not blank constraint",
                "detail": "This value should not be blank.",
                "source": {"pointer": "/data/attributes/sku"},
            },
            {
                "status": "400",
                "title": "filter constraint",
                "detail": 'Filter "filter[foo]" is not supported.',
                "source": {"parameter": "filter[foo]"},
            },
            {
                "status": "400",
                "title": "form constraint",
                "detail": "Bad.",
                "source": {"pointer": "/data/3/relationships/names/data/0"},
            },
            {
                "status": "400",
                "title": "form constraint",
                "detail": "Bad.",
                "source": {"pointer": "/included/2/attributes/string"},
            },
        ]
    }
    sku, filter_, names, included = parse_errors(body)
    rejection = sku.rejection("ABC-1")
    assert rejection.field == "sku"
    assert rejection.reason == "sku: This value should not be blank. (not blank constraint)"
    assert filter_.field == "filter[foo]" and filter_.location is None
    assert names.field == "names" and names.location == ("data", 3)
    assert included.location == ("included", 2) and included.field == "string"
    assert parse_errors({"data": []}) == []
    assert OroError("500", "", "").message == "error 500"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (None, Capabilities()),
        ("4.1.0", Capabilities()),
        ("5.1.1", Capabilities(async_batch=True)),
        ("5.1.2", Capabilities(upsert=True, async_batch=True)),
        ("6.0.4", Capabilities(upsert=True, sync_batch=True, async_batch=True)),
        ("6.1.9", Capabilities(upsert=True, sync_batch=True, validate=True, async_batch=True)),
        ("6.1.10", Capabilities(True, True, True, True, True)),
        ("7.0.1", Capabilities(upsert=True, sync_batch=True, validate=True, async_batch=True)),
        ("7.0.2", Capabilities(True, True, True, True, True)),
        ("7.1", Capabilities(True, True, True, True, True)),
    ],
)
def test_capabilities_by_version(version: str | None, expected: Capabilities) -> None:
    assert Capabilities.for_version(version) == expected


def test_bad_version() -> None:
    with pytest.raises(ConfigError):
        parse_version("latest")
