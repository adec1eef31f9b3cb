"""Stock reference data of a fresh OroCommerce install, as the API lists it."""

from __future__ import annotations

from typing import Any

from pimsync.sandbox.oro._store import Record, Store

_LOCALIZATIONS = [
    ("English (United States)", "en_US"),
    ("French (France)", "fr_FR"),
    ("German (Germany)", "de_DE"),
]
UNITS = {"each": 0, "hour": 0, "item": 0, "kg": 3, "piece": 0, "set": 0}
_STATUSES = [
    ("in_stock", "In Stock"),
    ("out_of_stock", "Out of Stock"),
    ("discontinued", "Discontinued"),
]
_CATEGORIES = [
    ("All Products", None),
    ("Retail Supplies", "1"),
    ("Printers", "2"),
    ("Office Furniture", "1"),
    ("Lighting Products", "1"),
]


def _record(
    type_: str, id_: str, attributes: dict[str, Any], relationships: dict[str, Any] | None = None
) -> Record:
    return {
        "type": type_,
        "id": id_,
        "attributes": attributes,
        "relationships": relationships or {},
    }


def _label(store: Store, text: str) -> dict[str, str]:
    id_ = store.new_id("localizedfallbackvalues")
    store.put(
        _record(
            "localizedfallbackvalues",
            id_,
            {"fallback": None, "string": text, "text": None},
            {"localization": None},
        )
    )
    return {"type": "localizedfallbackvalues", "id": id_}


def seed(store: Store, now: str) -> None:
    """Localizations, units, inventory statuses, the default family, a category tree,
    and the default price list."""
    stamps = {"createdAt": now, "updatedAt": now}
    for name, code in _LOCALIZATIONS:
        store.put(
            _record(
                "localizations",
                store.new_id("localizations"),
                {
                    "name": code,
                    "title": name,
                    "languageCode": code,
                    "formattingCode": code,
                    "rtlMode": False,
                    **stamps,
                },
                {"parentLocalization": None},
            )
        )
    for code, precision in UNITS.items():
        store.put(_record("productunits", code, {"defaultPrecision": precision}))
    for priority, (code, name) in enumerate(_STATUSES):
        store.put(
            _record(
                "prodinventorystatuses",
                code,
                {"name": name, "priority": priority, "default": code == "in_stock"},
            )
        )
    store.put(
        _record(
            "attributefamilies",
            store.new_id("attributefamilies"),
            {
                "code": "default_family",
                "entityClass": "Oro\\Bundle\\ProductBundle\\Entity\\Product",
                "isEnabled": True,
                **stamps,
            },
            {"labels": [_label(store, "Default")]},
        )
    )
    for title, parent in _CATEGORIES:
        parent_link = None if parent is None else {"type": "categories", "id": parent}
        store.put(
            _record(
                "categories",
                store.new_id("categories"),
                {"category_sort_order": None, **stamps},
                {"titles": [_label(store, title)], "parentCategory": parent_link},
            )
        )
    store.put(
        _record(
            "pricelists",
            store.new_id("pricelists"),
            {
                "name": "Default Price List",
                "priceListCurrencies": ["USD"],
                "active": True,
                "productAssignmentRule": None,
                "containSchedule": False,
                "actual": True,
                **stamps,
            },
        )
    )
