"""A readable rendering of one mapped product, for ``pimsync mapping preview SKU``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from pimsync.model import Product, ProductModel

from ._mapper import Mapper

__all__ = ["preview", "preview_rows"]

_WIDTH = 24


def _render(value: Any) -> str:
    if value is None:
        return "(empty: cleared)"
    if isinstance(value, Mapping) and not value:
        return "(none: cleared)"
    if isinstance(value, tuple) and not value:
        return "(none)"
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def preview(mapper: Mapper, record: Product | ProductModel) -> str:
    """Each Oro field of ``record`` mapped, its value and its Akeneo source, one per line.

    Raises :class:`~pimsync.errors.RejectedRecord` when the record cannot be mapped.
    """
    sku, rows = preview_rows(mapper, record)
    lines = [f"Oro product {sku}"]
    for name, shown, source in rows:
        line = f"  {name:<{_WIDTH}} {shown}"
        lines.append(f"{line}    ← {source}" if source else line)
    return "\n".join(lines)


def preview_rows(
    mapper: Mapper, record: Product | ProductModel
) -> tuple[str, list[tuple[str, str, str]]]:
    """The Oro SKU of ``record`` and its fields as (name, rendered value, Akeneo source)
    rows, in the order :func:`preview` prints them (the web app shows them as a table).

    Raises :class:`~pimsync.errors.RejectedRecord` when the record cannot be mapped.
    """
    product = mapper.record(record)
    sources = mapper.sources
    localization_names = {oro_id: name for name, oro_id in mapper.oro.localizations.items()}

    def localized(texts: Mapping[str | None, str]) -> Any:
        return {
            ("default" if loc is None else f"{loc} ({localization_names.get(loc, '?')})"): text
            for loc, text in texts.items()
        }

    rows: list[tuple[str, Any, str]] = [
        ("sku", product.sku, "identifier" if isinstance(record, Product) else "model code"),
        ("productType", product.product_type, "product model" if product.variant_fields else ""),
        ("status", product.status, "enabled" if isinstance(record, Product) else ""),
        ("attributeFamily", product.attribute_family, f"family {record.family}"),
        ("names", localized(product.names), sources.get("names", "")),
        ("descriptions", localized(product.descriptions), sources.get("descriptions", "")),
        (
            "shortDescriptions",
            localized(product.short_descriptions),
            sources.get("short_descriptions", ""),
        ),
        ("slugPrototypes", localized(product.slugs), sources.get("slugs", "")),
        ("category", product.category, sources.get("category", "")),
        ("brand", product.brand, sources.get("brand", "")),
        ("inventory_status", product.inventory_status, sources.get("inventory_status", "")),
        ("unit", f"{product.unit} (precision {product.unit_precision})", "config"),
    ]
    for name, value in {**product.attributes, **product.relationships}.items():
        rows.append((name, value, sources.get(f"attributes.{name}", "")))
    rows.append(
        (
            "prices",
            [
                f"{p.value} {p.currency} (price list {p.price_list}, qty {p.quantity})"
                for p in product.prices
            ],
            "; ".join(v for k, v in sources.items() if k.startswith("prices.")),
        )
    )
    rows.append(
        (
            "images",
            [f"{i.filename} [{'/'.join(i.types)}] {i.mime_type}" for i in product.images],
            sources.get("images", ""),
        )
    )
    if product.variant_fields:
        rows.append(("variantFields", list(product.variant_fields), "family variant axes"))
    rows.append(("variant parent", product.variant_parent, "root product model"))
    return product.sku, [
        (name, "(none)" if isinstance(value, list) and not value else _render(value), source)
        for name, value, source in rows
    ]
