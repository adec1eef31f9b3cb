"""Akeneo price collections → SFCC pricebooks and price tables (B4).

One pricebook per currency, ``<currency>-list-prices``, as the cartridge names them. A
product gets one price table per currency with an amount; unlike the cartridge, a
currency without amount gets no table (the cartridge writes ``0.0``, which sells the
product for free). Product models get no price: their variants carry it.
"""

from __future__ import annotations

from pimsync.connectors.sfcc._model import SfccPricebook, SfccPriceTable
from pimsync.errors import ConfigError, RejectedRecord
from pimsync.mapping._metadata import AkeneoMetadata
from pimsync.model import Product

from ._config import SfccMapping

__all__ = ["price_tables", "pricebooks"]


def pricebooks(metadata: AkeneoMetadata, mapping: SfccMapping) -> list[SfccPricebook]:
    """One online pricebook per currency (``mapping.currencies``, else every enabled one)."""
    currencies = mapping.currencies or metadata.currencies
    return [
        SfccPricebook(
            pricebook_id=mapping.pricebook(currency),
            currency=currency,
            display_name={"x-default": mapping.pricebook_name},
            online=True,
        )
        for currency in currencies
    ]


def price_tables(p: Product, mapping: SfccMapping) -> list[SfccPriceTable]:
    """The product's price per currency of ``mapping.currencies`` (quantity 1).

    Raises :class:`ConfigError` when the mapping has no price attribute resolved,
    :class:`RejectedRecord` for a product without identifier or a malformed price.
    """
    attribute = mapping.price_attribute
    if attribute is None:
        raise ConfigError("SFCC mapping has no price attribute; call check(metadata) first")
    if not p.identifier:
        raise RejectedRecord(p.key, "no identifier; SFCC's product-id is the identifier")
    try:
        prices = p.values.prices(attribute, None, mapping.channel)
    except TypeError as error:
        raise RejectedRecord(p.key, str(error), field=attribute) from None
    wanted = set(mapping.currencies)
    return [
        SfccPriceTable(p.identifier, price.currency, price.amount)
        for price in sorted(prices, key=lambda price: price.currency)
        if price.amount is not None and (not wanted or price.currency in wanted)
    ]
