"""Site-archive imports of the reference samples: what lands on the instance, deletions,
MERGE, refused files, refinements."""

from __future__ import annotations

from decimal import Decimal

import httpx

from pimsync.sandbox.sfcc import WEBDAV, Refinement, SfccSandbox, serve
from tests.sandbox_sfcc.conftest import (
    INSTANCE,
    JOBS,
    catalog_xml,
    need_reference,
    poll,
    run_import,
    sample_archive,
    site_archive,
    token,
)

MASTER = "apparel-master"
STOREFRONT = "storefront-gents"


def test_samples_land_on_the_instance(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    doc = run_import(sfcc, sample_archive())
    assert doc["exit_status"] == {"code": "OK", "message": "Success", "status": "ok"}
    assert doc["status"] == "OK"
    instance = sandbox.instance

    master = instance.product(MASTER, "tshirt-model")
    assert master is not None and master.is_master and master.online is True
    assert master.localized["display-name"] == {"x-default": "T-shirt", "fr-FR": "Tee-shirt"}
    assert master.custom["akeneo_material"] == {"en-US": "Cotton", "fr-FR": "Coton"}
    assert master.custom_value("akeneo_tags") == ["summer", "basic"]
    assert [v.product_id for v in master.variants] == ["tshirt-red-m", "tshirt-blue-m"]
    assert [v.default for v in master.variants] == [False, True]
    assert master.variation_groups == ["tshirt-model-red"]
    color = master.variation_attributes[0]
    assert [v.value for v in color.values] == ["red", "blue"]
    assert color.values[0].display_values["en-US"] == "Red"
    assert [(g.view_type, g.variation) for g in master.images] == [
        ("large", ()),
        ("large", (("akeneo_color", "red"),)),
    ]
    assert master.classification == (MASTER, "root")
    variant = instance.product(MASTER, "tshirt-red-m")
    assert variant is not None and variant.values["ean"] == "1234567890123"
    bundle = instance.product(MASTER, "bundle-2")
    assert bundle is not None and bundle.bundled_products == {"tshirt-red-m": Decimal(2)}
    assert [(link.product_id, link.type) for link in bundle.product_links] == [
        ("tshirt-model", "cross-sell")
    ]
    assert instance.product(MASTER, "old-sku") is None
    assert instance.categories(STOREFRONT) == {"root": None, "tshirts": "root"}
    tshirts = instance.category(STOREFRONT, "tshirts")
    assert tshirts is not None and tshirts.online is True
    assert tshirts.text("display-name", "fr-FR") == "Tee-shirts"
    assert tshirts.custom_value("showInMenu") == "true"
    [assignment] = instance.assignments(STOREFRONT)
    assert (assignment.category_id, assignment.product_id, assignment.primary) == (
        "tshirts",
        "tshirt-model",
        True,
    )
    assert instance.price("usd-list-prices", "tshirt-red-m") == Decimal("19.99")
    book = instance.pricebook("usd-list-prices")
    assert book is not None and book.currency == "USD" and book.flag("online-flag") is True
    asset = instance.content("SharedLibrary", "akeneo_entity_brand")
    assert asset is not None and "dyson" in str(asset.custom_value("akeneo_entity_brand_dyson"))
    color_def = instance.attribute_definition("Product", "akeneo_color")
    assert color_def is not None and color_def.type == "enum-of-string"
    assert [v.value for v in color_def.value_definitions] == ["red"]
    group = instance.attribute_group("Product", "AkeneoAttributes")
    assert group is not None and group.attributes == ["akeneo_material", "akeneo_color"]
    log = sfcc.get(f"{WEBDAV}/Impex/log/{doc['log_file_name']}")
    assert "Importing catalogs/apparel-master/catalog.xml" in log.text


def test_execution_is_polled_through_pending_and_running(sfcc: httpx.Client) -> None:
    assert sfcc.put(f"{INSTANCE}/a.zip", content=sample_archive()).status_code == 201
    started = sfcc.post(JOBS, json={"file_name": "a.zip"})
    assert started.status_code == 202
    assert started.json()["execution_status"] == "pending"
    assert started.json()["status"] == "PENDING"
    busy = sfcc.post(JOBS, json={"file_name": "a.zip"})
    assert busy.status_code == 400
    assert busy.json()["fault"]["type"] == "JobAlreadyRunningException"
    seen = set()
    while True:
        doc = sfcc.get(f"{JOBS}/{started.json()['id']}").json()
        seen.add(doc["execution_status"])
        if doc["execution_status"] == "finished":
            break
    assert "running" in seen or "pending" in seen
    assert doc["exit_status"]["code"] == "OK"
    search = sfcc.post(
        "/s/-/dw/data/v25_6/job_execution_search",
        json={"query": {"term_query": {"fields": ["job_id"], "operator": "is",
                                       "values": ["sfcc-site-archive-import"]}}},
    )  # fmt: skip
    assert search.json()["total"] == 1


def test_start_errors_and_import_file_parameter(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    unknown = sfcc.post("/s/-/dw/data/v25_6/jobs/nope/executions", json={})
    assert unknown.status_code == 404
    assert unknown.json()["fault"]["type"] == "JobNotFoundException"
    replace = sfcc.post(JOBS, json={"file_name": "a.zip", "mode": "replace"})
    assert replace.status_code == 400
    sandbox.accept_file_name = False
    refused = sfcc.post(JOBS, json={"file_name": "a.zip"})
    assert refused.json()["fault"]["arguments"]["document"] == "job_execution_request"
    assert sfcc.put(f"{INSTANCE}/a.zip", content=sample_archive()).status_code == 201
    started = sfcc.post(JOBS, json={"parameters": [{"name": "ImportFile", "value": "a.zip"}]})
    assert poll(sfcc, started.json()["id"])["exit_status"]["code"] == "OK"


def test_missing_file_and_broken_archive_fail(sfcc: httpx.Client) -> None:
    started = sfcc.post(JOBS, json={"file_name": "missing.zip"})
    doc = poll(sfcc, started.json()["id"])
    assert doc["exit_status"]["code"] == "ERROR"
    assert "missing.zip" in doc["exit_status"]["message"]
    doc = run_import(sfcc, b"not a zip", "broken.zip")
    assert doc["exit_status"]["status"] == "error"
    assert "zip" in doc["exit_status"]["message"]
    doc = run_import(sfcc, site_archive({"jobs.xml": "<jobs/>"}), "empty.zip")
    assert doc["exit_status"]["code"] == "ERROR"


def test_mode_delete_elements_remove_objects(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    run_import(sfcc, sample_archive())
    deletions = {
        "catalogs/apparel-master/catalog.xml": catalog_xml(
            MASTER, '<product product-id="bundle-2" mode="delete"/>'
        ),
        "catalogs/storefront-gents/catalog.xml": catalog_xml(
            STOREFRONT,
            '<category-assignment category-id="tshirts" product-id="tshirt-model" mode="delete"/>',
        ),
        "pricebooks/usd.xml": (
            '<pricebooks xmlns="http://www.demandware.com/xml/impex/pricebook/2006-10-31">'
            '<pricebook><header pricebook-id="usd-list-prices"><currency>USD</currency></header>'
            '<price-tables><price-table product-id="tshirt-red-m" mode="delete-all"/>'
            "</price-tables></pricebook></pricebooks>"
        ),
        "libraries/SharedLibrary/library.xml": (
            '<library xmlns="http://www.demandware.com/xml/impex/library/2006-10-31" '
            'library-id="SharedLibrary"><content content-id="akeneo_entity_brand" mode="delete"/>'
            "</library>"
        ),
    }
    doc = run_import(sfcc, site_archive(deletions), "deletions.zip")
    assert doc["exit_status"]["code"] == "OK", doc
    instance = sandbox.instance
    assert instance.product(MASTER, "bundle-2") is None
    assert instance.product(MASTER, "tshirt-model") is not None
    assert instance.assignments(STOREFRONT) == []
    assert instance.price("usd-list-prices", "tshirt-red-m") is None
    assert instance.content("SharedLibrary", "akeneo_entity_brand") is None


def test_merge_keeps_what_the_feed_does_not_mention(
    sandbox: SfccSandbox, sfcc: httpx.Client
) -> None:
    run_import(sfcc, sample_archive())
    update = catalog_xml(
        MASTER,
        '<product product-id="tshirt-model">'
        '<display-name xml:lang="fr-FR">Maillot</display-name>'
        '<custom-attributes><custom-attribute attribute-id="akeneo_weight"/>'
        '<custom-attribute attribute-id="akeneo_material" xml:lang="en-US">Linen'
        "</custom-attribute></custom-attributes>"
        '<variations><variants merge-mode="add"><variant product-id="tshirt-green-m"/></variants>'
        "</variations></product>",
    )
    doc = run_import(sfcc, site_archive({"catalogs/apparel-master/catalog.xml": update}), "u.zip")
    assert doc["exit_status"]["code"] == "OK", doc
    product = sandbox.instance.product(MASTER, "tshirt-model")
    assert product is not None
    assert product.localized["display-name"] == {"x-default": "T-shirt", "fr-FR": "Maillot"}
    assert product.text("long-description") == "Cotton t-shirt"
    assert product.values["brand"] == "Acme"
    assert product.custom["akeneo_material"] == {"en-US": "Linen", "fr-FR": "Coton"}
    assert "akeneo_weight" not in product.custom  # an empty element clears the value
    assert [v.product_id for v in product.variants] == [
        "tshirt-red-m",
        "tshirt-blue-m",
        "tshirt-green-m",
    ]
    assert len(product.images) == 2


def test_invalid_file_ends_the_execution_in_error(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    need_reference()
    wrong_order = catalog_xml(
        MASTER,
        '<product product-id="p1">\n'
        "  <online-flag>true</online-flag>\n"
        '  <display-name xml:lang="x-default">P1</display-name>\n'
        "</product>",
    )
    files = {
        "catalogs/a-first/catalog.xml": catalog_xml("a-first", '<product product-id="ok"/>'),
        "catalogs/apparel-master/catalog.xml": wrong_order,
    }
    doc = run_import(sfcc, site_archive(files), "invalid.zip")
    assert doc["execution_status"] == "finished"
    assert doc["exit_status"]["code"] == "ERROR"
    assert doc["status"] == "ERROR"
    message = doc["exit_status"]["message"]
    assert "catalogs/apparel-master/catalog.xml line 5" in message
    assert "display-name" in message
    assert sandbox.instance.product("a-first", "ok") is None  # nothing applied
    assert sandbox.instance.counts()["products"] == 0


def test_without_xsds_structural_checks_still_refuse_garbage() -> None:
    sandbox = SfccSandbox()
    with serve(sandbox) as url, httpx.Client(base_url=url) as client:
        client.headers["Authorization"] = f"Bearer {token(client, sandbox)}"
        files = {"catalogs/x/catalog.xml": "<catalog catalog-id='x'><product></catalog>"}
        doc = run_import(client, site_archive(files), "bad.zip")
        assert doc["exit_status"]["code"] == "ERROR"
        assert "catalogs/x/catalog.xml" in doc["exit_status"]["message"]
        files = {"catalogs/x/catalog.xml": catalog_xml("x", '<product product-id="p"/>')}
        assert run_import(client, site_archive(files), "ok.zip")["exit_status"]["code"] == "OK"
        assert sandbox.instance.products("x") == ["p"]


def test_refinements_set_by_a_merchandiser_and_overwritten_by_a_feed(
    sandbox: SfccSandbox, sfcc: httpx.Client
) -> None:
    run_import(sfcc, sample_archive())
    brand = Refinement(
        type="attribute", attribute_id="brand", display_names=(("x-default", "Brand"),)
    )
    sandbox.instance.set_refinements(STOREFRONT, "tshirts", [brand])
    assert sandbox.instance.refinements(STOREFRONT, "tshirts") == [brand]
    assert 'attribute-id="brand"' in str(sandbox.instance.refinements_xml(STOREFRONT, "tshirts"))
    # a feed without refinement-definitions keeps them
    plain = catalog_xml(
        STOREFRONT, '<category category-id="tshirts"><online-flag>false</online-flag></category>'
    )
    run_import(sfcc, site_archive({"catalogs/storefront-gents/catalog.xml": plain}), "a.zip")
    assert sandbox.instance.refinements(STOREFRONT, "tshirts") == [brand]
    # one with refinement-definitions replaces the category's whole list (TRIGGER.md B8)
    given = catalog_xml(
        STOREFRONT,
        '<category category-id="tshirts"><refinement-definitions>'
        '<refinement-definition type="price"><display-name xml:lang="x-default">Price'
        "</display-name></refinement-definition></refinement-definitions></category>",
    )
    run_import(sfcc, site_archive({"catalogs/storefront-gents/catalog.xml": given}), "b.zip")
    [price] = sandbox.instance.refinements(STOREFRONT, "tshirts") or []
    assert (price.type, price.display_names) == ("price", (("x-default", "Price"),))
