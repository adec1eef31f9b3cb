"""Rules for orders, order line items and order addresses (API brief §3.7)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.sandbox.oro._checks import (
    Rule,
    blank,
    external_id,
    invalid,
    money,
    required_links,
    staged,
)
from pimsync.sandbox.oro._customers import ADDRESS_FIELDS, check_place, owned_defaults
from pimsync.sandbox.oro._seed import CURRENCIES
from pimsync.sandbox.oro._store import Record, Transaction

PRICE_TYPE_UNIT = 10  # Oro's OrderLineItem::PRICE_TYPE_UNIT (20 is "bundled")
_LINE_ITEM_TEXT = (
    "productName",
    "shipBy",
    "comment",
    "freeFormProduct",
    "shippingMethod",
    "shippingMethodType",
)
_ORDER_TEXT = (
    "poNumber",
    "customerNotes",
    "shipUntil",
    "shippingMethod",
    "shippingMethodType",
)


def _currency(record: Record, pointer: str) -> None:
    where = f"{pointer}/attributes/currency"
    if record["attributes"].get("currency") in (None, ""):
        raise blank(where)
    if record["attributes"]["currency"] not in CURRENCIES:
        raise invalid("currency constraint", "This value is not a valid currency.", where)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)  # the line item's own rule rejects it


def totals(tx: Transaction, order: Record) -> dict[str, str]:
    """The read-only totals: the subtotal is the sum of quantity × unit price, the total
    adds the shipping cost (the overridden one if set). The sandbox has no taxes or
    promotions, so discounts are zero."""
    subtotal = Decimal(0)
    for link in order["relationships"].get("lineItems") or []:
        item = tx.get("orderlineitems", link["id"])
        if item is not None:
            attributes = item["attributes"]
            subtotal += _decimal(attributes.get("quantity")) * _decimal(attributes.get("value"))
    attributes = order["attributes"]
    shipping = attributes.get("overriddenShippingCostAmount")
    if shipping is None:
        shipping = attributes.get("estimatedShippingCostAmount")
    total = subtotal + _decimal(shipping)
    return {
        "subtotalValue": f"{subtotal:.4f}",
        "totalDiscountsAmount": f"{Decimal(0):.4f}",
        "subtotalWithDiscountsValue": f"{subtotal:.4f}",
        "totalValue": f"{total:.4f}",
    }


def _order(tx: Transaction, record: Record, pointer: str) -> None:
    attributes, links = record["attributes"], record["relationships"]
    attributes.setdefault("currency", CURRENCIES[0])  # the default currency
    _currency(record, pointer)
    external_id(tx, record, pointer)
    for name in ("customer", "customerUser", "billingAddress", "shippingAddress"):
        links.setdefault(name, None)
    user = tx.get("customerusers", links["customerUser"]["id"]) if links["customerUser"] else None
    if links["customer"] is None and user is not None:  # Oro takes the user's customer
        links["customer"] = user["relationships"]["customer"]
    required_links(record, ("customer",), pointer)
    if not links.get("lineItems"):
        raise invalid(
            "count constraint",
            "Please add at least one Line Item.",
            f"{pointer}/relationships/lineItems/data",
        )
    if not attributes.get("identifier"):
        attributes["identifier"] = record["id"]  # Oro numbers an order by its id
    attributes.setdefault("external", False)
    for name in _ORDER_TEXT:
        attributes.setdefault(name, None)
    for name in ("estimatedShippingCostAmount", "overriddenShippingCostAmount"):
        value = attributes.setdefault(name, None)
        if value is not None:
            attributes[name] = money(value, f"{pointer}/attributes/{name}")
    if links.get("internalStatus") is None:
        links["internalStatus"] = {"type": "orderinternalstatuses", "id": "open"}
    links.setdefault("status", None)
    links.setdefault("shippingStatus", None)
    if links.get("paymentTerm") is None:  # the customer's payment term, as Oro resolves it
        customer = tx.get("customers", links["customer"]["id"])
        links["paymentTerm"] = customer["relationships"].get("paymentTerm") if customer else None
    owned_defaults(record)
    attributes.update(totals(tx, record))


def _line_item(tx: Transaction, record: Record, pointer: str) -> None:
    """A line item names a product, or is free-form with its own SKU; the product's SKU
    and default name are copied onto it, as Oro does when it saves the item."""
    attributes, links = record["attributes"], record["relationships"]
    for name in ("product", "parentProduct", "productUnit"):
        links.setdefault(name, None)
    links.setdefault("orders", [])
    product = tx.get("products", links["product"]["id"]) if links["product"] else None
    if product is not None:
        attributes["productSku"] = product["attributes"].get("sku")
        if not attributes.get("productName"):
            attributes["productName"] = _default_name(tx, product)
    if not attributes.get("productSku"):
        raise blank(f"{pointer}/attributes/productSku")
    if not attributes.get("productName") and attributes.get("freeFormProduct"):
        attributes["productName"] = attributes["freeFormProduct"]
    quantity = attributes.get("quantity")
    where = f"{pointer}/attributes/quantity"
    if quantity in (None, ""):
        raise blank(where)
    if _decimal_or_none(quantity) is None:
        raise invalid("type constraint", "This value should be of type numeric.", where)
    if _decimal(quantity) <= 0:
        raise invalid("greater than zero constraint", "This value should be greater than 0.", where)
    if attributes.get("value") in (None, ""):
        raise blank(f"{pointer}/attributes/value")
    attributes["value"] = money(attributes["value"], f"{pointer}/attributes/value")
    if Decimal(attributes["value"]) < 0:
        raise invalid(
            "range constraint", "This value should be 0 or more.", f"{pointer}/attributes/value"
        )
    _currency(record, pointer)
    required_links(record, ("productUnit",), pointer)
    attributes["productUnitCode"] = links["productUnit"]["id"]
    attributes["checksum"] = ""
    attributes.setdefault("priceType", PRICE_TYPE_UNIT)
    for name in _LINE_ITEM_TEXT:
        attributes.setdefault(name, None)
    required_links(record, ("orders",), pointer)
    for link in links["orders"]:  # a line item written on its own changes its orders
        order = staged(tx, "orders", link["id"])
        if order is None:
            continue
        items = order["relationships"].get("lineItems") or []
        if not any(i["id"] == record["id"] for i in items):
            order["relationships"]["lineItems"] = [
                *items,
                {"type": record["type"], "id": record["id"]},
            ]
        new_totals = totals(tx, order)
        if any(order["attributes"].get(k) != v for k, v in new_totals.items()):
            order["attributes"].update(new_totals)
            order["attributes"]["updatedAt"] = attributes.get("updatedAt")
        tx.put(order)


def _decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _default_name(tx: Transaction, product: Record) -> str | None:
    for link in product["relationships"].get("names") or []:
        name = tx.get("productnames", link["id"])
        if name is not None and name["relationships"].get("localization") is None:
            value = name["attributes"].get("string")
            return None if value is None else str(value)
    return None


def _order_address(tx: Transaction, record: Record, pointer: str) -> None:
    """An order's address: its own fields, or a copy of the linked customer (user) address."""
    links = record["relationships"]
    for name in ("customerAddress", "customerUserAddress"):
        links.setdefault(name, None)
    source_link = links["customerAddress"] or links["customerUserAddress"]
    source = tx.get(source_link["type"], source_link["id"]) if source_link else None
    if source is not None:
        for name in ADDRESS_FIELDS:
            record["attributes"][name] = source["attributes"].get(name)
        for name in ("country", "region"):
            links[name] = source["relationships"].get(name)
    check_place(tx, record, pointer)


ORDER_RULES: dict[str, Rule] = {
    "orders": _order,
    "orderlineitems": _line_item,
    "orderaddresses": _order_address,
}

# a line item written inside its order gets the order in its (to-many) ``orders``
ORDER_BACK_REFERENCES: dict[tuple[str, str], str] = {("orders", "lineItems"): "orders"}
# a line item deleted on its own leaves its orders' ``lineItems``
ORDER_MIRRORS: dict[tuple[str, str], str] = {("orderlineitems", "orders"): "lineItems"}
