"""Products and product models: the catalog records a sync moves in bulk.

Both are read from Akeneo's REST format. Lists whose order carries no meaning in Akeneo
(categories, groups, associated products) are stored sorted, so the same content always
serializes to the same bytes and an unchanged record is never re-sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pimsync.model._raw import (
    InvalidRecord,
    MissingField,
    codes,
    mapping,
    optional_bool,
    optional_datetime,
    optional_str,
    required_str,
)
from pimsync.model._values import Values

__all__ = ["Associations", "Product", "ProductModel", "QuantifiedAssociations", "QuantifiedLink"]

_IDENTIFIER_TYPE = "pim_catalog_identifier"


@dataclass(frozen=True, slots=True, kw_only=True)
class Associations:
    """What one association type links a product or product model to (sorted codes)."""

    products: tuple[str, ...] = ()
    product_models: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantifiedLink:
    """A linked product (uuid or identifier) or product model (code) and its quantity."""

    key: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantifiedAssociations:
    """What one quantified association type (a pack, a bundle) links to, with quantities."""

    products: tuple[QuantifiedLink, ...] = ()
    product_models: tuple[QuantifiedLink, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Product:
    """A product, simple or variant (``parent`` is then the product model code).

    The products-uuid endpoint names a product by ``uuid`` and lists associated products
    by uuid; the legacy products endpoint names it by ``identifier`` and lists associated
    products by identifier. ``association_key`` records which of the two the association
    lists hold. At least one of ``uuid`` and ``identifier`` is set. Association types
    without any link are left out, as they carry nothing.
    """

    uuid: str | None = None
    identifier: str | None = None
    family: str | None = None
    parent: str | None = None
    categories: tuple[str, ...] = ()
    enabled: bool = True
    groups: tuple[str, ...] = ()
    values: Values = field(default_factory=Values)
    associations: Mapping[str, Associations] = field(default_factory=dict)
    quantified_associations: Mapping[str, QuantifiedAssociations] = field(default_factory=dict)
    association_key: Literal["uuid", "identifier"] = "uuid"
    created: datetime | None = None
    updated: datetime | None = None

    def __post_init__(self) -> None:
        if self.uuid is None and self.identifier is None:
            raise ValueError("a product needs a uuid or an identifier")

    @property
    def key(self) -> str:
        """The uuid when known, else the identifier: what the sync keys the product by."""
        key = self.uuid or self.identifier
        assert key is not None  # guaranteed by __post_init__
        return key

    @property
    def is_variant(self) -> bool:
        """True when the product belongs to a product model."""
        return self.parent is not None

    @classmethod
    def from_akeneo(
        cls, raw: Mapping[str, Any], *, identifier_attribute: str | None = None
    ) -> Product:
        """Read a product from the products-uuid or the legacy products endpoint.

        Without an ``identifier`` field (products-uuid endpoint), the identifier is taken
        from the value of ``identifier_attribute`` or, when not given, from the one value
        marked ``attribute_type: pim_catalog_identifier``; it may stay None, as Akeneo 7
        allows products without identifier. Raises :class:`MissingField` when neither
        ``uuid`` nor ``identifier`` is present, :class:`InvalidRecord` for a malformed field.
        """
        uuid = optional_str(raw, "uuid", "Product")
        identifier = optional_str(raw, "identifier", "Product")
        if uuid is None and identifier is None:
            raise MissingField("Product", "uuid", hint="or 'identifier' on the legacy endpoint")
        record = f"Product {uuid or identifier!r}"
        raw_values = mapping(raw, "values", record)
        if identifier is None:
            identifier = _identifier_from_values(raw_values, identifier_attribute)
        return cls(
            uuid=uuid,
            identifier=identifier,
            family=optional_str(raw, "family", record),
            parent=optional_str(raw, "parent", record),
            categories=codes(raw, "categories", record),
            enabled=optional_bool(raw, "enabled", default=True),
            groups=codes(raw, "groups", record),
            values=Values.from_akeneo(raw_values, record=record),
            associations=_associations(raw, record),
            quantified_associations=_quantified_associations(raw, record),
            association_key="identifier" if "identifier" in raw else "uuid",
            created=optional_datetime(raw, "created", record),
            updated=optional_datetime(raw, "updated", record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductModel:
    """A product model: the common part of variant products, at most two levels deep.

    A root model (no ``parent``) holds the family variant's common attributes; a sub-model
    holds the level-1 attributes and its parent is always a root model. Associated
    products are listed by identifier, as the product-models endpoint does.
    """

    code: str
    family_variant: str
    family: str | None = None
    parent: str | None = None
    categories: tuple[str, ...] = ()
    values: Values = field(default_factory=Values)
    associations: Mapping[str, Associations] = field(default_factory=dict)
    quantified_associations: Mapping[str, QuantifiedAssociations] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def level(self) -> int:
        """0 for a root product model, 1 for a sub product model."""
        return 0 if self.parent is None else 1

    @property
    def is_root(self) -> bool:
        """True for a root product model (one without parent)."""
        return self.parent is None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> ProductModel:
        """Read a product model; ``family`` is absent before Akeneo 3.2 and stays None then.

        Raises :class:`MissingField` without ``code`` or ``family_variant``.
        """
        code = required_str(raw, "code", "ProductModel")
        record = f"ProductModel {code!r}"
        return cls(
            code=code,
            family_variant=required_str(raw, "family_variant", record),
            family=optional_str(raw, "family", record),
            parent=optional_str(raw, "parent", record),
            categories=codes(raw, "categories", record),
            values=Values.from_akeneo(mapping(raw, "values", record), record=record),
            associations=_associations(raw, record),
            quantified_associations=_quantified_associations(raw, record),
            created=optional_datetime(raw, "created", record),
            updated=optional_datetime(raw, "updated", record),
        )


def _identifier_from_values(
    raw_values: Mapping[str, Any], identifier_attribute: str | None
) -> str | None:
    if identifier_attribute is None:
        # Only trust the hint when it is unambiguous (Akeneo 7 allows several identifiers).
        marked = [
            attribute
            for attribute, entries in raw_values.items()
            if _first_entry(entries).get("attribute_type") == _IDENTIFIER_TYPE
        ]
        if len(marked) != 1:
            return None
        identifier_attribute = marked[0]
    data = _first_entry(raw_values.get(identifier_attribute)).get("data")
    return data if isinstance(data, str) and data else None


def _first_entry(entries: Any) -> Mapping[str, Any]:
    # Malformed entries are reported by Values.from_akeneo; here they just hold no identifier.
    if isinstance(entries, list) and entries and isinstance(entries[0], Mapping):
        return entries[0]
    return {}


def _associations(raw: Mapping[str, Any], record: str) -> dict[str, Associations]:
    # Akeneo lists every association type, mostly empty; empty ones carry nothing.
    result: dict[str, Associations] = {}
    for type_code, links in mapping(raw, "associations", record).items():
        if not isinstance(links, Mapping):
            raise InvalidRecord(record, f"association {type_code!r} is not an object")
        association = Associations(
            products=codes(links, "products", record),
            product_models=codes(links, "product_models", record),
            groups=codes(links, "groups", record),
        )
        if association.products or association.product_models or association.groups:
            result[type_code] = association
    return result


def _quantified_associations(
    raw: Mapping[str, Any], record: str
) -> dict[str, QuantifiedAssociations]:
    result: dict[str, QuantifiedAssociations] = {}
    for type_code, links in mapping(raw, "quantified_associations", record).items():
        if not isinstance(links, Mapping):
            raise InvalidRecord(record, f"quantified association {type_code!r} is not an object")
        # The spec's own examples name the key "uuid", "identifier" or "code": accept all.
        products = _quantified_links(links.get("products"), ("uuid", "identifier"), record)
        models = _quantified_links(links.get("product_models"), ("code", "identifier"), record)
        if products or models:
            result[type_code] = QuantifiedAssociations(products=products, product_models=models)
    return result


def _quantified_links(
    items: Any, key_names: tuple[str, str], record: str
) -> tuple[QuantifiedLink, ...]:
    links = []
    for item in items or ():
        if not isinstance(item, Mapping):
            raise InvalidRecord(record, "a quantified link is not an object")
        key = item.get(key_names[0]) or item.get(key_names[1])
        if not key:
            raise MissingField(record, f"quantified_associations.{key_names[0]}")
        if not isinstance(key, str):
            raise InvalidRecord(record, f"quantified link key {key!r} is not text")
        try:
            quantity = int(item.get("quantity", 1))
        except (TypeError, ValueError):
            raise InvalidRecord(
                record, f"quantity of {key!r} is not an integer", field="quantity"
            ) from None
        links.append(QuantifiedLink(key=key, quantity=quantity))
    return tuple(sorted(links, key=lambda link: link.key))
