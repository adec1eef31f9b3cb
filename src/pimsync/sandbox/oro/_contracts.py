"""A custom Contract entity and customer price list assignments (API brief §3.5).

OroCommerce has no contract entity. An admin who needs one creates a custom entity
(System → Entities → Entity Management), which the API exposes under the plural alias
Oro gives custom entities: ``extend`` + the lower-cased name + ``s``. Its fields keep the
names they were declared with (snake case here, as admins usually declare them). The
sandbox offers such an entity, :data:`CONTRACT_TYPE`, with a Salesforce id column, so a
hub can find its records again.

``pricelisttocustomers`` assigns a price list to a customer on a website: ``sortOrder``
required, ``mergeAllowed`` (default true), ``customer`` fixed once created, and one
assignment per (price list, customer, website).
"""

from __future__ import annotations

from datetime import date

from pimsync.sandbox.oro._checks import (
    MAX_STRING,
    Rule,
    blank,
    invalid,
    required_links,
    too_long,
)
from pimsync.sandbox.oro._customers import owned_defaults
from pimsync.sandbox.oro._schema import CONTRACT_TYPE, SALESFORCE_ID
from pimsync.sandbox.oro._store import Record, Transaction

CONTRACT_TEXT = ("contract_number", "status")
CONTRACT_DATES = ("start_date", "end_date")
MAX_SALESFORCE_ID = 18
DEFAULT_WEBSITE = {"type": "websites", "id": "1"}


def _contract(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    for name in (*CONTRACT_TEXT, *CONTRACT_DATES, "contract_term", "description"):
        attributes.setdefault(name, None)
    for name in CONTRACT_TEXT:
        value = attributes[name]
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise too_long(MAX_STRING, f"{pointer}/attributes/{name}")
    for name in CONTRACT_DATES:
        _date(record, name, pointer)
    term = attributes["contract_term"]
    if term is not None and (not isinstance(term, int) or isinstance(term, bool) or term < 0):
        raise invalid(
            "range constraint",
            "This value should be a whole number, 0 or more.",
            f"{pointer}/attributes/contract_term",
        )
    _salesforce_id(tx, record, pointer)
    required_links(record, ("customer",), pointer)
    record["relationships"].setdefault("price_list", None)
    owned_defaults(record)


def _date(record: Record, name: str, pointer: str) -> None:
    value = record["attributes"][name]
    if value is None:
        return
    try:
        date.fromisoformat(str(value))
    except ValueError:
        raise invalid(
            "date constraint", "This value is not a valid date.", f"{pointer}/attributes/{name}"
        ) from None


def _salesforce_id(tx: Transaction, record: Record, pointer: str) -> None:
    """Nullable, at most 18 characters, unique (compared exactly, as the column does)."""
    value = record["attributes"].setdefault(SALESFORCE_ID, None)
    if value is None:
        return
    where = f"{pointer}/attributes/{SALESFORCE_ID}"
    if not isinstance(value, str):
        raise invalid("type constraint", "This value should be of type string.", where)
    if len(value) > MAX_SALESFORCE_ID:
        raise too_long(MAX_SALESFORCE_ID, where)
    for other in tx.find(record["type"], SALESFORCE_ID, value):
        if other["id"] != record["id"] and other["attributes"].get(SALESFORCE_ID) == value:
            raise invalid("unique entity constraint", "This value is already used.", where)


def _price_list_to_customer(tx: Transaction, record: Record, pointer: str) -> None:
    attributes, links = record["attributes"], record["relationships"]
    order = attributes.get("sortOrder")
    if order is None:
        raise blank(f"{pointer}/attributes/sortOrder")
    if not isinstance(order, int) or isinstance(order, bool):
        raise invalid(
            "type constraint",
            "This value should be of type integer.",
            f"{pointer}/attributes/sortOrder",
        )
    merge = attributes.setdefault("mergeAllowed", True)
    if not isinstance(merge, bool):
        raise invalid(
            "type constraint",
            "This value should be of type boolean.",
            f"{pointer}/attributes/mergeAllowed",
        )
    if not links.get("website"):
        links["website"] = dict(DEFAULT_WEBSITE)
    required_links(record, ("priceList", "customer"), pointer)
    key = _assignment(record)
    for other in tx.find("pricelisttocustomers", "customer", links["customer"]["id"]):
        if other["id"] != record["id"] and _assignment(other) == key:
            raise invalid(
                "unique entity constraint",
                "The price list is already assigned to this customer on this website.",
                f"{pointer}/relationships/priceList/data",
            )


def _assignment(record: Record) -> tuple[str, str, str]:
    links = record["relationships"]
    return (links["priceList"]["id"], links["customer"]["id"], links["website"]["id"])


CONTRACT_RULES: dict[str, Rule] = {
    CONTRACT_TYPE: _contract,
    "pricelisttocustomers": _price_list_to_customer,
}
