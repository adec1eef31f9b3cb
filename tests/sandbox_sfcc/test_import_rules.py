"""Element-level import rules applied straight to an instance (no HTTP): deletions,
merge-mode lists, xsi:nil, metadata merges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pimsync.sandbox.sfcc import ImportFailure, Instance
from pimsync.sandbox.sfcc._archive import import_archive
from pimsync.sandbox.sfcc._import import Schemas
from tests.sandbox_sfcc.conftest import XSD, catalog_xml, need_reference, site_archive

PRICEBOOK_NS = "http://www.demandware.com/xml/impex/pricebook/2006-10-31"


def load(instance: Instance, files: dict[str, bytes | str]) -> None:
    need_reference()
    import_archive(instance, site_archive(files), Schemas(XSD), lambda _line: None)


def pricebook(tables: str, header: str = "") -> str:
    return (
        f'<pricebooks xmlns="{PRICEBOOK_NS}"><pricebook>'
        f'<header pricebook-id="eur"{header}><currency>EUR</currency></header>'
        f"<price-tables>{tables}</price-tables></pricebook></pricebooks>"
    )


def test_price_tables_delete_by_dates_delete_all_and_whole_book() -> None:
    instance = Instance()
    dated = "<online-from>2030-01-01T00:00:00Z</online-from>"
    load(instance, {"pricebooks/eur.xml": pricebook(
        '<price-table product-id="p"><amount quantity="1">10</amount>'
        '<amount quantity="5">9</amount></price-table>'
        f'<price-table product-id="p">{dated}<amount quantity="1">8</amount></price-table>'
        '<price-table product-id="q"><amount quantity="1">3</amount></price-table>'
    )})  # fmt: skip
    assert instance.price("eur", "p", Decimal(5)) == Decimal(9)
    book = instance.pricebook("eur")
    assert book is not None and len(book.tables["p"]) == 2
    load(instance, {"pricebooks/eur.xml": pricebook(
        f'<price-table product-id="p" mode="delete">{dated}</price-table>'
    )})  # fmt: skip
    book = instance.pricebook("eur")
    assert book is not None and [t.online_from for t in book.tables["p"]] == [None]
    load(
        instance,
        {"pricebooks/eur.xml": pricebook('<price-table product-id="p" mode="delete-all"/>')},
    )
    assert instance.price("eur", "p") is None
    assert instance.price("eur", "q") == Decimal(3)
    load(instance, {"pricebooks/eur.xml": pricebook("", ' mode="delete"')})
    assert instance.pricebook("eur") is None


def test_deleting_categories_and_products_removes_their_assignments() -> None:
    instance = Instance()
    products = '<product product-id="p"/><product product-id="q"/>'
    load(instance, {
        "catalogs/m/catalog.xml": catalog_xml("m", products),
        "catalogs/s/catalog.xml": catalog_xml("s",
            '<category category-id="root"/>'
            '<category category-id="a"><parent>root</parent></category>'
            '<category category-id="a1"><parent>a</parent></category>'
            '<category-assignment category-id="a1" product-id="p"/>'
            '<category-assignment category-id="root" product-id="q"/>'),
    })  # fmt: skip
    load(
        instance,
        {"catalogs/s/catalog.xml": catalog_xml("s", '<category category-id="a" mode="delete"/>')},
    )
    assert instance.categories("s") == {"root": None}
    assert [a.product_id for a in instance.assignments("s")] == ["q"]
    load(
        instance,
        {"catalogs/m/catalog.xml": catalog_xml("m", '<product product-id="q" mode="delete"/>')},
    )
    assert instance.products("m") == ["p"]
    assert instance.assignments("s") == []


def test_list_merge_modes_and_nil() -> None:
    instance = Instance()

    def product(body: str) -> None:
        load(
            instance,
            {
                "catalogs/m/catalog.xml": catalog_xml(
                    "m", f'<product product-id="p">{body}</product>'
                )
            },
        )

    product(
        "<online-flag>true</online-flag>"
        '<images><image-group view-type="large"><image path="a.jpg"/></image-group>'
        '<image-group view-type="small"><image path="b.jpg"/></image-group></images>'
    )
    product('<images merge-mode="remove"><image-group view-type="small"/></images>')
    found = instance.product("m", "p")
    assert found is not None and [g.view_type for g in found.images] == ["large"]
    swatch = '<image-group view-type="swatch"><image path="c.jpg"/></image-group>'
    product(f'<images merge-mode="add">{swatch}</images>')
    found = instance.product("m", "p")
    assert found is not None and [g.view_type for g in found.images] == ["large", "swatch"]
    product('<images><image-group view-type="swatch"><image path="d.jpg"/></image-group></images>')
    found = instance.product("m", "p")  # merge: unlisted groups go, listed ones are updated
    assert found is not None and [(g.view_type, g.images) for g in found.images] == [
        ("swatch", ["d.jpg"])
    ]
    product('<online-flag xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>')
    found = instance.product("m", "p")
    assert found is not None and found.online is None


def test_metadata_merges_definitions_and_groups() -> None:
    need_reference()
    meta = (
        '<metadata xmlns="http://www.demandware.com/xml/impex/metadata/2006-10-31">'
        '<type-extension type-id="Product"><custom-attribute-definitions>'
        '<attribute-definition attribute-id="{a}"><type>string</type></attribute-definition>'
        '</custom-attribute-definitions><group-definitions><attribute-group group-id="G">'
        '<attribute attribute-id="{a}"/></attribute-group></group-definitions>'
        "</type-extension></metadata>"
    )
    instance = Instance()
    load(instance, {"meta/system-objecttype-extensions.xml": meta.replace("{a}", "x")})
    load(instance, {"meta/system-objecttype-extensions.xml": meta.replace("{a}", "y")})
    group = instance.attribute_group("Product", "G")
    assert group is not None and group.attributes == ["x", "y"]
    assert instance.attribute_definition("Product", "y") is not None


def test_a_file_in_the_wrong_folder_is_refused() -> None:
    need_reference()
    with pytest.raises(ImportFailure, match=r"pricebooks/x\.xml"):
        import_archive(
            Instance(),
            site_archive({"pricebooks/x.xml": catalog_xml("m", "")}),
            Schemas(XSD),
            lambda _line: None,
        )
