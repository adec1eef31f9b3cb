"""CRM and commerce records exchanged between Salesforce and OroCommerce.

Every record carries the ``id`` it has in the system it was read from (opaque text: an
18-character Salesforce Id, an Oro integer id as text) and ``external_ids``, the ids the
same record has elsewhere keyed by system name (``{"oro": "42"}``), so a two-way sync can
find its counterpart and suppress its own echoes. ``modified`` is the source's change
timestamp (Salesforce ``SystemModstamp``, Oro ``updatedAt``) in UTC.

Products are matched across systems by ``product_key``: the SKU, which is the Akeneo
identifier, the Salesforce ``ProductCode`` and the Oro ``sku``. Money is ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "Account",
    "Address",
    "Contact",
    "Contract",
    "CrmProduct",
    "CrmRecord",
    "Order",
    "OrderLine",
    "PriceBook",
    "PriceBookEntry",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrmRecord:
    """What every CRM record has: its id in the source system and its ids elsewhere."""

    id: str
    external_ids: Mapping[str, str] = field(default_factory=dict)
    modified: datetime | None = None

    def external_id(self, system: str) -> str | None:
        """Return the id of this record in ``system``, or None when it is not linked yet."""
        return self.external_ids.get(system)


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """A postal address.

    ``country_code`` is ISO 3166-1 alpha-2 and ``state_code`` the subdivision code (Oro
    region ``US-NY`` is state_code ``NY``) when the source has them; ``country`` and
    ``state`` are the names as typed.
    """

    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    state_code: str | None = None
    country: str | None = None
    country_code: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when no part of the address is filled in."""
        return not any(
            (
                self.street,
                self.city,
                self.postal_code,
                self.state,
                self.state_code,
                self.country,
                self.country_code,
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Account(CrmRecord):
    """A customer company: a Salesforce Account, an Oro customer.

    ``owner`` is the owning user's id in the source system; ``parent_id`` the parent
    account's id there.
    """

    name: str
    account_number: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    parent_id: str | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(CrmRecord):
    """A person at a customer: a Salesforce Contact, an Oro customer user."""

    account_id: str | None = None
    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    mailing_address: Address | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine:
    """One line of an order; ``total`` is the source's line total when it reports one.

    ``id`` is the line's id in the source system; ``product_id`` the product's id there.
    """

    id: str | None = None
    product_key: str
    product_id: str | None = None
    quantity: Decimal
    unit_price: Decimal
    total: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        """The line total: the reported one, else quantity × unit price."""
        return self.total if self.total is not None else self.quantity * self.unit_price


@dataclass(frozen=True, slots=True, kw_only=True)
class Order(CrmRecord):
    """A customer order with its lines; ``currency`` is an ISO 4217 code.

    ``total`` is the source's order total (read-only in both systems) when it reports one.
    """

    order_number: str | None = None
    account_id: str
    status: str | None = None
    effective_date: date | None = None
    currency: str | None = None
    price_book_id: str | None = None
    contract_id: str | None = None
    po_number: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = ()
    total: Decimal | None = None

    @property
    def lines_total(self) -> Decimal:
        """The sum of the line amounts, to check against ``total``."""
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True, kw_only=True)
class Contract(CrmRecord):
    """A customer contract (Salesforce Contract; Oro has no such entity).

    Salesforce computes ``end_date`` from ``start_date`` and ``term_months``.
    """

    account_id: str
    contract_number: str | None = None
    status: str | None = None
    start_date: date | None = None
    term_months: int | None = None
    end_date: date | None = None
    price_book_id: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceBook(CrmRecord):
    """A price book (Salesforce Pricebook2, Oro price list).

    Its entries are separate records, as both systems store them: a book can hold tens
    of thousands of prices, and one changed price must not make the whole book change.
    ``currencies`` lists what an Oro price list accepts; Salesforce books leave it empty
    (each entry names its currency).
    """

    name: str
    is_standard: bool = False
    active: bool = True
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceBookEntry(CrmRecord):
    """The price of one product in one price book and currency."""

    price_book_id: str
    product_key: str
    product_id: str | None = None
    unit_price: Decimal
    currency: str
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CrmProduct(CrmRecord):
    """A product as the CRM knows it (Salesforce Product2): a sellable item, not PIM content."""

    product_code: str
    name: str
    description: str | None = None
    family: str | None = None
    active: bool = True
