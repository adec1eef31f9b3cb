"""Trim a selected product's values to the catalog's channels, locales and currencies.

As in Akeneo's catalogs, value filters shape the values only; they never change which
products are selected. A value that is not scopable (not localizable) is kept whatever
the channels (locales); price collections keep only the listed currencies.
"""

from __future__ import annotations

import dataclasses

from pimsync.catalogs._spec import ValueFilters
from pimsync.model import Price, Product, ProductValue, Values

__all__ = ["filter_product", "filter_values"]


def filter_values(values: Values, filters: ValueFilters) -> Values:
    """The values kept by ``filters`` (an empty list filters nothing)."""
    kept = []
    for value in values:
        if filters.channels and value.scope is not None and value.scope not in filters.channels:
            continue
        if filters.locales and value.locale is not None and value.locale not in filters.locales:
            continue
        kept.append(_with_currencies(value, filters.currencies))
    return Values.of(kept)


def filter_product(product: Product, filters: ValueFilters) -> Product:
    """``product`` with its values trimmed by ``filters``."""
    return dataclasses.replace(product, values=filter_values(product.values, filters))


def _with_currencies(value: ProductValue, currencies: tuple[str, ...]) -> ProductValue:
    data = value.data
    if not currencies or not _is_price_collection(data):
        return value
    assert isinstance(data, tuple)
    prices = tuple(price for price in data if price.currency in currencies)
    return ProductValue(
        attribute=value.attribute, locale=value.locale, scope=value.scope, data=prices
    )


def _is_price_collection(data: object) -> bool:
    return isinstance(data, tuple) and bool(data) and all(isinstance(p, Price) for p in data)
