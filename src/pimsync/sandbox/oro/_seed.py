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
# the currencies enabled in System Configuration; orders and line items must use one
CURRENCIES = ("USD", "EUR", "GBP", "CAD")
# ISO2 -> (ISO3, name, {region code: name}); a country with regions requires one
COUNTRIES: dict[str, tuple[str, str, dict[str, str]]] = {
    "US": ("USA", "United States", {"NY": "New York", "CA": "California", "TX": "Texas"}),
    "CA": ("CAN", "Canada", {"ON": "Ontario", "QC": "Quebec"}),
    "DE": ("DEU", "Germany", {"BE": "Berlin", "BY": "Bayern"}),
    "SG": ("SGP", "Singapore", {}),
}
_CUSTOMER_GROUPS = ["Non-Authenticated Visitors", "Wholesale Accounts"]
_PAYMENT_TERMS = ["net 30", "net 60"]
_ROLES = [
    ("ROLE_FRONTEND_ADMINISTRATOR", "Administrator"),
    ("ROLE_FRONTEND_BUYER", "Buyer"),
]
# internal statuses from Oro's order docs; new orders start "open"
ORDER_INTERNAL_STATUSES = ("open", "cancelled", "shipped", "closed", "archived")
_SHIPPING_STATUSES = ("not_shipped", "partially_shipped", "shipped")
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
    the default price list, and the customer and order reference data."""
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

    seed_commerce(store, now)


def _options(store: Store, type_: str, ids: tuple[str, ...]) -> None:
    for priority, code in enumerate(ids):
        name = code.replace("_", " ").capitalize()
        attributes = {"name": name, "priority": priority, "default": priority == 0}
        store.put(_record(type_, code, attributes))


def seed_commerce(store: Store, now: str) -> None:
    """What customers and orders need: the admin user and organization, countries and
    regions, customer groups, payment terms, customer user roles, order statuses."""
    stamps = {"createdAt": now, "updatedAt": now}
    store.put(
        _record(
            "users",
            "1",
            {"username": "admin", "email": "admin@example.com", "firstName": "John"}
            | {"lastName": "Doe"},
        )
    )
    store.put(_record("organizations", "1", {"name": "ORO", "enabled": True}))
    for iso2, (iso3, name, regions) in COUNTRIES.items():
        store.put(_record("countries", iso2, {"iso3Code": iso3, "name": name}))
        for code, region in regions.items():
            store.put(
                _record(
                    "regions",
                    f"{iso2}-{code}",
                    {"code": code, "name": region},
                    {"country": {"type": "countries", "id": iso2}},
                )
            )
    owned = {"owner": {"type": "users", "id": "1"}}
    owned["organization"] = {"type": "organizations", "id": "1"}
    for label in _PAYMENT_TERMS:
        store.put(_record("paymentterms", store.new_id("paymentterms"), {"label": label}))
    for group in _CUSTOMER_GROUPS:
        store.put(
            _record(
                "customergroups",
                store.new_id("customergroups"),
                {"name": group, **stamps},
                {"paymentTerm": None, **owned},
            )
        )
    for role, label in _ROLES:
        store.put(
            _record(
                "customeruserroles",
                store.new_id("customeruserroles"),
                {"role": role, "label": label, "selfManaged": False, "public": True},
                {"customer": None, "organization": owned["organization"]},
            )
        )
    _options(store, "customerratings", tuple(f"{n}_of_5" for n in range(1, 6)))
    _options(store, "orderinternalstatuses", ORDER_INTERNAL_STATUSES)
    _options(store, "orderstatuses", ORDER_INTERNAL_STATUSES)
    _options(store, "ordershippingstatuses", _SHIPPING_STATUSES)
    store.put(_record("websites", "1", {"name": "Default", "default": True}))
