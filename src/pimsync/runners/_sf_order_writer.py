"""Writes canonical orders (see :mod:`pimsync.runners._sf_orders`) to Salesforce in
batches: a batch of orders costs a handful of calls, not five per order.

Salesforce's order rules decide the steps, each one a few SOQL queries or sObject
Collections calls (200 records each) for the whole batch:

1. find the orders that exist: by the linked Id, else by ``Oro_Id__c`` (an order made
   from Oro carries its Oro id, so a retry after a crash finds it). A new order takes
   the price book of its account's activated contract that is in force today (the
   latest started; the contract goes on the order too), else the job's price book;
2. read their OrderItems, and match the wanted lines by product code: changed ones
   are updated, missing ones created, surplus ones deleted;
3. look up the active PricebookEntry of every product code to add, per price book.
   An order missing one is refused before anything of it is written;
4. write the headers: new orders as Drafts with the price book and today's date
   (upserted by ``Oro_Id__c``), changed headers as updates;
5. write the items: deletions, updates, then creations under their order's Id.

A record Salesforce refuses (``ENTITY_IS_LOCKED`` for an item of an activated order,
say) fails its own order only, with Salesforce's message; the others are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.connectors.oro._orders import OrderLine, order_number
from pimsync.connectors.salesforce._client import COLLECTION_LIMIT, soql_literal
from pimsync.connectors.salesforce._pair import ORO_ID_FIELD, item_results, order_items
from pimsync.connectors.salesforce._results import SaveResult
from pimsync.errors import AwaitingParent, RejectedRecord

if TYPE_CHECKING:
    from pimsync.connectors.salesforce import SalesforceClient

__all__ = ["ORDER_FIELDS", "SalesforceOrderWriter", "text", "to_line"]

ORDER_FIELDS = ("AccountId", "Status", "PoNumber", "Pricebook2Id", "EffectiveDate")
Record = dict[str, Any]


def text(value: object) -> str | None:
    """A value as stripped text; None for nothing or blanks."""
    stripped = "" if value is None else str(value).strip()
    return stripped or None


def to_line(sku: object, quantity: object, price: object) -> OrderLine:
    return OrderLine(text(sku), order_number(quantity), order_number(price))


@dataclass
class _Order:
    """One order of the batch and what is to be written for it."""

    change: Change
    header: dict[str, Any]
    lines: list[OrderLine]
    current: Record | None = None
    order_id: str | None = None
    book: str = ""
    contract: str | None = None
    new_lines: list[OrderLine] = field(default_factory=list)
    item_updates: list[Record] = field(default_factory=list)
    surplus: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


# Record ids are 18 characters: 500 of them quoted make a query of about 11 KB, under
# the 16 KB Salesforce takes in a URL. Product codes can be long: 200 per query.
_IDS_PER_QUERY = 500


def _chunks(values: Sequence[str], size: int = COLLECTION_LIMIT) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _in(values: Sequence[str]) -> str:
    return ", ".join(soql_literal(v) for v in values)


class SalesforceOrderWriter:
    """Writes canonical orders to Salesforce; new ones take ``pricebook``. Multi-currency
    orgs get the order's currency on new orders."""

    def __init__(
        self,
        client: SalesforceClient,
        pricebook: str,
        *,
        multi_currency: bool = False,
        contract_pricing: bool = True,
    ) -> None:
        self._client = client
        self._pricebook = pricebook
        self._multi_currency = multi_currency
        self._contract_pricing = contract_pricing

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        orders: list[_Order] = []
        deletes: list[Change] = []
        for change in changes:
            if change.op is Op.DELETE:
                if change.dest_key:
                    deletes.append(change)
                else:
                    results.append(ItemResult(change.key))
            elif change.op is Op.DISABLE:
                results.append(
                    ItemResult(change.key, error="a Salesforce Order cannot be disabled")
                )
            else:
                try:
                    orders.append(_prepare(change))
                except RejectedRecord as exc:
                    results.append(ItemResult.refused(change.key, exc, change.dest_key))
        if deletes:
            saved = self._client.collection_delete([c.dest_key or "" for c in deletes])
            results += item_results(deletes, saved)
        if orders:
            self._find(orders)
            self._plan_items([o for o in orders if o.current is not None])
            entries = self._entries(orders)
            self._save_headers([o for o in orders if o.ok])
            self._save_items([o for o in orders if o.ok], entries)
        for order in orders:
            results.append(
                ItemResult(
                    order.change.key,
                    order.order_id or order.change.dest_key,
                    created=order.current is None,
                    error="; ".join(order.errors) or None,
                )
            )
        return results

    # -- reading what exists ---------------------------------------------------------------

    def _find(self, orders: Sequence[_Order]) -> None:
        """Each order's current Salesforce record: by Id, else by ``Oro_Id__c``."""
        fields = ", ".join(("Id", *ORDER_FIELDS, ORO_ID_FIELD))
        by_id = {o.change.dest_key: o for o in orders if o.change.dest_key}
        for chunk in _chunks(sorted(by_id), _IDS_PER_QUERY):
            soql = f"SELECT {fields} FROM Order WHERE Id IN ({_in(chunk)})"  # noqa: S608
            for record in self._client.records(soql):
                by_id[str(record["Id"])].current = record
        by_oro = {
            o.change.key[2:]: o
            for o in orders
            if o.current is None and not o.change.dest_key and o.change.key.startswith("b:")
        }
        for chunk in _chunks(sorted(by_oro), _IDS_PER_QUERY):
            soql = f"SELECT {fields} FROM Order WHERE {ORO_ID_FIELD} IN ({_in(chunk)})"  # noqa: S608
            for record in self._client.records(soql):
                found = by_oro.get(str(record.get(ORO_ID_FIELD)))
                if found is not None:
                    found.current = record
        new = [o for o in orders if o.current is None]
        contracts = self._contracts([str(o.header["AccountId"]) for o in new])
        for order in orders:
            if order.current is None:
                order.contract, order.book = contracts.get(
                    str(order.header["AccountId"]), (None, self._pricebook)
                )
                order.new_lines = list(order.lines)
            else:
                order.order_id = str(order.current["Id"])
                order.book = str(order.current.get("Pricebook2Id") or "") or self._pricebook

    def _contracts(self, accounts: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Account → (contract, price book) of its activated contract with a price book
        in force today, the latest started."""
        if not self._contract_pricing or not accounts:
            return {}
        today = datetime.now(UTC).date().isoformat()
        found: dict[str, tuple[str, str, str]] = {}
        for chunk in _chunks(sorted(set(accounts)), _IDS_PER_QUERY):
            soql = (
                "SELECT Id, AccountId, Pricebook2Id, StartDate, EndDate FROM Contract "  # noqa: S608
                f"WHERE StatusCode = 'Activated' AND AccountId IN ({_in(chunk)})"
            )
            for contract in self._client.records(soql):
                start = str(contract.get("StartDate") or "")
                end = str(contract.get("EndDate") or "")
                book = contract.get("Pricebook2Id")
                if not book or start > today or (end and end < today):
                    continue
                account = str(contract["AccountId"])
                if account not in found or start > found[account][0]:
                    found[account] = (start, str(contract["Id"]), str(book))
        return {account: (c, b) for account, (_s, c, b) in found.items()}

    def _plan_items(self, existing: Sequence[_Order]) -> None:
        """Match the wanted lines of existing orders with their items by product code."""
        if not existing:
            return
        have = order_items(self._client, [o.order_id or "" for o in existing])
        for order in existing:
            spare: dict[str | None, list[tuple[OrderLine, str]]] = {}
            for item in have.get(order.order_id or "", []):
                line = to_line(item.get("ProductCode"), item.get("Quantity"), item.get("UnitPrice"))
                spare.setdefault(line.sku, []).append((line, str(item["Id"])))
            for line in order.lines:
                pool = spare.get(line.sku) or []
                same = next((p for p in pool if p[0].canonical == line.canonical), None)
                current = same or (pool[0] if pool else None)
                if current is None:
                    order.new_lines.append(line)
                    continue
                pool.remove(current)
                if same is None:
                    order.item_updates.append(
                        {"Id": current[1], "Quantity": line.quantity, "UnitPrice": line.price}
                    )
            order.surplus = [item_id for pool in spare.values() for _line, item_id in pool]

    def _entries(self, orders: Sequence[_Order]) -> dict[tuple[str, str], str]:
        """The active PricebookEntry of every product code to add, per price book; an
        order missing one is refused before anything of it is written."""
        wanted: dict[str, set[str]] = {}
        for order in orders:
            wanted.setdefault(order.book, set()).update(line.sku or "" for line in order.new_lines)
        entries: dict[tuple[str, str], str] = {}
        for book, skus in wanted.items():
            for chunk in _chunks(sorted(skus)):
                if not chunk:
                    continue
                soql = (
                    "SELECT Id, ProductCode FROM PricebookEntry WHERE IsActive = true AND "  # noqa: S608
                    f"Pricebook2Id = {soql_literal(book)} AND ProductCode IN ({_in(chunk)})"
                )
                for entry in self._client.records(soql):
                    entries[(book, str(entry["ProductCode"]))] = str(entry["Id"])
        for order in orders:
            skus = {line.sku or "" for line in order.new_lines}
            missing = sorted(sku for sku in skus if (order.book, sku) not in entries)
            if missing:
                order.fail(
                    f"the order's price book {order.book} has no active entry for product "
                    f"code {', '.join(missing)}"
                )
        return entries

    # -- writing ---------------------------------------------------------------------------

    def _save_headers(self, orders: Sequence[_Order]) -> None:
        today = datetime.now(UTC).date().isoformat()
        upserts: list[tuple[_Order, Record]] = []
        creates: list[tuple[_Order, Record]] = []
        updates: list[tuple[_Order, Record]] = []
        for order in orders:
            if order.current is None:
                fields = {
                    **{k: v for k, v in order.header.items() if v is not None},
                    "Status": "Draft",
                    "EffectiveDate": today,
                    "Pricebook2Id": order.book,
                }
                if order.contract is not None:
                    fields["ContractId"] = order.contract
                if self._multi_currency and order.change.payload.get("currency"):
                    fields["CurrencyIsoCode"] = order.change.payload["currency"]
                if order.change.key.startswith("b:"):
                    upserts.append((order, {**fields, ORO_ID_FIELD: order.change.key[2:]}))
                else:
                    creates.append((order, fields))
                continue
            changed = {
                k: v
                for k, v in order.header.items()
                if v is not None and text(order.current.get(k)) != v
            }
            if not order.current.get("Pricebook2Id"):
                changed["Pricebook2Id"] = order.book
            if changed:
                updates.append((order, {"Id": order.order_id, **changed}))
        if upserts:
            saved = self._client.collection_upsert("Order", ORO_ID_FIELD, [r for _o, r in upserts])
            _settle([o for o, _r in upserts], saved, take_id=True)
        if creates:
            saved = self._client.collection_create("Order", [r for _o, r in creates])
            _settle([o for o, _r in creates], saved, take_id=True)
        if updates:
            saved = self._client.collection_update("Order", [r for _o, r in updates])
            _settle([o for o, _r in updates], saved)

    def _save_items(self, orders: Sequence[_Order], entries: Mapping[tuple[str, str], str]) -> None:
        deletes = [(o, item_id) for o in orders if o.ok for item_id in o.surplus]
        if deletes:
            saved = self._client.collection_delete([i for _o, i in deletes])
            _settle([o for o, _i in deletes], saved)
        updates = [(o, record) for o in orders if o.ok for record in o.item_updates]
        if updates:
            saved = self._client.collection_update("OrderItem", [r for _o, r in updates])
            _settle([o for o, _r in updates], saved)
        creates = [
            (
                o,
                {
                    "OrderId": o.order_id,
                    "PricebookEntryId": entries[(o.book, line.sku or "")],
                    "Quantity": line.quantity,
                    "UnitPrice": line.price,
                },
            )
            for o in orders
            if o.ok
            for line in o.new_lines
        ]
        if creates:
            saved = self._client.collection_create("OrderItem", [r for _o, r in creates])
            _settle([o for o, _r in creates], saved)


def _settle(
    owners: Sequence[_Order], saved: Sequence[SaveResult], *, take_id: bool = False
) -> None:
    """Give each record's outcome to the order it belongs to."""
    for order, result in zip(owners, saved, strict=True):
        if not result.success:
            order.fail(result.message)
        elif take_id and result.id:
            order.order_id = result.id


def _prepare(change: Change) -> _Order:
    """The order a change asks for; :class:`RejectedRecord` if it cannot be written."""
    payload: Mapping[str, Any] = change.payload
    account = payload.get("account")
    if not account or str(account).startswith("oro:"):
        customer = str(account)[4:] if account else "(none)"
        raise AwaitingParent(
            change.key,
            f"its Oro customer {customer} is not a synced account yet (run sf.accounts "
            "first); the order is retried by the next run",
        )
    lines = [to_line(s, q, p) for s, q, p in payload.get("items") or ()]
    if any(line.sku is None or line.quantity is None or line.price is None for line in lines):
        raise RejectedRecord(
            change.key, "every line item needs a product code, a quantity and a price"
        )
    header = {"AccountId": account, "PoNumber": payload.get("po_number")}
    return _Order(change, header, lines)
