"""Value filters trim values; they never change which products are selected."""

from __future__ import annotations

from decimal import Decimal

from pimsync.catalogs import ValueFilters, filter_product, filter_values
from pimsync.model import Price, ProductValue, Values
from tests.catalogs._catalog import PRODUCTS

VALUES = Values.of(
    [
        ProductValue(attribute="sku", data="A-1"),
        ProductValue(attribute="name", locale="en_US", data="Shirt"),
        ProductValue(attribute="name", locale="fr_FR", data="Chemise"),
        ProductValue(attribute="description", locale="en_US", scope="ecommerce", data="e"),
        ProductValue(attribute="description", locale="en_US", scope="mobile", data="m"),
        ProductValue(attribute="release", scope="mobile", data="2024-01-01"),
        ProductValue(
            attribute="price",
            data=(
                Price(amount=Decimal(10), currency="EUR"),
                Price(amount=Decimal(12), currency="USD"),
                Price(amount=None, currency="GBP"),
            ),
        ),
    ]
)


def keys(values: Values) -> set[tuple[str, str | None, str | None]]:
    return {(v.attribute, v.locale, v.scope) for v in values}


def test_empty_filters_keep_everything() -> None:
    assert filter_values(VALUES, ValueFilters()) == VALUES


def test_channels_drop_other_channels_scoped_values_only() -> None:
    kept = filter_values(VALUES, ValueFilters(channels=("ecommerce",)))
    assert keys(kept) == keys(VALUES) - {
        ("description", "en_US", "mobile"),
        ("release", None, "mobile"),
    }


def test_locales_drop_other_locales_localized_values_only() -> None:
    kept = filter_values(VALUES, ValueFilters(locales=("fr_FR",)))
    assert keys(kept) == {
        ("sku", None, None),
        ("name", "fr_FR", None),
        ("release", None, "mobile"),
        ("price", None, None),
    }


def test_currencies_trim_price_collections() -> None:
    kept = filter_values(VALUES, ValueFilters(currencies=("USD", "GBP")))
    assert kept.prices("price") == (
        Price(amount=Decimal(12), currency="USD"),
        Price(amount=None, currency="GBP"),
    )
    assert kept.get("sku") == "A-1"
    assert len(kept) == len(VALUES)


def test_filter_product_keeps_everything_but_values() -> None:
    product = PRODUCTS[0]  # EUR and USD prices, en_US and fr_FR names
    trimmed = filter_product(product, ValueFilters(locales=("en_US",), currencies=("EUR",)))
    assert trimmed.identifier == product.identifier
    assert trimmed.categories == product.categories
    assert trimmed.values.get("name", "fr_FR") is None
    assert trimmed.values.get("name", "en_US") == "Blue Shirt"
    assert trimmed.values.prices("price") == (Price(amount=Decimal(10), currency="EUR"),)
