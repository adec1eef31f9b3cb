"""The two-way ``sf.orders`` flow: Salesforce Orders with their OrderItems ↔ Oro orders
with their line items (side A Salesforce, side B Oro).

An order and its items are one pair record, reduced on both sides to the same
**canonical** form:

* ``account`` — the Salesforce account id; an Oro customer is turned into it through the
  links of ``sf.accounts`` on the same Oro connection (a customer that job has not
  synced yet is ``oro:<id>``, and the order is refused until it is);
* ``currency``, ``po_number`` (``PoNumber`` ↔ ``poNumber``);
* ``items`` — the sorted ``[SKU, quantity, unit price]`` of its lines (SKU = Product2
  ``ProductCode`` = Oro product SKU, as ``sf.products`` syncs them);
* ``status`` — only when Oro's "External Status Management" is on
  (``oro_status_writable``): Oro refuses to write an order's status otherwise, so it could
  not hold the value and every run would bounce it. Salesforce owns it by default.

The ids of the other side are kept out of the canonical form (each side holds the other
one's: ``Oro_Id__c`` and ``externalId``), and so is the order date: Oro's is its
read-only creation time. An order made in Oro gets today as ``EffectiveDate``.

Writes to Salesforce follow its order rules: a new order is a Draft with its price book
(``pricebook``, else the standard one) before any item; an item names the active entry
of its product's code in that book. An activated order is locked: a change that would
edit it is refused with Salesforce's ``ENTITY_IS_LOCKED`` message, reported and retried
until the engine parks it after ``max_attempts``; Oro never sets a Salesforce status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro._orders import (
    OrderLine,
    OroOrder,
    OroOrderSource,
    OroOrderWriter,
    order_number,
)
from pimsync.connectors.salesforce import connect as connect_salesforce
from pimsync.connectors.salesforce._client import soql_literal
from pimsync.connectors.salesforce._pair import (
    ORO_ID_FIELD,
    SalesforceOrders,
    order_items,
    system_modstamp,
)
from pimsync.connectors.salesforce._results import SaveResult
from pimsync.errors import ConfigError, RejectedRecord
from pimsync.jobs import PairSpec
from pimsync.jobs._pair import Side
from pimsync.runners._sf_catalog import org_currencies
from pimsync.runners._sf_pairs import AccountLinks

if TYPE_CHECKING:
    from pimsync.connectors.salesforce import SalesforceClient
    from pimsync.runners.flows import FlowContext

__all__ = ["SalesforceOrderWriter", "SfOrdersOptions", "sf_orders"]

ORDER_FIELDS = ("AccountId", "Status", "PoNumber", "Pricebook2Id", "EffectiveDate")
CANONICAL = ("account", "currency", "po_number", "items", "status")


class SfOrdersOptions(BaseModel):
    """Options of ``sf.orders``.

    * ``pricebook`` — the Pricebook2 (name) of orders made in Oro; None: the standard one.
    * ``currency`` — the org's currency when it is not multi-currency.
    * ``unit`` — the Oro product unit of line items made from Salesforce.
    * ``oro_status_writable`` — Oro's "Enable External Status Management" is on: the
      status is synced, through ``statuses`` (Salesforce Status → Oro order status).
    * ``salesforce_owns`` / ``oro_owns`` — canonical fields each side decides in a conflict
      (the others: the side modified last).
    """

    model_config = ConfigDict(extra="forbid")

    pricebook: str | None = None
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    unit: str = Field("each", min_length=1)
    oro_status_writable: bool = False
    statuses: dict[str, str] = Field(
        default_factory=lambda: {"Draft": "open", "Activated": "closed"}
    )
    salesforce_owns: list[str] = Field(default_factory=lambda: ["status"])
    oro_owns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SfOrdersOptions:
        unknown = sorted(set(self.salesforce_owns + self.oro_owns) - set(CANONICAL))
        if unknown:
            raise ValueError(
                f"unknown canonical field(s) {', '.join(unknown)} (known: {', '.join(CANONICAL)})"
            )
        both = sorted(set(self.salesforce_owns) & set(self.oro_owns))
        if both:
            raise ValueError(f"field(s) {', '.join(both)} cannot be owned by both sides")
        if len(set(self.statuses.values())) != len(self.statuses):
            raise ValueError("statuses must map each Salesforce status to its own Oro status")
        return self


def _text(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _items(lines: Iterable[OrderLine]) -> list[list[str | None]]:
    return sorted(
        (list(line.canonical) for line in lines),
        key=lambda row: tuple(value or "" for value in row),
    )


def _line(sku: object, quantity: object, price: object) -> OrderLine:
    return OrderLine(_text(sku), order_number(quantity), order_number(price))


class _OrderForm:
    """The canonical order, from either side."""

    def __init__(
        self, options: SfOrdersOptions, links: AccountLinks, currencies: tuple[str, ...] | None
    ) -> None:
        self.options = options
        self.links = links
        self.multi_currency = currencies is not None
        self.to_salesforce_status = {oro: sf for sf, oro in options.statuses.items()}

    def salesforce(self, record: Mapping[str, Any]) -> dict[str, Any]:
        currency = record.get("CurrencyIsoCode") if self.multi_currency else None
        out: dict[str, Any] = {
            "account": _text(record.get("AccountId")),
            "currency": _text(currency) or self.options.currency,
            "po_number": _text(record.get("PoNumber")),
            "items": _items(
                _line(i.get("ProductCode"), i.get("Quantity"), i.get("UnitPrice"))
                for i in record.get("OrderItems") or ()
            ),
        }
        if self.options.oro_status_writable:
            out["status"] = _text(record.get("Status"))
        return out

    def oro(self, order: OroOrder) -> dict[str, Any]:
        customer = order.customer
        account = None
        if customer is not None:
            account = self.links.to_salesforce.get(customer, f"oro:{customer}")
        out: dict[str, Any] = {
            "account": account,
            "currency": _text(order.order.attributes.get("currency")) or self.options.currency,
            "po_number": _text(order.order.attributes.get("poNumber")),
            "items": _items(order.lines),
        }
        if self.options.oro_status_writable:
            status = order.status
            out["status"] = None if status is None else self.to_salesforce_status.get(status)
        return out


def _failed(key: str, saved: Sequence[SaveResult]) -> None:
    messages = [r.message for r in saved if not r.success]
    if messages:
        raise RejectedRecord(key, "; ".join(dict.fromkeys(messages)))


class SalesforceOrderWriter:
    """Writes canonical orders to Salesforce: the Order (upserted by ``Oro_Id__c`` when
    made in Oro; a new one is a Draft with ``pricebook`` and today's date), then its
    OrderItems matched by product code — changed ones updated, missing ones created from
    the active PricebookEntry of the order's book, surplus ones deleted. Salesforce's
    refusal (e.g. ``ENTITY_IS_LOCKED`` for an activated order) is the item's error."""

    def __init__(
        self, client: SalesforceClient, pricebook: str, *, multi_currency: bool = False
    ) -> None:
        self._client = client
        self._pricebook = pricebook
        self._multi_currency = multi_currency

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        for change in changes:
            try:
                results.append(self._one(change))
            except RejectedRecord as exc:
                results.append(ItemResult(change.key, change.dest_key, error=exc.reason))
        return results

    def _current(self, change: Change) -> dict[str, Any] | None:
        fields = ", ".join(("Id", *ORDER_FIELDS))
        if change.dest_key is not None:
            where = f"Id = {soql_literal(change.dest_key)}"
        elif change.key.startswith("b:"):
            where = f"{ORO_ID_FIELD} = {soql_literal(change.key[2:])}"
        else:
            return None
        soql = f"SELECT {fields} FROM Order WHERE {where} LIMIT 1"  # noqa: S608
        return next(iter(self._client.records(soql)), None)

    def _one(self, change: Change) -> ItemResult:
        if change.op is Op.DELETE:
            if change.dest_key:
                self._client.delete("Order", change.dest_key)
            return ItemResult(change.key, change.dest_key)
        if change.op is Op.DISABLE:
            return ItemResult(change.key, error="a Salesforce Order cannot be disabled")
        payload: Mapping[str, Any] = change.payload
        account = payload.get("account")
        if not account or str(account).startswith("oro:"):
            customer = str(account)[4:] if account else "(none)"
            raise RejectedRecord(
                change.key,
                f"its Oro customer {customer} is not a synced account yet (run sf.accounts "
                "first); the order is retried by the next run",
            )
        lines = [_line(s, q, p) for s, q, p in payload.get("items") or ()]
        if any(line.sku is None or line.quantity is None or line.price is None for line in lines):
            raise RejectedRecord(
                change.key, "every line item needs a product code, a quantity and a price"
            )
        header = {"AccountId": account, "PoNumber": payload.get("po_number")}
        current = self._current(change)
        created = current is None
        if current is None:
            fields = {
                **{k: v for k, v in header.items() if v is not None},
                "Status": "Draft",
                "EffectiveDate": datetime.now(UTC).date().isoformat(),
                "Pricebook2Id": self._pricebook,
            }
            if self._multi_currency and payload.get("currency"):
                fields["CurrencyIsoCode"] = payload["currency"]
            if change.key.startswith("b:"):
                outcome = self._client.upsert("Order", ORO_ID_FIELD, change.key[2:], fields)
                order_id = outcome.id or ""
            else:
                order_id = self._client.create("Order", fields)
            book = self._pricebook
        else:
            order_id = str(current["Id"])
            book = str(current.get("Pricebook2Id") or "")
            changed = {
                k: v for k, v in header.items() if v is not None and _text(current.get(k)) != v
            }
            if not book:
                book = changed["Pricebook2Id"] = self._pricebook
            if changed:
                self._client.update("Order", order_id, changed)
        self._items(change.key, order_id, book, lines)
        return ItemResult(change.key, order_id, created=created)

    def _entries(self, key: str, book: str, skus: Sequence[str]) -> dict[str, str]:
        if not skus:
            return {}
        codes = ", ".join(soql_literal(s) for s in sorted(set(skus)))
        soql = (
            "SELECT Id, ProductCode FROM PricebookEntry WHERE IsActive = true AND "  # noqa: S608
            f"Pricebook2Id = {soql_literal(book)} AND ProductCode IN ({codes})"
        )
        found = {str(e["ProductCode"]): str(e["Id"]) for e in self._client.records(soql)}
        missing = sorted(set(skus) - set(found))
        if missing:
            raise RejectedRecord(
                key,
                f"the order's price book {book} has no active entry for product code "
                f"{', '.join(missing)}",
            )
        return found

    def _items(self, key: str, order_id: str, book: str, want: Sequence[OrderLine]) -> None:
        have = order_items(self._client, [order_id]).get(order_id, [])
        spare: dict[str | None, list[tuple[OrderLine, str]]] = {}
        for item in have:
            line = _line(item.get("ProductCode"), item.get("Quantity"), item.get("UnitPrice"))
            spare.setdefault(line.sku, []).append((line, str(item["Id"])))
        updates: list[dict[str, Any]] = []
        new: list[OrderLine] = []
        for line in want:
            pool = spare.get(line.sku) or []
            same = next((p for p in pool if p[0].canonical == line.canonical), None)
            current = same or (pool[0] if pool else None)
            if current is None:
                new.append(line)
                continue
            pool.remove(current)
            if same is None:
                updates.append(
                    {"Id": current[1], "Quantity": line.quantity, "UnitPrice": line.price}
                )
        surplus = [item_id for pool in spare.values() for _kept, item_id in pool]
        if surplus:
            _failed(key, self._client.collection_delete(surplus))
        if updates:
            _failed(key, self._client.collection_update("OrderItem", updates))
        if new:
            entries = self._entries(key, book, [line.sku or "" for line in new])
            records = [
                {
                    "OrderId": order_id,
                    "PricebookEntryId": entries[line.sku or ""],
                    "Quantity": line.quantity,
                    "UnitPrice": line.price,
                }
                for line in new
            ]
            _failed(key, self._client.collection_create("OrderItem", records))


def _pricebook(client: SalesforceClient, name: str | None, job: str) -> str:
    where = "IsStandard = true" if name is None else f"Name = {soql_literal(name)}"
    soql = f"SELECT Id FROM Pricebook2 WHERE {where} LIMIT 1"  # noqa: S608
    found = next(iter(client.records(soql)), None)
    if found is None:
        what = "a standard price book" if name is None else f"a price book named {name!r}"
        raise ConfigError(f"job {job!r}: Salesforce has no {what} (options.pricebook)")
    return str(found["Id"])


def sf_orders(ctx: FlowContext) -> PairSpec:
    """The sf.orders pair; orders follow their accounts through the links of the
    sf.accounts job on the same Oro connection. Raises :class:`ConfigError` for bad
    options, a missing price book or Order field, or no state store."""
    from pimsync.runners.flows import FLOWS  # flows imports this module

    if ctx.db is None:
        raise ConfigError(f"job {ctx.job!r} needs the state store to find the accounts' links")
    options: SfOrdersOptions = FLOWS["sf.orders"].parse_options(ctx.job, ctx.config.options)
    crm = connect_salesforce(ctx.source.settings, ctx.source.secrets)
    currencies = org_currencies(crm, options.currency)
    fields = [*ORDER_FIELDS, ORO_ID_FIELD, *(("CurrencyIsoCode",) if currencies else ())]
    crm.check_fields("Order", fields, purpose=f"job {ctx.job!r} (Order fields)")
    book = _pricebook(crm, options.pricebook, ctx.job)
    shop = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    if shop.get("productunits", options.unit) is None:
        raise ConfigError(f"job {ctx.job!r}: options.unit {options.unit!r} is not an Oro unit")
    links = AccountLinks(ctx.db, ctx.destination.name)
    form = _OrderForm(options, links, currencies)
    status_of = options.statuses.get if options.oro_status_writable else None
    salesforce = Side(
        "salesforce",
        SalesforceOrders(crm, fields),
        form.salesforce,
        system_modstamp,
        SalesforceOrderWriter(crm, book, multi_currency=currencies is not None),
        frozenset(options.salesforce_owns),
        partner=lambda order: str(order[ORO_ID_FIELD]) if order.get(ORO_ID_FIELD) else None,
    )
    oro = Side(
        "oro",
        OroOrderSource(shop),
        form.oro,
        lambda order: order.updated_at,
        OroOrderWriter(shop, links.customer_of, unit=options.unit, status_of=status_of),
        frozenset(options.oro_owns),
        partner=lambda order: order.order.attributes.get("externalId"),
    )
    return PairSpec(ctx.job, "order", salesforce, oro, ctx.destination.name)
