"""Loading an Akeneo fixture folder (the installer's ``;``-separated flat CSV format).

Column names follow Akeneo's flat format: ``label-<locale>``, ``<attr>-<locale>-<channel>``,
``price-EUR``, ``weight`` + ``weight-unit``, ``<TYPE>-products``. Products get
``uuid5(identifier)`` as uuid and, like every PIM import, fresh timestamps: one minute apart
in file order from 2026-01-01 UTC. Variant products show their models' values, as the API does.
"""

from __future__ import annotations

import csv
import hashlib
import mimetypes
from datetime import timedelta
from pathlib import Path
from typing import Any

from pimsync.sandbox.akeneo._demo import measurement_families, png
from pimsync.sandbox.akeneo._patch import product_uuid
from pimsync.sandbox.akeneo._search import stamp
from pimsync.sandbox.akeneo._store import CatalogStore, MediaFile, Record
from pimsync.sandbox.catalog import EPOCH

_LINKS = ("products", "groups", "product_models")
_INT_FIELDS = ("sort_order", "max_characters")
_BOOL_FIELDS = (
    "localizable",
    "scopable",
    "unique",
    "useable_as_grid_filter",
    "decimals_allowed",
    "negative_allowed",
    "wysiwyg_enabled",
    "auto_option_sorting",
)
_LIST_FIELDS = ("allowed_extensions", "available_locales")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The data rows of one fixture CSV (empty list if the file is absent or empty)."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _labels(row: dict[str, str]) -> dict[str, str]:
    return {k[6:]: v for k, v in row.items() if k.startswith("label-") and v}


def _split(cell: str | None) -> list[str]:
    return [part for part in (cell or "").split(",") if part]


def _attribute(row: dict[str, str]) -> Record:
    item: Record = {"code": row["code"], "type": row["type"], "group": row["group"]}
    item["labels"] = _labels(row)
    for name, cell in row.items():
        if name in item or name.startswith("label-") or name in ("code", "type", "group"):
            continue
        if name in _BOOL_FIELDS:
            item[name] = cell == "1"
        elif name in _INT_FIELDS:
            item[name] = int(cell) if cell else None
        elif name in _LIST_FIELDS:
            item[name] = _split(cell)
        else:
            item[name] = cell or None
    return item


class _ValueReader:
    """Turns a product or product-model row into Akeneo's ``values`` and associations."""

    def __init__(self, store: CatalogStore) -> None:
        self.store = store

    def media(self, path: str) -> str:
        digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()
        name = Path(path).name
        code = f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{name}"
        if code not in self.store.media_files:
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            content = png(code)
            self.store.media_files[code] = MediaFile(
                {
                    "code": code,
                    "original_filename": name,
                    "mime_type": mime,
                    "size": len(content),
                    "extension": Path(name).suffix.lstrip("."),
                },
                content,
            )
        return code

    def data(self, attribute: Record, cell: str) -> Any:
        kind = attribute["type"]
        if kind == "pim_catalog_boolean":
            return cell == "1"
        if kind == "pim_catalog_multiselect":
            return _split(cell)
        if kind == "pim_catalog_number":
            return cell if attribute.get("decimals_allowed") else int(float(cell))
        if kind == "pim_catalog_date":
            return f"{cell[:10]}T00:00:00+00:00"
        if kind in ("pim_catalog_image", "pim_catalog_file"):
            return self.media(cell)
        return cell

    def read(self, row: dict[str, str]) -> tuple[dict[str, list[Record]], dict[str, Any]]:
        values: dict[str, list[Record]] = {}
        associations: dict[str, dict[str, list[str]]] = {}
        prices: dict[tuple[str | None, str | None], list[Record]] = {}
        for column, cell in row.items():
            if not cell or column is None:
                continue
            code, *rest = column.split("-")
            if code in self.store.association_types and rest and rest[0] in _LINKS:
                links = associations.setdefault(code, {k: [] for k in _LINKS})
                links[rest[0]] = _split(cell)
                continue
            attribute = self.store.attributes.get(code)
            if attribute is None or rest[-1:] == ["unit"]:
                continue
            if attribute["type"] == "pim_catalog_price_collection":
                currency = rest.pop() if rest else "EUR"
                locale, scope = self._context(attribute, rest)
                amount = {"amount": cell, "currency": currency}
                prices.setdefault((locale, scope), []).append(amount)
                continue
            locale, scope = self._context(attribute, rest)
            if attribute["type"] == "pim_catalog_metric":
                unit = row.get(f"{column}-unit") or attribute.get("default_metric_unit")
                data: Any = {"amount": cell, "unit": unit}
            else:
                data = self.data(attribute, cell)
            values.setdefault(code, []).append({"locale": locale, "scope": scope, "data": data})
        for (locale, scope), amounts in prices.items():
            price_code = next(
                a["code"]
                for a in self.store.attributes.values()
                if a["type"] == "pim_catalog_price_collection"
            )
            values.setdefault(price_code, []).append(
                {"locale": locale, "scope": scope, "data": amounts}
            )
        return values, associations

    @staticmethod
    def _context(attribute: Record, rest: list[str]) -> tuple[str | None, str | None]:
        parts = list(rest)
        locale = parts.pop(0) if attribute.get("localizable") and parts else None
        scope = parts.pop(0) if attribute.get("scopable") and parts else None
        return locale, scope


def _structure(store: CatalogStore, folder: Path) -> None:
    for row in read_rows(folder / "attributes.csv"):
        store.attributes[row["code"]] = _attribute(row)
    for row in read_rows(folder / "attribute_options.csv"):
        store.attribute_options.setdefault(row["attribute"], {})[row["code"]] = {
            "code": row["code"],
            "attribute": row["attribute"],
            "sort_order": int(row["sort_order"] or 0),
            "labels": _labels(row),
        }
    for row in read_rows(folder / "attribute_groups.csv"):
        store.attribute_groups[row["code"]] = {
            "code": row["code"],
            "sort_order": int(row.get("sort_order") or 0),
            "attributes": [a for a, v in store.attributes.items() if v["group"] == row["code"]],
            "labels": _labels(row),
        }
    for row in read_rows(folder / "families.csv"):
        store.families[row["code"]] = {
            "code": row["code"],
            "attribute_as_label": row.get("attribute_as_label") or "sku",
            "attribute_as_image": row.get("attribute_as_image") or None,
            "attributes": _split(row.get("attributes")),
            "attribute_requirements": {
                k[13:]: _split(v) for k, v in row.items() if k.startswith("requirements-")
            },
            "labels": _labels(row),
        }
    for row in read_rows(folder / "family_variants.csv"):
        sets: list[Record] = [
            {
                "level": level,
                "axes": _split(row.get(f"variant-axes_{level}")),
                "attributes": _split(row.get(f"variant-attributes_{level}")),
            }
            for level in (1, 2)
            if row.get(f"variant-axes_{level}")
        ]
        variant_attributes = {a for s in sets for a in s["attributes"]}
        family = store.families.get(row["family"], {"attributes": []})
        store.family_variants.setdefault(row["family"], {})[row["code"]] = {
            "code": row["code"],
            "common_attributes": [a for a in family["attributes"] if a not in variant_attributes],
            "variant_attribute_sets": sets,
            "labels": _labels(row),
        }
    for position, row in enumerate(read_rows(folder / "categories.csv")):
        store.categories[row["code"]] = {
            "code": row["code"],
            "parent": row.get("parent") or None,
            "updated": stamp(EPOCH),
            "position": position,
            "labels": _labels(row),
        }
    channels = read_rows(folder / "channels.csv")
    active = {loc for row in channels for loc in _split(row.get("locales"))}
    for row in channels:
        store.channels[row["code"]] = {
            "code": row["code"],
            "locales": _split(row.get("locales")),
            "currencies": _split(row.get("currencies")),
            "category_tree": row.get("tree") or "master",
            "conversion_units": {},
            "labels": _labels(row),
        }
    for row in read_rows(folder / "locales.csv"):
        store.locales[row["code"]] = {"code": row["code"], "enabled": row["code"] in active}
    for row in read_rows(folder / "currencies.csv"):
        code = row["code"]
        store.currencies[code] = {
            "code": code,
            "enabled": row.get("activated") == "1",
            "label": code,
        }
    for row in read_rows(folder / "association_types.csv"):
        store.association_types[row["code"]] = {
            "code": row["code"],
            "labels": _labels(row),
            "is_quantified": row.get("is_quantified") == "1",
            "is_two_way": row.get("is_two_way") == "1",
        }
    store.measurement_families = measurement_families()


def _inherit(values: dict[str, list[Record]], inherited: dict[str, list[Record]]) -> None:
    for code, entries in inherited.items():
        values.setdefault(code, entries)


def load_fixtures(store: CatalogStore, folder: Path) -> None:
    """Fill ``store`` from an Akeneo fixture folder. Raises FileNotFoundError."""
    if not (folder / "attributes.csv").exists():
        raise FileNotFoundError(f"no Akeneo fixtures (attributes.csv) in {folder}")
    _structure(store, folder)
    reader = _ValueReader(store)
    created = stamp(EPOCH)
    variants = {code: family for family, items in store.family_variants.items() for code in items}
    for row in read_rows(folder / "product_models.csv"):
        values, associations = reader.read(row)
        store.product_models[row["code"]] = {
            "code": row["code"],
            "family": variants.get(row["family_variant"]),
            "family_variant": row["family_variant"],
            "parent": row.get("parent") or None,
            "categories": _split(row.get("categories")),
            "values": values,
            "associations": associations,
            "quantified_associations": {},
            "created": created,
            "updated": created,
        }
    for model in store.product_models.values():
        parent = store.product_models.get(model["parent"] or "")
        if parent is not None:
            _inherit(model["values"], parent["values"])
    products: list[Record] = []
    for index, row in enumerate(read_rows(folder / "products.csv")):
        values, associations = reader.read(row)
        identifier = row["sku"]
        parent_code = row.get("parent") or None
        owner = store.product_models.get(parent_code or "")
        if owner is not None:
            _inherit(values, owner["values"])
        products.append(
            {
                "uuid": product_uuid(identifier),
                "identifier": identifier,
                "enabled": row.get("enabled", "1") != "0",
                "family": row.get("family") or None,
                "categories": _split(row.get("categories")),
                "groups": _split(row.get("groups")),
                "parent": parent_code,
                "values": values,
                "created": created,
                "updated": stamp(EPOCH + timedelta(minutes=index)),
                "associations": associations,
                "quantified_associations": {},
            }
        )
    by_identifier = {p["identifier"]: p["uuid"] for p in products}
    for item in products:  # the store keeps products-uuid format: associations by uuid
        for links in item["associations"].values():
            links["products"] = [by_identifier.get(i, i) for i in links["products"]]
    store.load_products(products)
