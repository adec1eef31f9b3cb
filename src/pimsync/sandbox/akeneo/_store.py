"""The sandbox's in-memory catalog: every entity type, and the product indexes.

Products are kept in Akeneo's products-uuid format. Three sorted indexes serve the
paginations (uuid, identifier) and the ``updated`` filter; a version number changes on
every write so cached search results can be dropped.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]

# counts() keys, in the order Akeneo's API reference lists them
ENTITY_TYPES = (
    "products",
    "product_models",
    "attributes",
    "attribute_options",
    "attribute_groups",
    "families",
    "family_variants",
    "categories",
    "channels",
    "locales",
    "currencies",
    "measurement_families",
    "association_types",
    "media_files",
)


@dataclass
class MediaFile:
    """A stored file: its API resource and its bytes."""

    resource: Record
    content: bytes


@dataclass
class CatalogStore:
    """All entities of one sandbox PIM, keyed the way the API addresses them."""

    attributes: dict[str, Record] = field(default_factory=dict)
    attribute_options: dict[str, dict[str, Record]] = field(default_factory=dict)
    attribute_groups: dict[str, Record] = field(default_factory=dict)
    families: dict[str, Record] = field(default_factory=dict)
    family_variants: dict[str, dict[str, Record]] = field(default_factory=dict)
    categories: dict[str, Record] = field(default_factory=dict)
    channels: dict[str, Record] = field(default_factory=dict)
    locales: dict[str, Record] = field(default_factory=dict)
    currencies: dict[str, Record] = field(default_factory=dict)
    measurement_families: dict[str, Record] = field(default_factory=dict)
    association_types: dict[str, Record] = field(default_factory=dict)
    media_files: dict[str, MediaFile] = field(default_factory=dict)
    product_models: dict[str, Record] = field(default_factory=dict)
    reference_entities: dict[str, Record] = field(default_factory=dict)
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    asset_families: dict[str, Record] = field(default_factory=dict)
    assets: dict[str, dict[str, Record]] = field(default_factory=dict)
    asset_media_files: dict[str, MediaFile] = field(default_factory=dict)
    products: dict[str, Record] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 0
    _by_identifier: dict[str, str] = field(default_factory=dict)
    _uuid_order: list[str] = field(default_factory=list)
    _identifier_order: list[str] = field(default_factory=list)
    _model_order: list[str] = field(default_factory=list)
    _updated_order: list[tuple[str, str]] = field(default_factory=list)
    _children: dict[str, list[str]] | None = None

    # --- bulk loading -------------------------------------------------------------

    def load_products(self, items: list[Record]) -> None:
        """Replace every product with ``items`` and rebuild the indexes in one pass."""
        with self.lock:
            self.products = {p["uuid"]: p for p in items}
            self._by_identifier = {p["identifier"]: p["uuid"] for p in items}
            self.reindex()

    def reindex(self) -> None:
        """Rebuild the sorted indexes after entities were put in the dicts directly."""
        with self.lock:
            self._uuid_order = sorted(self.products)
            self._by_identifier = {p["identifier"]: u for u, p in self.products.items()}
            self._identifier_order = sorted(self._by_identifier)
            self._model_order = sorted(self.product_models)
            self._updated_order = sorted((p["updated"], u) for u, p in self.products.items())
            self._children = None
            self.version += 1

    # --- products -------------------------------------------------------------------

    def product(self, key: str) -> Record | None:
        """The product with this uuid or, failing that, this identifier."""
        found = self.products.get(key)
        if found is None:
            uuid = self._by_identifier.get(key)
            found = None if uuid is None else self.products.get(uuid)
        return found

    def product_by_identifier(self, identifier: str) -> Record | None:
        uuid = self._by_identifier.get(identifier)
        return None if uuid is None else self.products.get(uuid)

    def put_product(self, item: Record) -> None:
        """Insert or replace one product, keeping the indexes sorted."""
        with self.lock:
            old = self.products.get(item["uuid"])
            if old is not None:
                self._forget(old)
            self.products[item["uuid"]] = item
            bisect.insort(self._uuid_order, item["uuid"])
            self._by_identifier[item["identifier"]] = item["uuid"]
            bisect.insort(self._identifier_order, item["identifier"])
            bisect.insort(self._updated_order, (item["updated"], item["uuid"]))
            self.version += 1

    def remove_product(self, uuid: str) -> bool:
        with self.lock:
            old = self.products.pop(uuid, None)
            if old is None:
                return False
            self._forget(old)
            self.version += 1
            return True

    def _forget(self, old: Record) -> None:
        uuid = old["uuid"]
        del self._uuid_order[bisect.bisect_left(self._uuid_order, uuid)]
        ident = old["identifier"]
        if self._by_identifier.get(ident) == uuid:
            del self._by_identifier[ident]
            at = bisect.bisect_left(self._identifier_order, ident)
            del self._identifier_order[at]
        at = bisect.bisect_left(self._updated_order, (old["updated"], uuid))
        del self._updated_order[at]

    def uuid_order(self) -> list[str]:
        return self._uuid_order

    def identifier_order(self) -> list[str]:
        return self._identifier_order

    def model_order(self) -> list[str]:
        return self._model_order

    def updated_between(self, after: str | None, before: str | None) -> list[str]:
        """Uuids of products with ``after < updated < before`` (ISO strings, UTC)."""
        order = self._updated_order
        lo = 0 if after is None else bisect.bisect_right(order, (after, "\uffff"))
        hi = len(order) if before is None else bisect.bisect_left(order, (before, ""))
        return [uuid for _, uuid in order[lo:hi]]

    def put_model(self, item: Record) -> None:
        with self.lock:
            if item["code"] not in self.product_models:
                bisect.insort(self._model_order, item["code"])
            self.product_models[item["code"]] = item
            self.version += 1

    # --- categories -------------------------------------------------------------------

    def descendants(self, code: str) -> set[str]:
        """``code`` and every category below it."""
        if self._children is None:
            children: dict[str, list[str]] = {}
            for category in self.categories.values():
                if category.get("parent"):
                    children.setdefault(category["parent"], []).append(category["code"])
            self._children = children
        found, todo = set(), [code]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self._children.get(current, ()))
        return found

    def counts(self) -> dict[str, int]:
        """How many entities of each type the store holds."""
        sizes = {
            "products": len(self.products),
            "product_models": len(self.product_models),
            "attributes": len(self.attributes),
            "attribute_options": sum(len(o) for o in self.attribute_options.values()),
            "attribute_groups": len(self.attribute_groups),
            "families": len(self.families),
            "family_variants": sum(len(v) for v in self.family_variants.values()),
            "categories": len(self.categories),
            "channels": len(self.channels),
            "locales": len(self.locales),
            "currencies": len(self.currencies),
            "measurement_families": len(self.measurement_families),
            "association_types": len(self.association_types),
            "media_files": len(self.media_files),
        }
        return {name: sizes[name] for name in ENTITY_TYPES}
