"""The Oro-shaped product a mapping produces, and its JSON:API document.

A mapping hands the writer an :class:`OroProduct` (or a dict with the same keys) as
``Change.payload``. Ids are Oro ids (strings): localizations, attribute family,
category, brand; ``unit`` is a product unit code (``each``, ``kg``…).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from ._documents import linkage, resource_object

__all__ = [
    "IMAGE_TYPES",
    "PRODUCT_STATUSES",
    "PRODUCT_TYPES",
    "OroImage",
    "OroPrice",
    "OroProduct",
    "PriceKey",
    "ProductState",
    "price_key",
    "product_payload",
    "stale_records",
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


PriceKey = tuple[str, str, Decimal, str]  # price list, currency, quantity, unit


def price_key(price_list: str, currency: str, quantity: Any, unit: str) -> PriceKey:
    """The identity of a price in Oro (with the product): equal quantities compare equal
    whether Oro sends ``1``, ``1.0`` or ``"1"``. Raises :class:`ValueError` for a bad number."""
    return price_list, currency.upper(), _decimal(quantity, "quantity"), unit


@dataclass(slots=True)
class ProductState:
    """What Oro holds for one existing product, as far as the writer replaces it.

    ``prices``: price key → (productprices id, value) on the price lists the writer manages;
    ``images``: ``originalFilename`` → (productimages id, image types);
    ``links``: (productvariantlinks id, parent product id) where the product is the variant.
    """

    prices: dict[PriceKey, tuple[str, Decimal]] = field(default_factory=dict)
    images: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        raise ValueError(f"prices: {name} {value!r} is not a number") from None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def stale_records(
    product: OroProduct, state: ProductState, parent_id: str | None
) -> tuple[list[str], list[str]]:
    """The productprices ids and productvariantlinks ids to delete after the product was
    written: prices it no longer has, links to another parent (or any, if not a variant)."""
    wanted = {
        price_key(p.price_list, p.currency, p.quantity, p.unit or product.unit)
        for p in product.prices
    }
    prices = [price_id for key, (price_id, _) in state.prices.items() if key not in wanted]
    links = [link for link, parent in state.links if parent_id is None or parent != parent_id]
    return prices, links


def images_to_upload(product: OroProduct, state: ProductState | None) -> list[OroImage]:
    """The product's images whose file Oro does not hold yet (by ``originalFilename``)."""
    held = state.images if state is not None else {}
    return [image for image in product.images if image.filename not in held]


def product_payload(
    product: OroProduct,
    *,
    temp: str,
    id_: str | None = None,
    create: bool = True,
    state: ProductState | None = None,
    content: Mapping[str, bytes] | None = None,
    parent_id: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The primary resource object and its ``included`` records.

    ``temp`` prefixes the temporary ids of included records (unique per request).
    ``id_`` is the Oro id of an existing product (updates). ``create`` adds the unit
    precision, which an update leaves alone. ``state`` is what Oro holds for the product
    (existing prices are updated in place, held images kept by id, links checked);
    ``content`` the bytes of every image to upload, by :attr:`OroImage.key`;
    ``parent_id`` the Oro id of the configurable product of a variant.

    Raises :class:`ValueError` when an image to upload has no content or a price is not
    a number.
    """
    state = state or ProductState()
    own = id_ if id_ is not None else temp  # what back-references point at
    included: list[dict[str, Any]] = []
    relationships: dict[str, Any] = {
        "names": _localized(
            included, f"{temp}-name", "productnames", product.names, lambda t: {"string": t}
        ),
        "attributeFamily": linkage("attributefamilies", product.attribute_family),
        "inventory_status": linkage("prodinventorystatuses", product.inventory_status),
        "category": linkage("categories", product.category),
        "brand": linkage("brands", product.brand),
    }
    texts: list[tuple[str, str, Mapping[str | None, str], Any]] = [
        ("descriptions", "productdescriptions", product.descriptions, _wysiwyg),
        ("shortDescriptions", "productshortdescriptions", product.short_descriptions, _text),
        ("slugPrototypes", "localizedfallbackvalues", product.slugs, _string),
    ]
    for name, type_, values, build in texts:
        if values or not create:  # an update sends [] to clear; a create has nothing to clear
            relationships[name] = _localized(included, f"{temp}-{name}", type_, values, build)
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
    if product.images or not create:
        relationships["images"] = {
            "data": _images(included, temp, product, state, content or {}),
        }
    back_references = _prices(included, temp, own, product, state)
    if parent_id is not None and all(parent != parent_id for _, parent in state.links):
        included.append(
            resource_object(
                "productvariantlinks",
                id_=f"{temp}-variant",
                attributes={"visible": True},
                relationships={
                    "product": linkage("products", own),
                    "parentProduct": linkage("products", parent_id),
                },
            )
        )
        back_references = True
    relationships.update(product.relationships)
    attributes: dict[str, Any] = {
        "sku": product.sku,
        "status": product.status,
        "productType": product.product_type,
    }
    if product.product_type == "configurable":
        attributes["variantFields"] = list(product.variant_fields)
    attributes.update(product.attributes)
    primary_id = id_ if id_ is not None else (temp if back_references else None)
    primary = resource_object(
        "products", id_=primary_id, attributes=attributes, relationships=relationships
    )
    return primary, included


def _localized(
    included: list[dict[str, Any]],
    prefix: str,
    type_: str,
    values: Mapping[str | None, str],
    build: Any,
) -> dict[str, Any]:
    """New records for every localized value (PATCH replaces the list as a whole)."""
    links = []
    for n, (localization, text) in enumerate(values.items()):
        record_id = f"{prefix}-{n}"
        links.append({"type": type_, "id": record_id})
        included.append(
            resource_object(
                type_,
                id_=record_id,
                attributes={"fallback": None, **build(text)},
                relationships={"localization": linkage("localizations", localization)},
            )
        )
    return {"data": links}


def _string(text: str) -> dict[str, Any]:
    return {"string": text}


def _text(text: str) -> dict[str, Any]:
    return {"text": text}


def _wysiwyg(text: str) -> dict[str, Any]:
    return {"wysiwyg": {"value": text, "style": None, "properties": None}}


def _images(
    included: list[dict[str, Any]],
    temp: str,
    product: OroProduct,
    state: ProductState,
    content: Mapping[str, bytes],
) -> list[dict[str, str]]:
    links = []
    for n, image in enumerate(product.images):
        types = [
            resource_object(
                "productimagetypes",
                id_=f"{temp}-imagetype-{n}-{k}",
                attributes={"productImageTypeType": kind},
            )
            for k, kind in enumerate(image.types)
        ]
        type_links = {"data": [{"type": t["type"], "id": t["id"]} for t in types]}
        held = state.images.get(image.filename)
        if held is not None:
            image_id, held_types = held
            links.append({"type": "productimages", "id": image_id})
            if held_types != frozenset(image.types):  # same file, other roles: retype it
                included.append(
                    resource_object(
                        "productimages",
                        id_=image_id,
                        relationships={"types": type_links},
                        meta={"update": True},
                    )
                )
                included.extend(types)
            continue
        data = content.get(image.key)
        if data is None:
            raise ValueError(f"images: no content for {image.filename} ({image.key})")
        image_id, file_id = f"{temp}-image-{n}", f"{temp}-file-{n}"
        links.append({"type": "productimages", "id": image_id})
        included.append(
            resource_object(
                "productimages",
                id_=image_id,
                relationships={"image": linkage("files", file_id), "types": type_links},
            )
        )
        included.append(
            resource_object(
                "files",
                id_=file_id,
                attributes={
                    "mimeType": image.mime_type,
                    "originalFilename": image.filename,
                    "fileSize": len(data),
                    "content": base64.b64encode(data).decode("ascii"),
                },
            )
        )
        included.extend(types)
    return links


def _prices(
    included: list[dict[str, Any]],
    temp: str,
    own: str,
    product: OroProduct,
    state: ProductState,
) -> bool:
    """New and changed prices as included records; True when there is any."""
    added = False
    for n, price in enumerate(product.prices):
        unit = price.unit or product.unit
        key = price_key(price.price_list, price.currency, price.quantity, unit)
        value = _decimal(price.value, "value")
        held = state.prices.get(key)
        if held is not None:
            price_id, held_value = held
            if held_value == value:
                continue  # unchanged: not sent at all
            included.append(
                resource_object(
                    "productprices",
                    id_=price_id,
                    attributes={"value": price.value},
                    relationships={"product": linkage("products", own)},
                    meta={"update": True},
                )
            )
        else:
            included.append(
                resource_object(
                    "productprices",
                    id_=f"{temp}-price-{n}",
                    attributes={
                        "quantity": _number(key[2]),
                        "currency": key[1],
                        "value": price.value,
                    },
                    relationships={
                        "product": linkage("products", own),
                        "priceList": linkage("pricelists", price.price_list),
                        "unit": linkage("productunits", unit),
                    },
                )
            )
        added = True
    return added
