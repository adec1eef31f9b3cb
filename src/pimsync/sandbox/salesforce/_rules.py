"""The platform rules that bite an integration (brief §12): price book entries need a
standard price, orders need a price book before products, activated orders are locked,
plus the fields the platform computes (names, numbers, totals, status codes).

Messages quoted in the brief are reproduced verbatim; the others follow the platform's
wording as closely as known (marked "approximate").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pimsync.sandbox.salesforce._errors import dml
from pimsync.sandbox.salesforce._schema import CONTRACT_STATUS_CODES

if TYPE_CHECKING:
    from pimsync.sandbox.salesforce._org import Org, Record

NO_STANDARD_PRICE = "No standard price defined for this product"
DUPLICATE_PRICE = "This price definition already exists in this price book"
WRONG_BOOK = (
    "Order Products must have a Price Book Entry that belongs to the Price Book related to "
    "the parent Order."
)
NO_PRICEBOOK = "Price Book Not Set on Order"
ORDER_LOCKED = "You can't edit an activated order. Set its status to Draft first."  # approximate
ITEMS_LOCKED = "You can't add, edit or delete products of an activated order."  # approximate
NO_PRODUCTS = "You can't activate an order that has no order products."  # approximate
DRAFT_ONLY = "New orders must have a status in the Draft category."  # approximate


def on_insert(org: Org, type_: str, record: Record) -> Record:
    """The record to store, with computed fields. Raises SalesforceError."""
    if type_ == "Contact":
        record["Name"] = _full_name(record)
    elif type_ == "PricebookEntry":
        _new_entry(org, record)
    elif type_ == "Contract":
        record["ContractNumber"] = org.next_number("Contract", 8)
        _contract(record, None)
    elif type_ == "Order":
        if record["Status"] != "Draft":
            raise dml("FIELD_INTEGRITY_EXCEPTION", DRAFT_ONLY, "Status")
        record.update(
            StatusCode="Draft", OrderNumber=org.next_number("Order", 8), TotalAmount=Decimal(0)
        )
        _order_contract(org, record)
    elif type_ == "OrderItem":
        _new_item(org, record)
    return record


def on_update(org: Org, type_: str, old: Record, new: Record) -> Record:
    """The record to store after an update. Raises SalesforceError."""
    if type_ == "Contact":
        new["Name"] = _full_name(new)
    elif type_ == "Contract":
        _contract(new, old)
    elif type_ == "Order":
        _order_update(org, old, new)
    elif type_ == "OrderItem":
        if _activated(org, new["OrderId"]):
            raise dml("ENTITY_IS_LOCKED", ITEMS_LOCKED)
        _item_total(new)
    return new


def on_delete(org: Org, type_: str, record: Record) -> Iterator[tuple[str, Record]]:
    """The records deleted with ``record`` (cascade). Raises SalesforceError."""
    if type_ == "Account":
        if org.children("Order", "AccountId", record["Id"]):
            raise dml(
                "DELETE_FAILED",
                f"Your attempt to delete {record['Name']} could not be completed because it "
                "is associated with the following orders.",
            )
        yield from (("Contact", c) for c in org.children("Contact", "AccountId", record["Id"]))
    elif type_ == "PricebookEntry":
        if org.children("OrderItem", "PricebookEntryId", record["Id"]):
            raise dml(
                "DELETE_FAILED",
                f"Your attempt to delete {record['Name']} could not be completed because it "
                "is associated with the following order products.",
            )
        book = org.live("Pricebook2", record["Pricebook2Id"])
        if book is not None and book["IsStandard"] and _custom_entries(org, record):
            raise dml(
                "DELETE_FAILED",
                "You can't delete this standard price because custom prices use it.",
            )  # approximate
    elif type_ == "Order":
        if record["StatusCode"] == "Activated":
            raise dml("ENTITY_IS_LOCKED", ORDER_LOCKED)
        yield from (("OrderItem", i) for i in org.children("OrderItem", "OrderId", record["Id"]))
    elif type_ == "OrderItem" and _activated(org, record["OrderId"]):
        raise dml("ENTITY_IS_LOCKED", ITEMS_LOCKED)


def after_write(org: Org, type_: str, old: Record | None, new: Record | None) -> None:
    """Roll-ups: an order's TotalAmount follows its products."""
    if type_ != "OrderItem":
        return
    for order_id in {r["OrderId"] for r in (old, new) if r is not None}:
        order = org.live("Order", order_id)
        if order is None:
            continue
        total = sum(
            (i["TotalPrice"] for i in org.children("OrderItem", "OrderId", order_id)), Decimal(0)
        )
        if total != order["TotalAmount"]:
            org.system_update("Order", order_id, {"TotalAmount": total})


def _full_name(record: Record) -> str:
    return " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)


def _currency(org: Org, record: Record) -> Any:
    return record.get("CurrencyIsoCode") if org.currencies else None


def _entries(org: Org, book_id: str, product_id: str, currency: Any) -> list[Record]:
    return [
        e
        for e in org.children("PricebookEntry", "Product2Id", product_id)
        if e["Pricebook2Id"] == book_id and _currency(org, e) == currency
    ]


def _custom_entries(org: Org, standard: Record) -> list[Record]:
    return [
        e
        for e in org.children("PricebookEntry", "Product2Id", standard["Product2Id"])
        if e["Id"] != standard["Id"] and _currency(org, e) == _currency(org, standard)
    ]


def _new_entry(org: Org, record: Record) -> None:
    book = org.live("Pricebook2", record["Pricebook2Id"])
    product = org.live("Product2", record["Product2Id"])
    assert book is not None and product is not None  # references are checked before
    currency = _currency(org, record)
    if _entries(org, book["Id"], product["Id"], currency):
        raise dml("DUPLICATE_VALUE", DUPLICATE_PRICE)
    if not book["IsStandard"]:
        standard = _entries(org, org.standard_pricebook_id, product["Id"], currency)
        if not standard:
            raise dml("STANDARD_PRICE_NOT_DEFINED", NO_STANDARD_PRICE)
        if record["UseStandardPrice"]:
            record["UnitPrice"] = standard[0]["UnitPrice"]
    elif record["UseStandardPrice"]:
        raise dml(
            "FIELD_INTEGRITY_EXCEPTION",
            "A standard price book entry can't use the standard price.",  # approximate
            "UseStandardPrice",
        )
    record.update(Name=product["Name"], ProductCode=product["ProductCode"])


def _contract(record: Record, old: Record | None) -> None:
    record["StatusCode"] = CONTRACT_STATUS_CODES[record["Status"]]
    start, term = record.get("StartDate"), record.get("ContractTerm")
    record["EndDate"] = _add_months(start, term) - timedelta(days=1) if start and term else None
    if record["StatusCode"] == "Activated" and (old is None or old["StatusCode"] != "Activated"):
        record.update(
            ActivatedDate=record["LastModifiedDate"], ActivatedById=record["LastModifiedById"]
        )


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return start.replace(
        year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])
    )


def _order_contract(org: Org, order: Record) -> None:
    contract = org.live("Contract", order["ContractId"]) if order.get("ContractId") else None
    if contract is not None and contract["AccountId"] != order["AccountId"]:
        raise dml(
            "FIELD_INTEGRITY_EXCEPTION",
            "Contract ID: the contract must belong to the order's account.",  # approximate
            "ContractId",
        )


def _order_update(org: Org, old: Record, new: Record) -> None:
    locked = {"Status", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}
    if old["StatusCode"] == "Activated":
        changed = [k for k, v in new.items() if k not in locked and old.get(k) != v]
        if changed:
            raise dml("ENTITY_IS_LOCKED", ORDER_LOCKED, *changed)
    items = org.children("OrderItem", "OrderId", old["Id"])
    if new.get("Pricebook2Id") != old.get("Pricebook2Id") and items:
        raise dml(
            "FIELD_INTEGRITY_EXCEPTION",
            "Price Book ID: you can't change the price book of an order that has products.",
            "Pricebook2Id",
        )  # approximate
    _order_contract(org, new)
    new["StatusCode"] = "Activated" if new["Status"] == "Activated" else "Draft"
    if new["StatusCode"] == "Activated" and old["StatusCode"] != "Activated":
        if not items:
            raise dml("FIELD_INTEGRITY_EXCEPTION", NO_PRODUCTS, "Status")
        new.update(ActivatedDate=new["LastModifiedDate"], ActivatedById=new["LastModifiedById"])


def _activated(org: Org, order_id: str) -> bool:
    order = org.live("Order", order_id)
    return order is not None and order["StatusCode"] == "Activated"


def _new_item(org: Org, item: Record) -> None:
    order = org.live("Order", item["OrderId"])
    entry = org.live("PricebookEntry", item["PricebookEntryId"])
    assert order is not None and entry is not None  # references are checked before
    if order["StatusCode"] == "Activated":
        raise dml("ENTITY_IS_LOCKED", ITEMS_LOCKED)
    if not order.get("Pricebook2Id"):
        raise dml("FIELD_INTEGRITY_EXCEPTION", NO_PRICEBOOK)
    if entry["Pricebook2Id"] != order["Pricebook2Id"]:
        raise dml("FIELD_INTEGRITY_EXCEPTION", WRONG_BOOK, "PricebookEntryId")
    if not entry["IsActive"]:
        raise dml(
            "FIELD_INTEGRITY_EXCEPTION",
            "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
            "PricebookEntryId",
        )
    if org.currencies:
        if _currency(org, entry) != order["CurrencyIsoCode"]:
            raise dml(
                "FIELD_INTEGRITY_EXCEPTION",
                "field integrity exception: PricebookEntryId (pricebook entry currency code "
                "does not match order currency code)",
                "PricebookEntryId",
            )
        item["CurrencyIsoCode"] = order["CurrencyIsoCode"]
    item.update(
        ListPrice=entry["UnitPrice"],
        Product2Id=entry["Product2Id"],
        OrderItemNumber=org.next_number("OrderItem", 10, start=1),
    )
    _item_total(item)


def _item_total(item: Record) -> None:
    if item["Quantity"] <= 0:
        raise dml(
            "FIELD_INTEGRITY_EXCEPTION", "Quantity: must be greater than zero.", "Quantity"
        )  # approximate
    item["TotalPrice"] = Decimal(str(item["Quantity"])) * item["UnitPrice"]
