"""The Oro-shaped product a mapping produces, and its JSON:API document.

A mapping hands the writer an :class:`OroProduct` (or a dict with the same keys) as
``Change.payload``. Ids are Oro ids (strings): localizations, attribute family,
category, brand; ``unit`` is a product unit code (``each``, ``kg``…).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ._documents import linkage, resource_object

__all__ = [
    "IMAGE_TYPES",
    "PRODUCT_STATUSES",
    "PRODUCT_TYPES",
    "OroImage",
    "OroPrice",
    "OroProduct",
    "product_payload",
]

PRODUCT_STATUSES = frozenset({"enabled", "disabled"})
PRODUCT_TYPES = frozenset({"simple", "configurable", "kit"})
IMAGE_TYPES = frozenset({"main", "listing", "additional"})


@dataclass(frozen=True, slots=True)
class OroPrice:
    """One product price: ``value`` in ``currency`` on the price list ``price_list`` (an
    Oro id), for ``quantity`` of ``unit`` (None: the product's primary unit).

    ``value`` and ``quantity`` are decimal strings, so equal prices hash the same.
    """

    price_list: str
    currency: str
    value: str
    quantity: str = "1"
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class OroImage:
    """One product image, uploaded as a ``files`` record inside a ``productimages`` one.

    ``key`` identifies the content (the Akeneo media file code, which changes when the
    file does); the writer fetches the bytes through its image loader only when Oro does
    not already hold a file named ``filename`` for the product. ``types`` is a subset of
    ``main``, ``listing``, ``additional``.
    """

    key: str
    filename: str
    mime_type: str
    types: tuple[str, ...] = ("additional",)


@dataclass(frozen=True, slots=True)
class OroProduct:
    """One product as Oro should hold it.

    * ``names`` — localization id → name; the key ``None`` is the default name, which Oro
      requires. Sent as ``productnames`` records; on update the whole list is replaced.
    * ``attribute_family`` — attributefamilies id (``default_family`` is usually ``"1"``).
    * ``unit`` / ``unit_precision`` — the primary unit, written only when the product is
      created (on update Oro keeps the unit precisions it has).
    * ``inventory_status`` — ``in_stock``, ``out_of_stock`` or ``discontinued``.
    * ``category`` / ``brand`` — ids of existing records, or None for none.
    * ``descriptions`` / ``short_descriptions`` / ``slugs`` — localized like ``names``;
      an empty mapping clears them.
    * ``attributes`` — further attributes by their API name (custom scalar attributes);
      ``None`` clears a value.
    * ``relationships`` — further relationship members, sent as given
      (e.g. ``{"color": {"data": {"type": "...", "id": "red"}}}``; ``{"data": None}`` or
      ``{"data": []}`` clears).
    * ``prices`` — every price the product should have; others on the same price lists
      are removed.
    * ``images`` — every image the product should have, in order.
    * ``variant_fields`` — for a configurable product, the custom attributes that tell
      its variants apart.
    * ``variant_parent`` — for a variant, the SKU of its configurable product (None: not
      a variant, and any link to a parent is removed).
    """

    sku: str
    names: Mapping[str | None, str]
    status: str = "enabled"
    product_type: str = "simple"
    attribute_family: str = "1"
    unit: str = "each"
    unit_precision: int = 0
    inventory_status: str = "in_stock"
    category: str | None = None
    brand: str | None = None
    descriptions: Mapping[str | None, str] = field(default_factory=dict)
    short_descriptions: Mapping[str | None, str] = field(default_factory=dict)
    slugs: Mapping[str | None, str] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    relationships: Mapping[str, Any] = field(default_factory=dict)
    prices: tuple[OroPrice, ...] = ()
    images: tuple[OroImage, ...] = ()
    variant_fields: tuple[str, ...] = ()
    variant_parent: str | None = None

    @classmethod
    def coerce(cls, payload: Any) -> OroProduct:
        """``payload`` itself, or one built from a dict with the field names.

        Raises :class:`ValueError` naming what is wrong.
        """
        if isinstance(payload, cls):
            product = payload
        elif isinstance(payload, Mapping):
            known = {f.name for f in fields(cls)}
            unknown = sorted(str(k) for k in payload if k not in known)
            if unknown:
                raise ValueError(f"unknown product fields: {', '.join(unknown)}")
            try:
                product = cls(**payload)
            except TypeError as exc:
                raise ValueError(str(exc)) from None
        else:
            raise ValueError(f"payload is a {type(payload).__name__}, not an OroProduct")  # noqa: TRY004 - reported per record
        product.check()
        return product

    def check(self) -> None:
        """Raises :class:`ValueError` for what Oro would refuse anyway."""
        if not self.sku:
            raise ValueError("sku: must not be empty")
        if not self.names.get(None):
            raise ValueError("names: the default name (localization None) is required")
        if self.status not in PRODUCT_STATUSES:
            raise ValueError(f"status: {self.status!r} is not enabled or disabled")
        if self.product_type not in PRODUCT_TYPES:
            raise ValueError(f"product_type: {self.product_type!r} is not one of {PRODUCT_TYPES}")
        if self.variant_fields and self.product_type != "configurable":
            raise ValueError("variant_fields: only a configurable product has variant fields")
        for image in self.images:
            unknown = set(image.types) - IMAGE_TYPES
            if unknown:
                raise ValueError(f"images: unknown image type(s) {sorted(unknown)}")
        for kind in ("main", "listing"):
            if sum(kind in image.types for image in self.images) > 1:
                raise ValueError(f"images: more than one {kind} image")


def product_payload(
    product: OroProduct, *, temp: str, id_: str | None = None, create: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The primary resource object and its ``included`` records.

    ``temp`` prefixes the temporary ids of included records (unique per request).
    ``id_`` is the Oro id of an existing product (updates). ``create`` adds the unit
    precision, which an update leaves alone.
    """
    included: list[dict[str, Any]] = []
    names = []
    for n, (localization, text) in enumerate(product.names.items()):
        name_id = f"{temp}-name-{n}"
        names.append({"type": "productnames", "id": name_id})
        included.append(
            resource_object(
                "productnames",
                id_=name_id,
                attributes={"fallback": None, "string": text},
                relationships={"localization": linkage("localizations", localization)},
            )
        )
    relationships: dict[str, Any] = {
        "names": {"data": names},
        "attributeFamily": linkage("attributefamilies", product.attribute_family),
        "inventory_status": linkage("prodinventorystatuses", product.inventory_status),
        "category": linkage("categories", product.category),
        "brand": linkage("brands", product.brand),
    }
    if create:
        unit_id = f"{temp}-unit"
        relationships["primaryUnitPrecision"] = linkage("productunitprecisions", unit_id)
        included.append(
            resource_object(
                "productunitprecisions",
                id_=unit_id,
                attributes={
                    "precision": product.unit_precision,
                    "conversionRate": 1,
                    "sell": True,
                },
                relationships={"unit": linkage("productunits", product.unit)},
            )
        )
    relationships.update(product.relationships)
    attributes = {
        "sku": product.sku,
        "status": product.status,
        "productType": product.product_type,
        **product.attributes,
    }
    primary = resource_object(
        "products", id_=id_, attributes=attributes, relationships=relationships
    )
    return primary, included
