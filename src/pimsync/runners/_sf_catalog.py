"""The Salesforce → OroCommerce catalog flows: ``sf.products`` and ``sf.pricebooks``.

Both read Salesforce with :class:`SObjectSource` (everything in a full run; records
whose ``SystemModstamp`` moved, and getDeleted tombstones, in a differential one) and
check, before anything is written, that every Salesforce field and Oro name the options
use exists: a typo refuses the run with :class:`ConfigError`.

* ``sf.products`` — Product2 as Oro products through :class:`OroProductWriter`:
  ``ProductCode`` → SKU, ``Name`` → default name, ``Description`` → default description,
  ``IsActive`` → status, further fields → Oro attributes (``attributes``); the attribute
  family and primary unit come from the options. A deactivated product is disabled in
  Oro; a deleted one follows the job's deletion policy (disable by default).
* ``sf.pricebooks`` — Pricebook2 (the standard price book too) as Oro price lists, one
  per price book, named from ``price_list_name`` and holding the org's currencies (the
  ``CurrencyIsoCode`` picklist of a multi-currency org, else ``currency``); then each
  active PricebookEntry as a price of 1 ``unit`` on its book's price list, in the entry's
  currency, for the product whose SKU is the entry's ``ProductCode``. A price whose
  product is not in Oro yet is rejected, saying so, and retried in the next run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pimsync.connectors.oro import (
    OroClient,
    OroPriceListWriter,
    OroProduct,
    OroProductPrice,
    OroProductPriceWriter,
    OroProductWriter,
    PriceListPayload,
)
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import read_product_fields
from pimsync.connectors.salesforce import SalesforceClient
from pimsync.connectors.salesforce import connect as connect_salesforce
from pimsync.connectors.salesforce._source import SObjectSource
from pimsync.errors import ConfigError, RejectedRecord
from pimsync.jobs import StreamSpec
from pimsync.state import cross_references

__all__ = [
    "PRICE_LISTS",
    "SF_CATALOG_FLOWS",
    "SfPricebooksOptions",
    "SfProductsOptions",
    "sf_pricebooks",
    "sf_products",
]

PRODUCTS = "salesforce_product"  # xrefs entity: Product2 Id → Oro product
PRICE_LISTS = "salesforce_pricebook"  # xrefs entity: Pricebook2 Id → Oro price list id
PRICES = "salesforce_price"  # xrefs entity: PricebookEntry Id → Oro productprices id


class SfProductsOptions(BaseModel):
    """Options of ``sf.products``.

    * ``sku_field`` / ``name_field`` / ``description_field`` — the Product2 fields of the
      SKU, the default name (the SKU when empty) and description (None: not sent).
    * ``attributes`` — further Product2 field → Oro product attribute (scalar values).
    * ``attribute_family`` (code) / ``unit`` / ``unit_precision`` — what a new product gets.
    * ``batch_mode`` / ``by_sku`` — as for ``oro.products``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku_field: str = Field("ProductCode", min_length=1)
    name_field: str = Field("Name", min_length=1)
    description_field: str | None = "Description"
    attributes: dict[str, str] = Field(default_factory=dict)
    attribute_family: str = Field("default_family", min_length=1)
    unit: str = Field("each", min_length=1)
    unit_precision: int = Field(0, ge=0, le=10)
    batch_mode: Literal["auto", "sync", "async", "single"] = "auto"
    by_sku: bool | None = None

    def fields(self) -> list[str]:
        """The Product2 fields the mapping reads."""
        named = [self.sku_field, self.name_field, "IsActive", *self.attributes]
        if self.description_field:
            named.append(self.description_field)
        return list(dict.fromkeys(named))


class SfPricebooksOptions(BaseModel):
    """Options of ``sf.pricebooks``.

    * ``price_list_name`` — the Oro price list of a price book; ``{name}`` is its name.
    * ``currency`` — the org's currency when it is not multi-currency.
    * ``unit`` — the product unit of every price (the products' primary unit).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    price_list_name: str = Field("Salesforce {name}", min_length=1)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    unit: str = Field("each", min_length=1)


def _options(ctx: Any, flow: str) -> Any:
    from pimsync.runners.flows import FLOWS

    return FLOWS[flow].parse_options(ctx.job, ctx.config.options)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


# -- sf.products --------------------------------------------------------------------------


class ProductMapping:
    """Product2 records as :class:`OroProduct` payloads."""

    def __init__(self, options: SfProductsOptions, attribute_family: str) -> None:
        self.options = options
        self.attribute_family = attribute_family

    def product(self, record: Mapping[str, Any]) -> OroProduct:
        """Raises :class:`RejectedRecord` for a product without a SKU."""
        options = self.options
        sku = _text(record.get(options.sku_field))
        if not sku:
            raise RejectedRecord(
                str(record.get("Id")),
                f"Product2 has no {options.sku_field}, which gives the Oro SKU",
                field=options.sku_field,
            )
        description = _text(record.get(options.description_field or ""))
        return OroProduct(
            sku=sku,
            names={None: _text(record.get(options.name_field)) or sku},
            status="enabled" if record.get("IsActive") is True else "disabled",
            attribute_family=self.attribute_family,
            unit=options.unit,
            unit_precision=options.unit_precision,
            descriptions={None: description} if description else {},
            attributes={oro: record.get(field) for field, oro in options.attributes.items()},
        )


def _oro_family(oro: OroClient, code: str, job: str) -> str:
    families = {
        str(r.attributes.get("code")): r.id
        for r in oro.list("attributefamilies")
        if r.attributes.get("code")
    }
    if code not in families:
        known = ", ".join(sorted(families)) or "none"
        raise ConfigError(
            f"job {job!r}: options.attribute_family {code!r} is not an Oro attribute family "
            f"(known: {known})"
        )
    return families[code]


def _check_unit(oro: OroClient, unit: str, job: str) -> None:
    if oro.get("productunits", unit) is None:
        raise ConfigError(f"job {job!r}: options.unit {unit!r} is not an Oro product unit")


def _check_attributes(oro: OroClient, names: Sequence[str], job: str) -> None:
    if not names:
        return
    known = read_product_fields(oro)
    missing = [name for name in names if name not in known]
    if missing:
        raise ConfigError(
            f"job {job!r}: options.attributes maps to Oro product field(s) that do not "
            f"exist: {', '.join(missing)}"
        )


def sf_products(ctx: Any) -> Sequence[StreamSpec]:
    options: SfProductsOptions = _options(ctx, "sf.products")
    salesforce = connect_salesforce(ctx.source.settings, ctx.source.secrets)
    fields = options.fields()
    salesforce.check_fields("Product2", fields, purpose=f"job {ctx.job!r} (sf.products)")
    oro = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    family = _oro_family(oro, options.attribute_family, ctx.job)
    _check_unit(oro, options.unit, ctx.job)
    _check_attributes(oro, sorted(set(options.attributes.values())), ctx.job)
    writer = OroProductWriter(oro, batch_mode=options.batch_mode, by_sku=options.by_sku)
    return [
        StreamSpec(
            name="products",
            source=SObjectSource(salesforce, "Product2", fields),
            destination=writer,
            map=ProductMapping(options, family).product,
            connection=ctx.destination.name,
            entity=PRODUCTS,
        )
    ]


# -- sf.pricebooks ------------------------------------------------------------------------

BOOK_FIELDS = ("Name", "IsActive", "IsStandard")
ENTRY_FIELDS = ("Pricebook2Id", "Product2Id", "ProductCode", "UnitPrice", "IsActive")


def org_currencies(salesforce: SalesforceClient, default: str) -> tuple[str, ...] | None:
    """The active currencies of a multi-currency org (the ``CurrencyIsoCode`` picklist of
    PricebookEntry), or None for a single-currency org (which uses ``default``)."""
    field = salesforce.describe("PricebookEntry").field("CurrencyIsoCode")
    if field is None:
        return None
    values = [
        str(v["value"])
        for v in field.get("picklistValues") or ()
        if isinstance(v, Mapping) and v.get("value") and v.get("active", True)
    ]
    return tuple(values) or (default,)


class PricebookMapping:
    """Pricebook2 records as price lists, PricebookEntry records as prices."""

    def __init__(self, options: SfPricebooksOptions, currencies: tuple[str, ...] | None) -> None:
        self.options = options
        self.currencies = currencies

    def price_list(self, record: Mapping[str, Any]) -> PriceListPayload:
        name = _text(record.get("Name")) or str(record.get("Id"))
        return PriceListPayload(
            name=self.options.price_list_name.replace("{name}", name),
            currencies=self.currencies or (self.options.currency,),
            active=record.get("IsActive") is True,
        )

    def price(self, record: Mapping[str, Any]) -> OroProductPrice:
        """Raises :class:`RejectedRecord` for an entry without a product code or price."""
        key = str(record.get("Id"))
        sku = _text(record.get("ProductCode"))
        if not sku:
            raise RejectedRecord(
                key,
                f"product {record.get('Product2Id')} has no ProductCode, so it has no Oro SKU",
                field="ProductCode",
            )
        try:
            value = Decimal(str(record.get("UnitPrice"))).normalize()
        except InvalidOperation:
            raise RejectedRecord(
                key, f"UnitPrice {record.get('UnitPrice')!r} is not a number", field="UnitPrice"
            ) from None
        if not value.is_finite():
            raise RejectedRecord(key, "UnitPrice is not a number", field="UnitPrice")
        currency = _text(record.get("CurrencyIsoCode")) if self.currencies else ""
        return OroProductPrice(
            price_list=str(record.get("Pricebook2Id")),
            sku=sku,
            currency=currency or self.options.currency,
            value=f"{value:f}",
            unit=self.options.unit,
        )


def _active(record: Mapping[str, Any]) -> bool:
    return record.get("IsActive") is True


def sf_pricebooks(ctx: Any) -> Sequence[StreamSpec]:
    options: SfPricebooksOptions = _options(ctx, "sf.pricebooks")
    salesforce = connect_salesforce(ctx.source.settings, ctx.source.secrets)
    purpose = f"job {ctx.job!r} (sf.pricebooks)"
    salesforce.check_fields("Pricebook2", BOOK_FIELDS, purpose=purpose)
    currencies = org_currencies(salesforce, options.currency)
    entry_fields = [*ENTRY_FIELDS, *(("CurrencyIsoCode",) if currencies else ())]
    salesforce.check_fields("PricebookEntry", entry_fields, purpose=purpose)
    oro = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    _check_unit(oro, options.unit, ctx.job)
    mapping = PricebookMapping(options, currencies)
    db, connection = ctx.db, ctx.destination.name

    def price_lists() -> dict[str, str]:
        return cross_references(db, connection, PRICE_LISTS) if db is not None else {}

    prices = OroProductPriceWriter(
        oro,
        price_lists,
        missing_list="its price book is not in Oro yet (the price_lists stream writes it); "
        "retried in the next run",
        missing_product="no Oro product has this SKU: run sf.products first; "
        "retried in the next run",
    )
    return [
        StreamSpec(
            name="price_lists",
            source=SObjectSource(salesforce, "Pricebook2", BOOK_FIELDS),
            destination=OroPriceListWriter(oro),
            map=mapping.price_list,
            connection=connection,
            entity=PRICE_LISTS,
        ),
        StreamSpec(
            name="prices",
            source=SObjectSource(salesforce, "PricebookEntry", entry_fields),
            destination=prices,
            map=mapping.price,
            select=_active,
            connection=connection,
            entity=PRICES,
        ),
    ]


SF_CATALOG_FLOWS: tuple[tuple[str, str, type[BaseModel], Any], ...] = (
    (
        "sf.products",
        "Salesforce products (Product2) to OroCommerce products",
        SfProductsOptions,
        sf_products,
    ),
    (
        "sf.pricebooks",
        "Salesforce price books and their entries to OroCommerce price lists and prices",
        SfPricebooksOptions,
        sf_pricebooks,
    ),
)
