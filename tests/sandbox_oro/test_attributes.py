"""Custom product attributes: CSV import, schema update, entitystructures, enum options,
value checks in every write path, configurable products and variant links."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pimsync.sandbox.oro import ApiError, OroSandbox
from tests.sandbox_oro.conftest import API, batch, product_doc

HEADER = (
    "fieldName,type,entity.label,entity.description,extend.length,extend.precision,"
    "extend.scale,attribute.searchable,attribute.filterable,attribute.sortable,"
    "attribute.enabled,frontend.is_displayable,enum.enum_options.0.label,"
    "enum.enum_options.0.is_default,enum.enum_options.1.label,enum.enum_options.1.is_default"
)
ROWS = [
    "material,string,Material,,20,,,yes,no,no,yes,yes,,,,",
    "weight_g,integer,Weight,,,,,no,no,no,yes,yes,,,,",
    "launch,date,Launch date,,,,,no,no,no,yes,no,,,,",
    "color,enum,Color,,,,,yes,yes,no,yes,yes,Dark Blue,yes,Red,no",
    "tags,multiEnum,Tags,,,,,no,no,no,yes,yes,New,no,Eco friendly,no",
    "waterproof,boolean,Waterproof,,,,,no,no,no,yes,yes,,,,",
]
CSV = "\n".join([HEADER, *ROWS]) + "\n"


@pytest.fixture
def schema(sandbox: OroSandbox) -> OroSandbox:
    assert sandbox.import_attributes(CSV) == [
        "material",
        "weight_g",
        "launch",
        "color",
        "tags",
        "waterproof",
    ]
    sandbox.update_schema()
    return sandbox


def _types(sb: OroSandbox) -> tuple[str, str]:
    attributes = sb.product_attributes()
    return attributes["color"]["enum_type"], attributes["tags"]["enum_type"]


def test_the_import_file_is_checked() -> None:
    sb = OroSandbox()
    with pytest.raises(ValueError, match="row 2, column type"):
        sb.import_attributes(HEADER + "\nsize,colour,Size,,,,,,,,,,,,,\n")
    with pytest.raises(ValueError, match="row 3, column fieldName"):
        sb.import_attributes(
            HEADER + "\n" + ROWS[0] + "\n" + "a_name_longer_than_22_chars,string,X,,,,,,,,,,,,,\n"
        )
    with pytest.raises(ValueError, match="row 2, column fieldName"):
        sb.import_attributes(HEADER + "\nsku,string,SKU,,,,,,,,,,,,,\n")
    with pytest.raises(ValueError, match=r"row 2, column attribute\.searchable"):
        sb.import_attributes(HEADER + "\nsize,string,Size,,,,,maybe,,,,,,,,\n")
    with pytest.raises(ValueError, match="row 1"):
        sb.import_attributes("fieldName,type\nsize,string\n")
    assert sb.product_attributes() == {}


def test_pending_attributes_are_extra_fields_until_the_schema_update(
    oro: httpx.Client, sandbox: OroSandbox
) -> None:
    sandbox.import_attributes(CSV)
    assert sandbox.product_attributes()["material"]["state"] == "pending"
    doc = product_doc("PEND-1", material="Leather")
    response = oro.post(f"{API}/products", json=doc)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["title"] == "extra fields constraint"
    assert error["source"]["pointer"] == "/data/attributes/material"
    fields = _product_fields(oro)
    assert "material" not in fields
    sandbox.update_schema()
    assert sandbox.product_attributes()["material"]["state"] == "active"
    assert oro.post(f"{API}/products", json=doc).status_code == 201
    assert _product_fields(oro)["material"]["options"]["length"] == 20


def _product_fields(oro: httpx.Client) -> dict[str, dict[str, Any]]:
    body = oro.get(f"{API}/entitystructures", params={"page[size]": "-1"}).json()
    product = next(i for i in body["data"] if i["attributes"]["pluralAlias"] == "products")
    return {f["name"]: f for f in product["attributes"]["fields"]}


def test_entitystructures_describe_custom_fields_and_enum_classes(
    oro: httpx.Client, schema: OroSandbox
) -> None:
    fields = _product_fields(oro)
    assert {"sku", "names", "images", "variantFields"} <= set(fields)
    color = fields["color"]
    assert color["type"] == "enum"
    assert color["relationType"] == "manyToOne"
    assert color["options"]["extend"] is True and color["options"]["is_attribute"] is True
    assert color["relatedEntityName"].startswith("Extend\\Entity\\EV_Product_Color_")
    assert fields["tags"]["relationType"] == "manyToMany"
    items = oro.get(f"{API}/entitystructures", params={"page[size]": "-1"}).json()["data"]
    by_class = {i["attributes"]["className"]: i["attributes"] for i in items}
    color_type, _ = _types(schema)
    assert by_class[color["relatedEntityName"]]["pluralAlias"] == color_type
    assert color_type.startswith("productcolor") and color_type.endswith("s")
    assert {"categories", "brands", "localizations"} <= {
        i["pluralAlias"] for i in by_class.values()
    }
    one = oro.get(f"{API}/entitystructures/{items[0]['id']}")
    assert one.status_code == 405


def test_enum_options_list_and_create(oro: httpx.Client, schema: OroSandbox) -> None:
    color_type, _ = _types(schema)
    options = oro.get(f"{API}/{color_type}").json()["data"]
    assert [(o["id"], o["attributes"]["name"], o["attributes"]["default"]) for o in options] == [
        ("dark_blue", "Dark Blue", True),
        ("red", "Red", False),
    ]
    new = {
        "data": {"type": color_type, "id": "green", "attributes": {"name": "Green", "priority": 3}}
    }
    assert oro.post(f"{API}/{color_type}", json=new).status_code == 201
    assert oro.post(f"{API}/{color_type}", json=new).status_code == 409
    schema.create_enum_option("color", "black", "Black")
    assert schema.count(color_type) == 4


def test_custom_values_are_checked_and_read_back(oro: httpx.Client, schema: OroSandbox) -> None:
    color_type, tags_type = _types(schema)
    doc = product_doc("CUST-1", material="Leather", weight_g=120, launch="2025-03-01")
    doc["data"]["relationships"]["color"] = {"data": {"type": color_type, "id": "red"}}
    doc["data"]["relationships"]["tags"] = {"data": [{"type": tags_type, "id": "eco_friendly"}]}
    created = oro.post(f"{API}/products", json=doc)
    assert created.status_code == 201, created.text
    read = oro.get(f"{API}/products/{created.json()['data']['id']}").json()["data"]
    assert read["attributes"]["material"] == "Leather"
    assert read["attributes"]["waterproof"] is None  # unset custom fields read as null
    assert read["relationships"]["color"]["data"] == {"type": color_type, "id": "red"}
    assert read["relationships"]["tags"]["data"] == [{"type": tags_type, "id": "eco_friendly"}]

    def error(**attributes: Any) -> dict[str, Any]:
        response = oro.post(f"{API}/products", json=product_doc("CUST-2", **attributes))
        assert response.status_code == 400, response.text
        return dict(response.json()["errors"][0])

    too_long = error(material="x" * 21)
    assert too_long["title"] == "length constraint"
    assert too_long["detail"] == "This value is too long. It should have 20 characters or less."
    assert too_long["source"]["pointer"] == "/data/attributes/material"
    assert error(weight_g="heavy")["title"] == "type constraint"
    assert error(launch="01/03/2025")["source"]["pointer"] == "/data/attributes/launch"
    assert error(waterproof="yes")["title"] == "type constraint"
    unknown = error(colour_code="x")
    assert unknown["title"] == "extra fields constraint"
    assert unknown["source"]["pointer"] == "/data/attributes/colour_code"
    bad_option = product_doc("CUST-3")
    bad_option["data"]["relationships"]["color"] = {"data": {"type": color_type, "id": "purple"}}
    assert oro.post(f"{API}/products", json=bad_option).status_code == 400


def test_custom_values_in_sync_and_async_batches(oro: httpx.Client, schema: OroSandbox) -> None:
    body = batch(product_doc("BAT-1", material="ok"), product_doc("BAT-2", material="y" * 21))
    sync = oro.patch(f"{API}/products", json=body, headers={"X-Mode": "sync"})
    assert sync.status_code == 400
    assert sync.json()["errors"][0]["source"]["pointer"] == "/data/1/attributes/material"
    response = oro.patch(f"{API}/products", json=body)
    assert response.status_code == 202
    schema.wait_async_operations()
    operation = schema.async_operation(response.json()["data"]["id"])
    assert operation["summary"]["writeCount"] == 1
    assert [e["source"]["pointer"] for e in operation["errors"]] == ["/data/1/attributes/material"]
    assert [p["attributes"]["sku"] for p in schema.products()] == ["BAT-1"]


def _configurable(sku: str, *fields: str) -> dict[str, Any]:
    return product_doc(sku, productType="configurable", variantFields=list(fields))


def test_variant_fields_must_be_select_or_boolean_attributes(
    oro: httpx.Client, schema: OroSandbox
) -> None:
    for fields in (["material"], ["nope"], ["tags"]):
        response = oro.post(f"{API}/products", json=_configurable("CFG-1", *fields))
        assert response.status_code == 400, fields
        assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/variantFields"
    assert (
        oro.post(f"{API}/products", json=_configurable("CFG-1", "color", "waterproof")).status_code
        == 201
    )


def test_variant_links(oro: httpx.Client, schema: OroSandbox) -> None:
    parent = schema.create("products", _configurable("PARENT-1", "color"))["id"]
    other = schema.create("products", _configurable("PARENT-2", "color"))["id"]
    simple = schema.create("products", product_doc("NOT-CFG"))["id"]

    def child(sku: str, parent_id: str) -> httpx.Response:
        doc = product_doc(sku)
        doc["data"]["id"] = "c"
        doc["included"].append(
            {
                "type": "productvariantlinks",
                "id": "link",
                "attributes": {"visible": True},
                "relationships": {
                    "product": {"data": {"type": "products", "id": "c"}},
                    "parentProduct": {"data": {"type": "products", "id": parent_id}},
                },
            }
        )
        return oro.post(f"{API}/products", json=doc)

    assert child("KID-1", parent).status_code == 201
    assert child("KID-2", parent).status_code == 201
    assert schema.variant_links("PARENT-1") == ["KID-1", "KID-2"]
    not_configurable = child("KID-3", simple)
    assert not_configurable.status_code == 400
    assert (
        not_configurable.json()["errors"][0]["source"]["pointer"]
        == "/included/3/relationships/parentProduct/data"
    )

    kid = schema.product_by_sku("KID-1")
    assert kid is not None
    second = {
        "data": {
            "type": "productvariantlinks",
            "relationships": {
                "product": {"data": {"type": "products", "id": kid["id"]}},
                "parentProduct": {"data": {"type": "products", "id": other}},
            },
        }
    }
    # Oro allows one simple product under several configurable ones, not twice under one
    elsewhere = oro.post(f"{API}/productvariantlinks", json=second)
    assert elsewhere.status_code == 201, elsewhere.text
    twice = oro.post(f"{API}/productvariantlinks", json=second)
    assert twice.status_code == 400
    assert twice.json()["errors"][0]["title"] == "unique entity constraint"
    configurable_child = {"data": {**second["data"]}}
    configurable_child["data"]["relationships"] = {
        "product": {"data": {"type": "products", "id": other}},
        "parentProduct": {"data": {"type": "products", "id": parent}},
    }
    assert oro.post(f"{API}/productvariantlinks", json=configurable_child).status_code == 400

    links = oro.get(f"{API}/productvariantlinks", params={"filter[parentProduct]": parent}).json()[
        "data"
    ]
    assert len(links) == 2
    response = oro.delete(f"{API}/productvariantlinks", params={"filter[id]": links[0]["id"]})
    assert response.status_code == 204
    assert schema.variant_links("PARENT-1") == ["KID-2"]
    stored_parent = schema.get("products", parent)
    assert stored_parent is not None
    assert [lk["id"] for lk in stored_parent["relationships"]["variantLinks"]] == [links[1]["id"]]
    # unlinked from PARENT-1, KID-1 stays a variant of PARENT-2
    assert schema.variant_links("PARENT-2") == ["KID-1"]


def test_add_to_family(schema: OroSandbox) -> None:
    schema.add_to_family("default_family", ["color", "material"])
    schema.add_to_family("default_family", ["color"], group="other")
    assert schema.family_attributes("default_family") == {"pimsync": ["color", "material"]}
    with pytest.raises(KeyError):
        schema.add_to_family("nope", ["color"])
    with pytest.raises(ValueError, match="unknown"):
        schema.add_to_family("default_family", ["nope"])


def test_the_schema_update_gives_existing_products_null_fields(sandbox: OroSandbox) -> None:
    product_id = sandbox.create("products", product_doc("OLD-1"))["id"]
    sandbox.import_attributes(CSV)
    sandbox.update_schema()
    stored = sandbox.get("products", product_id)
    assert stored is not None
    assert stored["attributes"]["material"] is None
    assert stored["relationships"]["tags"] == []
    with pytest.raises(ApiError):
        sandbox.create("products", product_doc("OLD-2", weight_g=1.5))
