"""Oro orders with their line items as one side of a two-way sync with Salesforce orders.

:class:`OroOrderSource` reads the orders changed since a window (``updatedAt``; Oro
stamps an order when one of its line items changes its totals) with their line items
in the same call (``include=lineItems``). Oro keeps no tombstones: a deletion is seen
only when an order read by id is gone.

:class:`OroOrderWriter` writes canonical orders. Oro cannot upsert orders (§1.9): the
writer updates the order the hub has linked, else the one whose ``externalId`` holds the
Salesforce id (set on orders made from Salesforce, so a retry after a crash finds
them), else creates the order with its line items in one request. An update touches
only what differs: the header, then line items matched by SKU (changed ones patched,
missing ones added, surplus ones deleted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.errors import AwaitingParent, RejectedRecord

from ._client import OroClient, OroRejected
from ._customers import OroPolling, oro_time, refused_result, since_filter
from ._documents import Document, Resource, linkage, resource_object

__all__ = ["OrderLine", "OroOrder", "OroOrderSource", "OroOrderWriter", "order_number"]


def order_number(value: object) -> Decimal | None:
    """A quantity or price as a normalised Decimal (``"8.7900"`` → 8.79); None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number.normalize() if number.is_finite() else None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line item as the pair compares it: SKU, quantity, unit price (and Oro's id)."""

    sku: str | None
    quantity: Decimal | None
    price: Decimal | None
    id: str = ""

    @property
    def canonical(self) -> tuple[str | None, str | None, str | None]:
        return (
            self.sku,
            None if self.quantity is None else f"{self.quantity:f}",
            None if self.price is None else f"{self.price:f}",
        )


@dataclass(frozen=True, slots=True)
class OroOrder:
    """An order and its line items."""

    order: Resource
    lines: tuple[OrderLine, ...]

    @property
    def updated_at(self) -> datetime:
        return oro_time(self.order.attributes.get("updatedAt"))

    @property
    def customer(self) -> str | None:
        return next((i for _t, i in self.order.related_ids("customer")), None)

    @property
    def status(self) -> str | None:
        """The external status when set, else Oro's internal status."""
        found = self.order.related_ids("status") or self.order.related_ids("internalStatus")
        return found[0][1] if found else None


def _order(document: Document, order: Resource) -> OroOrder:
    lines = tuple(
        OrderLine(
            _text(item.attributes.get("productSku")),
            order_number(item.attributes.get("quantity")),
            order_number(item.attributes.get("value")),
            item.id,
        )
        for item in document.related(order, "lineItems")
    )
    return OroOrder(order, lines)


def _text(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


class OroOrderSource(OroPolling):
    """Oro orders changed since a window (``updatedAt``), with their line items."""

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[OroOrder]]]:
        filters = since_filter(window.since)
        for page in self._client.pages("orders", filters, include=["lineItems"]):
            document = page.document
            yield [SourceRecord(o.id, _order(document, o)) for o in document.data]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[OroOrder]]:
        found = {
            o.id: _order(document, o)
            for document, o in self._by_id("orders", keys, include=["lineItems"])
        }
        for key in keys:
            order = found.get(key)
            yield SourceRecord(key, order) if order else SourceRecord(key, None, deleted=True)


def _external_id(change: Change) -> str | None:
    """The Salesforce id a change carries: its pair key unless the order came from Oro."""
    return None if change.key.startswith("b:") else change.key


def _quantity(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class OroOrderWriter:
    """Writes canonical orders: ``account`` (the Salesforce account, turned into the Oro
    customer by ``customer_of``; None: not synced yet, the order is refused and retried),
    ``currency``, ``po_number``, ``items`` (``[sku, quantity, unit price]``) and, when
    ``status_of`` is given (Oro's external status management is on), ``status`` turned
    into an Oro order status. Line items name the Oro product of their SKU, sold by
    ``unit``."""

    def __init__(
        self,
        client: OroClient,
        customer_of: Callable[[str], str | None],
        *,
        unit: str = "each",
        status_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self._client = client
        self._customer_of = customer_of
        self._unit = unit
        self._status_of = status_of

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        for change in changes:
            try:
                results.append(self._one(change))
            except (OroRejected, RejectedRecord) as exc:
                results.append(refused_result(change, exc))
        return results

    def _find(self, change: Change) -> OroOrder | None:
        if change.dest_key is not None:
            document = self._client.get("orders", change.dest_key, include=["lineItems"])
            return None if document is None else _order(document, document.one)
        external = _external_id(change)
        if external is None or not self._client.capabilities.ext_id:
            return None
        for page in self._client.pages("orders", {"externalId": external}, include=["lineItems"]):
            for order in page.document.data:
                return _order(page.document, order)
        return None

    def _products(self, skus: Sequence[str], key: str) -> dict[str, str]:
        if not skus:
            return {}
        found = {
            str(p.attributes.get("sku")): p.id
            for p in self._client.list("products", {"sku": ",".join(sorted(set(skus)))})
        }
        missing = sorted(set(skus) - set(found))
        if missing:
            raise AwaitingParent(
                key,
                f"no Oro product has SKU {', '.join(missing)} (run sf.products first); "
                "the order is retried by the next run",
            )
        return found

    def _one(self, change: Change) -> ItemResult:
        if change.op is Op.DELETE:
            self._client.delete("orders", change.dest_key or "")
            return ItemResult(change.key, change.dest_key)
        if change.op is Op.DISABLE:
            return ItemResult(change.key, error="Oro orders cannot be disabled; left as is")
        payload: Mapping[str, Any] = change.payload
        account = payload.get("account")
        customer = self._customer_of(str(account)) if account else None
        if customer is None:
            raise AwaitingParent(
                change.key,
                f"its account {account} is not in Oro yet (run sf.accounts first); "
                "the order is retried by the next run",
            )
        lines = [
            OrderLine(_text(s), order_number(q), order_number(p))
            for s, q, p in payload.get("items") or ()
        ]
        if not lines:
            raise RejectedRecord(change.key, "an Oro order needs at least one line item")
        for line in lines:
            if line.sku is None or line.quantity is None or line.price is None:
                raise RejectedRecord(
                    change.key, "every line item needs a product code, a quantity and a price"
                )
        products = self._products([line.sku or "" for line in lines], change.key)
        currency = str(payload.get("currency") or "USD")
        existing = self._find(change)
        if existing is None:
            return self._create(change, customer, currency, lines, products)
        self._update(existing, payload, customer, currency, lines, products)
        return ItemResult(change.key, existing.order.id)

    def _line(self, temp: str | None, line: OrderLine, product: str, currency: str) -> Any:
        attributes = {
            "quantity": _quantity(line.quantity or Decimal(0)),
            "value": f"{line.price:f}",
            "currency": currency,
        }
        relationships: dict[str, Any] = {
            "product": linkage("products", product),
            "productUnit": linkage("productunits", self._unit),
        }
        return resource_object(
            "orderlineitems", id_=temp, attributes=attributes, relationships=relationships
        )

    def _header(self, payload: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        attributes: dict[str, Any] = {"poNumber": payload.get("po_number")}
        relationships: dict[str, Any] = {}
        status = payload.get("status")
        if self._status_of is not None and status:
            relationships["status"] = linkage("orderstatuses", self._status_of(str(status)))
        return attributes, relationships

    def _create(
        self,
        change: Change,
        customer: str,
        currency: str,
        lines: Sequence[OrderLine],
        products: Mapping[str, str],
    ) -> ItemResult:
        attributes, relationships = self._header(change.payload)
        attributes["currency"] = currency
        external = _external_id(change)
        if external is not None and self._client.capabilities.ext_id:
            attributes["externalId"] = external
        temps = [f"line{n}" for n in range(1, len(lines) + 1)]
        relationships["customer"] = linkage("customers", customer)
        relationships["lineItems"] = {
            "data": [{"type": "orderlineitems", "id": temp} for temp in temps]
        }
        document = {
            "data": resource_object("orders", attributes=attributes, relationships=relationships),
            "included": [
                self._line(temp, line, products[line.sku or ""], currency)
                for temp, line in zip(temps, lines, strict=True)
            ],
        }
        id_ = self._client.create("orders", document)[0].one.id
        return ItemResult(change.key, id_, created=True)

    def _update(
        self,
        existing: OroOrder,
        payload: Mapping[str, Any],
        customer: str,
        currency: str,
        lines: Sequence[OrderLine],
        products: Mapping[str, str],
    ) -> None:
        order = existing.order
        attributes, relationships = self._header(payload)
        changed_attributes = {
            k: v for k, v in attributes.items() if _text(order.attributes.get(k)) != _text(v)
        }
        if existing.customer != customer:
            relationships["customer"] = linkage("customers", customer)
        changed_relationships = {
            k: v
            for k, v in relationships.items()
            if [{"type": t, "id": i} for t, i in order.related_ids(k)] != [v["data"]]
        }
        if changed_attributes or changed_relationships:
            document = {
                "data": resource_object(
                    "orders",
                    id_=order.id,
                    attributes=changed_attributes,
                    relationships=changed_relationships,
                )
            }
            self._client.update("orders", order.id, document)
        self._lines(order.id, existing.lines, lines, products, currency)

    def _lines(
        self,
        order: str,
        have: Sequence[OrderLine],
        want: Sequence[OrderLine],
        products: Mapping[str, str],
        currency: str,
    ) -> None:
        """Match line items by SKU (in order), then patch, add and delete what differs."""
        spare: dict[str | None, list[OrderLine]] = {}
        for line in have:
            spare.setdefault(line.sku, []).append(line)
        for line in want:
            pool = spare.get(line.sku) or []
            same = next((h for h in pool if h.canonical == line.canonical), None)
            current = same or (pool[0] if pool else None)
            if current is not None:
                pool.remove(current)
                if same is None:
                    item = self._line(None, line, products[line.sku or ""], currency)
                    item["id"] = current.id
                    self._client.update("orderlineitems", current.id, {"data": item})
                continue
            item = self._line(None, line, products[line.sku or ""], currency)
            item["relationships"]["orders"] = {"data": [{"type": "orders", "id": order}]}
            self._client.create("orderlineitems", {"data": item})
        for pool in spare.values():
            for line in pool:
                self._client.delete("orderlineitems", line.id)
