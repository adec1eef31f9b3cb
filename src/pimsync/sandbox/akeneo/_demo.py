"""The generated demo catalog, structured like Akeneo's own demo.

Products come from :mod:`pimsync.sandbox.catalog`; this module adds the structure
around them (attributes, families and their variants, category trees, channels,
measurement families, media files) and groups the t-shirts and shoes under product
models, the way Akeneo's Icecat demo groups its clothing.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import timedelta
from typing import Any

from pimsync.sandbox import catalog
from pimsync.sandbox.akeneo._store import CatalogStore, MediaFile, Record

_SIZES = ("S", "M", "L")
_ALL_LOCALES = ("en_US", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_BR", "ja_JP")
_ALL_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY")
_LABELS = {"en_US": "{}", "fr_FR": "{} (FR)", "de_DE": "{} (DE)"}
_CATEGORY_TREE = {
    "master": None,
    "clothing": "master",
    "men_tshirts": "clothing",
    "women_tshirts": "clothing",
    "footwear": "master",
    "sneakers": "footwear",
    "boots": "footwear",
    "electronics": "master",
    "laptops": "electronics",
    "audio": "electronics",
    "furniture": "master",
    "office_furniture": "furniture",
    "sales": None,
    "sales_new": "sales",
    "sales_clearance": "sales",
}
# code → (type, group, localizable, scopable, extra fields)
_ATTRIBUTES: dict[str, tuple[str, str, bool, bool, dict[str, Any]]] = {
    "sku": ("pim_catalog_identifier", "erp", False, False, {"unique": True}),
    "name": ("pim_catalog_text", "marketing", True, False, {"max_characters": 255}),
    "description": ("pim_catalog_textarea", "marketing", True, True, {"wysiwyg_enabled": True}),
    "brand": ("pim_catalog_simpleselect", "marketing", False, False, {}),
    "color": ("pim_catalog_simpleselect", "variation", False, False, {}),
    "size": ("pim_catalog_simpleselect", "variation", False, False, {}),
    "price": ("pim_catalog_price_collection", "erp", False, False, {"decimals_allowed": True}),
    "weight": (
        "pim_catalog_metric",
        "technical",
        False,
        False,
        {"metric_family": "Weight", "default_metric_unit": "KILOGRAM", "decimals_allowed": True},
    ),
    "eco_label": ("pim_catalog_boolean", "marketing", False, False, {}),
    "release_date": ("pim_catalog_date", "marketing", False, False, {}),
    "picture": ("pim_catalog_image", "media", False, False, {"allowed_extensions": ["png"]}),
}
_GROUPS = ("marketing", "erp", "technical", "variation", "media")
_COMMON = (
    *("sku", "name", "description", "brand", "price", "weight", "eco_label", "release_date"),
    "picture",
)
BRANDS = ("alderwood", "brightline", "copperfox", "dunmore")


def labels(text: str) -> dict[str, str]:
    """Labels in the three catalog locales."""
    return {locale: pattern.format(text) for locale, pattern in _LABELS.items()}


def png(seed: str) -> bytes:
    """A 1x1 PNG whose colour depends on ``seed``."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, green, blue]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def media_file(code: str, filename: str, content: bytes) -> MediaFile:
    return MediaFile(
        resource={
            "code": code,
            "original_filename": filename,
            "mime_type": "image/png",
            "size": len(content),
            "extension": "png",
        },
        content=content,
    )


def measurement_families() -> dict[str, Record]:
    """A few of the measurement families every Akeneo installs."""

    def unit(code: str, factor: str, symbol: str) -> dict[str, Any]:
        return {
            "code": code,
            "labels": {"en_US": code.title()},
            "convert_from_standard": [{"operator": "mul", "value": factor}],
            "symbol": symbol,
        }

    families = {
        "Weight": ("KILOGRAM", [("GRAM", "0.001", "g"), ("KILOGRAM", "1", "kg")]),
        "Length": ("METER", [("CENTIMETER", "0.01", "cm"), ("METER", "1", "m")]),
        "Binary": ("BYTE", [("BYTE", "1", "B"), ("MEGABYTE", "1048576", "MB")]),
        "Frequency": ("HERTZ", [("HERTZ", "1", "Hz"), ("MEGAHERTZ", "1000000", "MHz")]),
        "Power": ("WATT", [("WATT", "1", "W"), ("KILOWATT", "1000", "kW")]),
    }
    return {
        code: {
            "code": code,
            "labels": {"en_US": code},
            "standard_unit_code": standard,
            "units": {u: unit(u, f, s) for u, f, s in units},
        }
        for code, (standard, units) in families.items()
    }


def _structure(store: CatalogStore) -> None:
    store.locales = {c: {"code": c, "enabled": c in catalog.LOCALES} for c in _ALL_LOCALES}
    store.currencies = {
        c: {"code": c, "enabled": c in catalog.CURRENCIES, "label": c} for c in _ALL_CURRENCIES
    }
    store.channels = {
        c: {
            "code": c,
            "locales": list(catalog.LOCALES),
            "currencies": list(catalog.CURRENCIES),
            "category_tree": "master",
            "conversion_units": {},
            "labels": labels(c.title()),
        }
        for c in catalog.CHANNELS
    }
    store.attribute_groups = {
        g: {
            "code": g,
            "sort_order": i,
            "attributes": [a for a, spec in _ATTRIBUTES.items() if spec[1] == g],
            "labels": labels(g.title()),
        }
        for i, g in enumerate(_GROUPS)
    }
    for order, (code, (kind, group, localizable, scopable, extra)) in enumerate(
        _ATTRIBUTES.items()
    ):
        store.attributes[code] = {
            "code": code,
            "type": kind,
            "group": group,
            "labels": labels(code.replace("_", " ").title()),
            "sort_order": order,
            "localizable": localizable,
            "scopable": scopable,
            "unique": False,
            "useable_as_grid_filter": True,
            "available_locales": [],
            **extra,
        }
    store.attribute_options["color"] = {
        c: {"code": c, "attribute": "color", "sort_order": i, "labels": labels(c.title())}
        for i, c in enumerate(catalog._COLORS)
    }
    store.attribute_options["brand"] = {
        b: {"code": b, "attribute": "brand", "sort_order": i, "labels": labels(b.title())}
        for i, b in enumerate(BRANDS)
    }
    store.attribute_options["size"] = {
        s: {"code": s, "attribute": "size", "sort_order": i, "labels": labels(s)}
        for i, s in enumerate(_SIZES)
    }
    for family, (_, _, _) in catalog._FAMILIES.items():
        attrs = [*_COMMON, "color"] + (["size"] if family == "tshirts" else [])
        store.families[family] = {
            "code": family,
            "attribute_as_label": "name",
            "attribute_as_image": "picture",
            "attributes": attrs,
            "attribute_requirements": {
                "ecommerce": ["sku", "name", "description", "price", "picture"],
                "mobile": ["sku", "name", "price"],
                "print": ["sku", "name", "description", "weight"],
            },
            "labels": labels(family.title()),
        }
    store.family_variants["tshirts"] = {
        "tshirts_color_size": {
            "code": "tshirts_color_size",
            "common_attributes": [
                *("name", "description", "brand", "price", "eco_label", "release_date")
            ],
            "variant_attribute_sets": [
                {"level": 1, "axes": ["color"], "attributes": ["color", "picture"]},
                {"level": 2, "axes": ["size"], "attributes": ["size", "sku", "weight"]},
            ],
            "labels": labels("T-shirts by color and size"),
        }
    }
    store.family_variants["shoes"] = {
        "shoes_color": {
            "code": "shoes_color",
            "common_attributes": [
                *("name", "description", "brand", "price", "eco_label", "release_date")
            ],
            "variant_attribute_sets": [
                {"level": 1, "axes": ["color"], "attributes": ["color", "picture", "sku", "weight"]}
            ],
            "labels": labels("Shoes by color"),
        }
    }
    store.categories = {
        code: {
            "code": code,
            "parent": parent,
            "updated": catalog.EPOCH.isoformat(),
            "position": i,
            "labels": labels(code.replace("_", " ").title()),
        }
        for i, (code, parent) in enumerate(_CATEGORY_TREE.items())
    }
    store.association_types = {
        code: {"code": code, "labels": labels(code), "is_quantified": False, "is_two_way": False}
        for code in ("X_SELL", "UPSELL", "SUBSTITUTION", "PACK")
    }
    store.measurement_families = measurement_families()
    for family in catalog._FAMILIES:
        for color in catalog._COLORS:
            code = f"{family[0]}/{color[0]}/{family}_{color}.png"
            store.media_files[code] = media_file(code, f"{family}_{color}.png", png(code))


def _model(code: str, variant: str, parent: str | None, values: Record, p: Record) -> Record:
    return {
        "code": code,
        "family": p["family"],
        "family_variant": variant,
        "parent": parent,
        "categories": p["categories"],
        "values": values,
        "associations": {},
        "quantified_associations": {},
        "created": p["created"],
        "updated": p["updated"],
    }


def _variants(store: CatalogStore, items: list[Record]) -> None:
    """Turn the t-shirts (root → color → size) and shoes (root → color) into variants."""
    tshirts = [p for p in items if p["family"] == "tshirts"]
    for start in range(0, len(tshirts) - 5, 6):
        group = tshirts[start : start + 6]
        first = group[0]
        root = f"tshirt_{first['identifier'].lower()}"
        common = {k: first["values"][k] for k in ("name", "description", "brand", "price")}
        store.product_models[root] = _model(root, "tshirts_color_size", None, common, first)
        colors = catalog._COLORS[(start // 6) % 3 :: 3][:2]
        for k, p in enumerate(group):
            color = colors[k // 3]
            sub = f"{root}_{color}"
            if sub not in store.product_models:
                pick = {"color": [{"locale": None, "scope": None, "data": color}]}
                store.product_models[sub] = _model(sub, "tshirts_color_size", root, pick, p)
            p["values"]["color"] = [{"locale": None, "scope": None, "data": color}]
            p["values"]["size"] = [{"locale": None, "scope": None, "data": _SIZES[k % 3]}]
            p["values"]["brand"] = first["values"]["brand"]  # inherited from the root
            p["parent"] = sub
    shoes = [p for p in items if p["family"] == "shoes"]
    for start in range(0, len(shoes) - 3, 4):
        group = shoes[start : start + 4]
        first = group[0]
        root = f"shoe_{first['identifier'].lower()}"
        common = {k: first["values"][k] for k in ("name", "description", "brand", "price")}
        store.product_models[root] = _model(root, "shoes_color", None, common, first)
        for k, p in enumerate(group):
            p["values"]["color"] = [{"locale": None, "scope": None, "data": catalog._COLORS[k]}]
            p["values"]["brand"] = first["values"]["brand"]
            p["parent"] = root


def _enrich(p: Record, index: int) -> None:
    """Values and classification the catalog module leaves out."""
    values = p["values"]
    color = values["color"][0]["data"]
    family = p["family"]
    values["eco_label"] = [{"locale": None, "scope": None, "data": index % 3 == 0}]
    brand = BRANDS[(index // len(catalog._FAMILIES)) % len(BRANDS)]
    values["brand"] = [{"locale": None, "scope": None, "data": brand}]
    release = (catalog.EPOCH - timedelta(days=index % 700)).date().isoformat()
    values["release_date"] = [{"locale": None, "scope": None, "data": f"{release}T00:00:00+00:00"}]
    if index % 10:  # every tenth product lacks its picture, so completeness varies
        picture = f"{family[0]}/{color[0]}/{family}_{color}.png"
        values["picture"] = [{"locale": None, "scope": None, "data": picture}]
    if index % 7 == 0:
        p["categories"] = [*p["categories"], "sales_clearance"]
    elif index % 11 == 0:
        p["categories"] = []
    elif index % 13 == 0:
        p["categories"] = [*p["categories"], "sales_new"]


def build_demo(store: CatalogStore, *, products: int, seed: int) -> None:
    """Fill ``store`` with the demo structure and ``products`` generated products."""
    _structure(store)
    items = []
    for index, p in enumerate(catalog.products(products, seed=seed)):
        _enrich(p, index)
        items.append(p)
    _variants(store, items)
    for p in items:  # a variant's picture follows its color
        if "picture" in p["values"]:
            color = p["values"]["color"][0]["data"]
            code = f"{p['family'][0]}/{color[0]}/{p['family']}_{color}.png"
            p["values"]["picture"][0]["data"] = code
    store.load_products(items)
