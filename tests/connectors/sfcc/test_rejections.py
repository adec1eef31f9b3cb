"""Bad values reject one item with a message naming it; the file stays valid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pimsync.connectors.sfcc import (
    CatalogWriter,
    PricebookWriter,
    SfccCategory,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
    check_structure,
    validate,
)
from pimsync.errors import RejectedRecord
from tests.connectors.sfcc.conftest import assert_valid


@pytest.mark.parametrize(
    ("product", "field", "message"),
    [
        (SfccProduct("a" * 101), "product-id", "101 characters, SFCC allows at most 100"),
        (SfccProduct(" padded"), "product-id", "starts or ends with whitespace"),
        (SfccProduct("two\nlines"), "product-id", "line break"),
        (
            SfccProduct("ok", display_name={"x-default": "bell\x07"}),
            "display-name[x-default]",
            "U+0007",
        ),
        (
            SfccProduct("ok", long_description={"en-US": "half \ud800 surrogate"}),
            "long-description[en-US]",
            "U+D800",
        ),
        (
            SfccProduct("ok", display_name={"en_US": "underscore"}),
            "display-name[en_US]",
            "not a language tag",
        ),
        (SfccProduct("ok", brand="b" * 257), "brand", "at most 256"),
        (
            SfccProduct("ok", custom_attributes={"w": Decimal("NaN")}),
            "custom-attribute w",
            "finite",
        ),
        (SfccProduct("ok"), "brand", "required value is missing"),
    ],
)
def test_a_bad_product_is_rejected_and_the_file_stays_valid(
    tmp_path, xsd_folder, product, field, message
):
    required = ["brand"] if message.startswith("required") else []
    with CatalogWriter(tmp_path / "catalog.xml", "master", required=required) as writer:
        writer.write_product(SfccProduct("before", brand="Acme"))
        with pytest.raises(RejectedRecord) as raised:
            writer.write_product(product)
        writer.write_product(SfccProduct("after", brand="Acme"))

    assert raised.value.field == field
    assert message in str(raised.value)
    assert_valid(writer.paths, xsd_folder)
    text = writer.paths[0].read_text()
    assert 'product-id="before"' in text and 'product-id="after"' in text
    assert text.count("<product ") == 2


def test_a_price_without_amount_or_book_is_rejected(tmp_path, xsd_folder):
    with PricebookWriter(tmp_path / "pb.xml", [SfccPricebook("usd-list-prices", "USD")]) as w:
        with pytest.raises(RejectedRecord, match="amount: required value is missing"):
            w.write(SfccPriceTable("sku", "USD"))
        with pytest.raises(RejectedRecord, match="no pricebook in 'EUR'"):
            w.write(SfccPriceTable("sku", "EUR", Decimal(1)))
        w.write(SfccPriceTable("sku", "USD", Decimal("9.90")))
    assert_valid(w.paths, xsd_folder)


def test_validate_and_structure_report_problems_with_lines(tmp_path, xsd_folder):
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n'
        '<catalog xmlns="http://www.demandware.com/xml/impex/catalog/2006-10-31" catalog-id="c">\n'
        '<product product-id="a"/>\n'
        '<category category-id="late"/>\n'
        "<product/>\n"
        "</catalog>\n"
    )
    problems = validate(bad, xsd_folder)
    assert problems and "line 4" in problems[0] and "category" in problems[0]
    assert check_structure(bad) == ["bad.xml: line 5: <product> without product-id"]
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<catalog xmlns="http://www.demandware.com/xml/impex/catalog/2006-10-31">\n<product>'
    )
    assert "broken.xml: line 2" in validate(broken, xsd_folder)[0]
    assert "broken.xml" in check_structure(broken)[0]


any_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
    max_size=300,
) | st.sampled_from(["]]>", "<![CDATA[x]]>", "&amp;", "x" * 5000, "\ud800", " a ", "a|b"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(product_id=any_text, name=any_text, brand=any_text, value=any_text, category=any_text)
def test_random_texts_are_rejected_with_a_message_or_written_validly(
    tmp_path, xsd_folder, product_id, name, brand, value, category
):
    path = tmp_path / "catalog.xml"
    messages: list[str] = []
    with CatalogWriter(path, "master") as writer:
        try:
            writer.write_category(SfccCategory(category or "c", display_name={"x-default": name}))
        except RejectedRecord as error:
            messages.append(str(error))
        try:
            writer.write_product(
                SfccProduct(
                    product_id,
                    display_name={"x-default": name},
                    brand=brand,
                    custom_attributes={"akeneo_text": value, "akeneo_list": [value, name]},
                )
            )
        except RejectedRecord as error:
            messages.append(f"{error.field}: {error}")
    assert all(": " in message for message in messages)
    assert validate(path, xsd_folder) == []
    etree.parse(str(path))  # and well-formed on its own
