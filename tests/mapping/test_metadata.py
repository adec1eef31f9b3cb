"""Reading Oro's product fields from ``entitystructures``."""

from __future__ import annotations

import pytest

from pimsync.mapping import OroField, OroMetadata, option_id

PRODUCT = "Oro\\Bundle\\ProductBundle\\Entity\\Product"
COLOR = "Extend\\Entity\\EV_Product_Color_1a2b3c4d"


def test_product_fields_with_enum_types() -> None:
    items = [
        {
            "type": "entitystructures",
            "id": PRODUCT.replace("\\", "_"),
            "attributes": {
                "className": PRODUCT,
                "pluralAlias": "products",
                "fields": [
                    {"name": "sku", "type": "string", "options": {}},
                    {
                        "name": "color",
                        "type": "enum",
                        "relationType": "manyToOne",
                        "relatedEntityName": COLOR,
                        "options": {"extend": True, "is_attribute": True},
                    },
                    {
                        "name": "ean",
                        "type": "string",
                        "options": {"is_attribute": True, "length": 13},
                    },
                ],
            },
        },
        {"attributes": {"className": COLOR, "pluralAlias": "productcolor1a2b3c4ds"}},
    ]
    fields = OroMetadata.product_fields_from_entitystructures(items)
    assert fields["color"] == OroField(
        "color",
        "enum",
        relation_type="manyToOne",
        related_entity=COLOR,
        enum_type="productcolor1a2b3c4ds",
        is_attribute=True,
    )
    assert fields["ean"].length == 13
    assert fields["sku"].is_attribute is False
    with pytest.raises(ValueError, match="no Product"):
        OroMetadata.product_fields_from_entitystructures(items[1:])


def test_option_id_is_what_oro_makes_of_a_label() -> None:
    assert option_id("Navy Blue") == "navy_blue"
    assert option_id("XL/XXL") == "xl_xxl"
