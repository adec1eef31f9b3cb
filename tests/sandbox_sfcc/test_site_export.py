"""``sfcc-site-archive-export`` of catalogs: merchants' refinements read back (job 6)."""

from __future__ import annotations

import io
import zipfile

import httpx
from lxml import etree

from pimsync.sandbox.sfcc import Refinement, SfccSandbox
from tests.sandbox_sfcc.conftest import INSTANCE, XSD, poll, run_import, sample_archive

EXPORT = "/s/-/dw/data/v25_6/jobs/sfcc-site-archive-export/executions"


def test_export_carries_refinements_and_validates(sandbox: SfccSandbox, sfcc: httpx.Client) -> None:
    run_import(sfcc, sample_archive())
    size = Refinement(
        type="attribute",
        attribute_id="akeneo_size",
        display_names=(("x-default", "Size"),),
        sort_mode="value-name",
    )
    sandbox.instance.set_refinements("storefront-gents", "tshirts", [size])
    body = {
        "export_file": "refinements.zip",
        "data_units": {"catalogs": {"storefront-gents": True}},
    }
    started = sfcc.post(EXPORT, json=body)
    assert started.status_code == 202, started.text
    doc = poll(sfcc, started.json()["id"], EXPORT)
    assert doc["exit_status"]["code"] == "OK", doc
    archive = zipfile.ZipFile(io.BytesIO(sfcc.get(f"{INSTANCE}/refinements.zip").content))
    xml = archive.read("refinements/catalogs/storefront-gents/catalog.xml")
    schema = etree.XMLSchema(etree.parse(str(XSD / "catalog.xsd")))
    assert schema.validate(etree.fromstring(xml)), schema.error_log
    tree = etree.fromstring(xml)
    ns = {"c": "http://www.demandware.com/xml/impex/catalog/2006-10-31"}
    found = tree.find("c:category[@category-id='tshirts']/c:refinement-definitions", ns)
    assert found is not None
    assert [r.get("attribute-id") for r in found] == ["akeneo_size"]
    root = tree.find("c:category[@category-id='root']/c:refinement-definitions", ns)
    assert root is not None and root[0].get("type") == "category"


def test_export_of_an_unknown_catalog_fails(sfcc: httpx.Client) -> None:
    body = {"export_file": "x.zip", "data_units": {"catalogs": {"nope": True}}}
    doc = poll(sfcc, sfcc.post(EXPORT, json=body).json()["id"], EXPORT)
    assert doc["exit_status"]["code"] == "ERROR"
    assert "nope" in doc["exit_status"]["message"]
