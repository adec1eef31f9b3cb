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

Writes to Salesforce follow its order rules (:mod:`pimsync.runners._sf_order_writer`):
a new order is a Draft with its price book (that of its account's activated contract,
else ``pricebook``, else the standard one) before any item; an item names the active
entry of its product's code in that book. An activated order is locked: a change that would
edit it is refused with Salesforce's ``ENTITY_IS_LOCKED`` message, reported and retried
until the engine parks it after ``max_attempts``; Oro never sets a Salesforce status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro._orders import (
    OrderLine,
    OroOrder,
    OroOrderSource,
    OroOrderWriter,
)
from pimsync.connectors.salesforce import connect as connect_salesforce
from pimsync.connectors.salesforce._client import soql_literal
from pimsync.connectors.salesforce._pair import (
    ORO_ID_FIELD,
    SalesforceOrders,
    system_modstamp,
)
from pimsync.errors import ConfigError
from pimsync.jobs import PairSpec
from pimsync.jobs._pair import Side
from pimsync.runners._sf_catalog import org_currencies
from pimsync.runners._sf_order_writer import ORDER_FIELDS, SalesforceOrderWriter, text, to_line
from pimsync.runners._sf_pairs import AccountLinks

if TYPE_CHECKING:
    from pimsync.connectors.salesforce import SalesforceClient
    from pimsync.runners.flows import FlowContext

__all__ = ["SfOrdersOptions", "sf_orders"]

CANONICAL = ("account", "currency", "po_number", "items", "status")


class SfOrdersOptions(BaseModel):
    """Options of ``sf.orders``.

    * ``pricebook`` — the Pricebook2 (name) of orders made in Oro; None: the standard one.
    * ``contract_pricing`` — an order made in Oro for an account with an activated
      contract in force that has a price book takes that book (and the contract).
    * ``currency`` — the org's currency when it is not multi-currency.
    * ``unit`` — the Oro product unit of line items made from Salesforce.
    * ``oro_status_writable`` — Oro's "Enable External Status Management" is on: the
      status is synced, through ``statuses`` (Salesforce Status → Oro order status).
    * ``salesforce_owns`` / ``oro_owns`` — canonical fields each side decides in a conflict
      (the others: the side modified last).
    """

    model_config = ConfigDict(extra="forbid")

    pricebook: str | None = None
    contract_pricing: bool = True
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


def _items(lines: Iterable[OrderLine]) -> list[list[str | None]]:
    return sorted(
        (list(line.canonical) for line in lines),
        key=lambda row: tuple(value or "" for value in row),
    )


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
            "account": text(record.get("AccountId")),
            "currency": text(currency) or self.options.currency,
            "po_number": text(record.get("PoNumber")),
            "items": _items(
                to_line(i.get("ProductCode"), i.get("Quantity"), i.get("UnitPrice"))
                for i in record.get("OrderItems") or ()
            ),
        }
        if self.options.oro_status_writable:
            out["status"] = text(record.get("Status"))
        return out

    def oro(self, order: OroOrder) -> dict[str, Any]:
        customer = order.customer
        account = None
        if customer is not None:
            account = self.links.to_salesforce.get(customer, f"oro:{customer}")
        out: dict[str, Any] = {
            "account": account,
            "currency": text(order.order.attributes.get("currency")) or self.options.currency,
            "po_number": text(order.order.attributes.get("poNumber")),
            "items": _items(order.lines),
        }
        if self.options.oro_status_writable:
            status = order.status
            out["status"] = None if status is None else self.to_salesforce_status.get(status)
        return out


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
        SalesforceOrderWriter(
            crm,
            book,
            multi_currency=currencies is not None,
            contract_pricing=options.contract_pricing,
        ),
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
