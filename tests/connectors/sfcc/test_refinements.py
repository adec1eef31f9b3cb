"""Categories carrying merchants' refinement definitions (job 6): written where
catalog.xsd wants them, read back from an exported catalog, never invented."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pimsync.connectors.sfcc import CatalogWriter, SfccCategory
from pimsync.connectors.sfcc._xml import category_refinements
from pimsync.errors import RejectedRecord
from tests.connectors.sfcc.conftest import assert_valid

NS = "http://www.demandware.com/xml/impex/catalog/2006-10-31"
# As an export writes them: in the catalog's namespace, a value set and buckets verbatim.
EXPORTED = f"""<?xml version="1.0" encoding="UTF-8"?>
<catalog xmlns="{NS}" catalog-id="akeneo-storefront">
  <category category-id="root">
    <display-name xml:lang="x-default">Storefront</display-name>
  </category>
  <category category-id="tshirts">
    <display-name xml:lang="x-default">T-shirts</display-name>
    <online-flag>true</online-flag>
    <parent>root</parent>
    <custom-attributes><custom-attribute attribute-id="showInMenu">true</custom-attribute>
    </custom-attributes>
    <refinement-definitions>
      <refinement-definition type="attribute" bucket-type="values" attribute-id="akeneo_size">
        <display-name xml:lang="x-default">Size</display-name>
        <display-name xml:lang="fr-FR">Taille</display-name>
        <sort-mode>value-name</sort-mode>
        <cutoff-threshold>10</cutoff-threshold>
      </refinement-definition>
      <refinement-definition type="price" bucket-type="none">
        <display-name xml:lang="x-default">Price</display-name>
        <bucket-definitions>
          <price-bucket currency="USD"><threshold>20</threshold></price-bucket>
        </bucket-definitions>
      </refinement-definition>
      <blocked-refinement-definition type="attribute" attribute-id="brand"/>
    </refinement-definitions>
  </category>
  <category-assignment category-id="tshirts" product-id="p1"/>
</catalog>
"""


def read(xml: str) -> dict[str, str | None]:
    return dict(category_refinements(io.BytesIO(xml.encode())))


def test_an_export_gives_each_category_its_refinements_or_none() -> None:
    found = read(EXPORTED)
    assert found["root"] is None
    block = found["tshirts"]
    assert block is not None
    assert block.startswith("<refinement-definitions>")  # no namespace: re-embeddable
    assert 'attribute-id="akeneo_size"' in block and "<bucket-definitions>" in block
    assert 'xml:lang="fr-FR">Taille<' in block


def test_saved_refinements_are_written_where_the_schema_wants_them(
    tmp_path: Path, xsd_folder: Path
) -> None:
    block = read(EXPORTED)["tshirts"]
    path = tmp_path / "catalog.xml"
    with CatalogWriter(path, "akeneo-storefront") as writer:
        writer.write_category(
            SfccCategory(
                "tshirts",
                parent="root",
                display_name={"x-default": "T-shirts"},
                online=True,
                position=2.0,
                custom_attributes={"showInMenu": True},
                refinements=block,
            )
        )
        writer.write_category(SfccCategory("sale", parent="root", online=True))
    assert_valid(writer.paths, xsd_folder)
    # Written back, the block reads the same: nothing lost on the way through the hub.
    text = path.read_text()
    assert read(text) == {"tshirts": block, "sale": None}
    # The category without saved refinements carries no element: a merge keeps the instance's.
    assert text.count("<refinement-definitions") == 1
    assert text.index("</custom-attributes>") < text.index("<refinement-definitions>")


def test_an_empty_saved_block_is_written_as_such(tmp_path: Path, xsd_folder: Path) -> None:
    with CatalogWriter(tmp_path / "catalog.xml", "akeneo-storefront") as writer:
        writer.write_category(SfccCategory("tshirts", refinements="<refinement-definitions/>"))
    assert_valid(writer.paths, xsd_folder)
    assert read((tmp_path / "catalog.xml").read_text()) == {"tshirts": "<refinement-definitions/>"}


@pytest.mark.parametrize(
    "block",
    [
        "<refinement-definitions><refinement-definition",
        "<attribute-groups/>",
        "<refinement-definitions><parent>x</parent></refinement-definitions>",
    ],
)
def test_a_broken_saved_block_rejects_the_category_only(tmp_path: Path, block: str) -> None:
    with CatalogWriter(tmp_path / "catalog.xml", "akeneo-storefront") as writer:
        with pytest.raises(RejectedRecord, match="refinement-definitions"):
            writer.write_category(SfccCategory("tshirts", refinements=block))
        writer.write_category(SfccCategory("sale"))
    assert read((tmp_path / "catalog.xml").read_text()) == {"sale": None}
