"""Price lists and product prices into Oro, for sources whose prices live apart from
their products (a CRM's price books): two :class:`~pimsync.connectors.base.Destination`\\ s.

* :class:`OroPriceListWriter` — one ``pricelists`` record per source price list, found
  by its ``dest_key`` (the Oro id), else by name; currencies are only ever added (Oro
  keeps prices in them). DISABLE sets ``active: false``; DELETE deletes.
* :class:`OroProductPriceWriter` — one ``productprices`` record per source price: the
  price list comes from the caller's map of source price lists to Oro ids, the product
  from its SKU. A price whose product or price list Oro does not hold yet is rejected
  (the engine retries it in the next run). An existing price is updated in place (found
  by ``dest_key``, else by product, currency, quantity and unit); DELETE and DISABLE both
  delete it (a price cannot be disabled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.errors import FatalDestinationError, FatalSourceError, RemoteError

from ._client import OroClient, OroRejected
from ._documents import Resource, join_messages, linkage, resource_object

__all__ = ["OroPriceListWriter", "OroProductPrice", "OroProductPriceWriter", "PriceListPayload"]

_T = TypeVar("_T")
_CHUNK = 100  # values per filter: Oro's URL and list limits


@dataclass(frozen=True, slots=True)
class PriceListPayload:
    """A price list as Oro should hold it: ``currencies`` are ISO codes."""

    name: str
    currencies: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True, slots=True)
class OroProductPrice:
    """One price: ``value`` (a decimal string) in ``currency`` for ``quantity`` of
    ``unit`` of the product ``sku``, on the Oro price list of the source's ``price_list``."""

    price_list: str
    sku: str
    currency: str
    value: str
    quantity: str = "1"
    unit: str = "each"


class OroPriceListWriter:
    """Writes :class:`PriceListPayload` changes as Oro ``pricelists``.

    Raises :class:`FatalDestinationError` when Oro fails as a whole (refused
    credentials, unreadable answers); a refused record only rejects itself.
    """

    def __init__(self, client: OroClient) -> None:
        self.client = client

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results = []
        for change in changes:
            try:
                results.append(self._write_one(change))
            except OroRejected as exc:
                message = join_messages(exc.errors) or str(exc)
                results.append(ItemResult(change.key, change.dest_key, message))
            except (RemoteError, FatalSourceError) as exc:
                raise FatalDestinationError(f"cannot write price lists to Oro: {exc}") from exc
        return results

    def _write_one(self, change: Change) -> ItemResult:
        if change.op is not Op.UPSERT:
            if change.dest_key is None:
                return ItemResult(change.key, None)
            if change.op is Op.DELETE:
                self.client.delete("pricelists", change.dest_key)
                return ItemResult(change.key, change.dest_key)
            body = resource_object("pricelists", id_=change.dest_key, attributes={"active": False})
            try:
                self.client.update("pricelists", change.dest_key, {"data": body})
            except OroRejected as exc:
                if exc.status_code == 404:
                    return ItemResult(change.key, None)
                raise
            return ItemResult(change.key, change.dest_key)
        payload = _coerce(PriceListPayload, change.payload)
        current = self._find(change.dest_key, payload.name)
        if current is None:
            attributes = {
                "name": payload.name,
                "priceListCurrencies": sorted(set(payload.currencies)),
                "active": payload.active,
            }
            document, _ = self.client.create(
                "pricelists", {"data": resource_object("pricelists", attributes=attributes)}
            )
            return ItemResult(change.key, document.one.id, created=True)
        held = [str(c) for c in current.attributes.get("priceListCurrencies") or ()]
        attributes = {
            "name": payload.name,
            "priceListCurrencies": sorted({*held, *payload.currencies}),
            "active": payload.active,
        }
        body = resource_object("pricelists", id_=current.id, attributes=attributes)
        self.client.update("pricelists", current.id, {"data": body})
        return ItemResult(change.key, current.id)

    def _find(self, oro_id: str | None, name: str) -> Resource | None:
        """The price list written before (by id), else one called ``name``."""
        if oro_id is not None:
            found = self.client.get("pricelists", oro_id)
            if found is not None:
                return found.one
        return next(iter(self.client.list("pricelists", {"name": name})), None)


@dataclass(slots=True)
class _Pending:
    change: Change
    price: OroProductPrice
    price_list: str
    product: str


class OroProductPriceWriter:
    """Writes :class:`OroProductPrice` changes as Oro ``productprices``.

    ``price_lists`` gives, when called, the Oro price list id of each source price list
    (read once per write, so lists written earlier in the run count); ``missing_list``
    and ``missing_product`` explain a rejection to the user.
    Raises :class:`FatalDestinationError` when Oro fails as a whole.
    """

    def __init__(
        self,
        client: OroClient,
        price_lists: Callable[[], Mapping[str, str]],
        *,
        missing_list: str = "its price list is not in Oro yet",
        missing_product: str = "the product is not in Oro yet",
    ) -> None:
        self.client = client
        self.price_lists = price_lists
        self.missing_list = missing_list
        self.missing_product = missing_product

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        try:
            return self._write(changes)
        except (RemoteError, FatalSourceError) as exc:
            raise FatalDestinationError(f"cannot write product prices to Oro: {exc}") from exc

    def _write(self, changes: Sequence[Change]) -> list[ItemResult]:
        results: list[ItemResult] = []
        upserts = [c for c in changes if c.op is Op.UPSERT]
        for change in changes:
            if change.op is not Op.UPSERT:
                if change.dest_key is not None:
                    self.client.delete("productprices", change.dest_key)
                results.append(ItemResult(change.key, change.dest_key))
        if not upserts:
            return results
        lists = self.price_lists()
        prices = {id(c): _coerce(OroProductPrice, c.payload) for c in upserts}
        products = self._product_ids(sorted({p.sku for p in prices.values()}))
        pending: list[_Pending] = []
        for change in upserts:
            price = prices[id(change)]
            list_id = lists.get(price.price_list)
            product_id = products.get(price.sku.casefold())
            if list_id is None:
                results.append(ItemResult(change.key, change.dest_key, self.missing_list))
            elif product_id is None:
                message = f"SKU {price.sku}: {self.missing_product}"
                results.append(ItemResult(change.key, change.dest_key, message))
            else:
                pending.append(_Pending(change, price, list_id, product_id))
        held = self._held([p for p in pending if p.change.dest_key is None])
        for item in pending:
            price_id = item.change.dest_key or held.get(_identity(item))
            try:
                results.append(self._write_one(item, price_id))
            except OroRejected as exc:
                message = join_messages(exc.errors) or str(exc)
                results.append(ItemResult(item.change.key, item.change.dest_key, message))
        return results

    def _write_one(self, item: _Pending, price_id: str | None) -> ItemResult:
        price = item.price
        if price_id is not None:
            body = resource_object("productprices", id_=price_id, attributes={"value": price.value})
            try:
                self.client.update("productprices", price_id, {"data": body})
                return ItemResult(item.change.key, price_id)
            except OroRejected as exc:
                if exc.status_code != 404:  # gone from Oro since: made again below
                    raise
        body = resource_object(
            "productprices",
            attributes={
                "quantity": _number(price.quantity),
                "currency": price.currency,
                "value": price.value,
            },
            relationships={
                "priceList": linkage("pricelists", item.price_list),
                "product": linkage("products", item.product),
                "unit": linkage("productunits", price.unit),
            },
        )
        document, _ = self.client.create("productprices", {"data": body})
        return ItemResult(item.change.key, document.one.id, created=True)

    def _product_ids(self, skus: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(skus):
            filters = {"sku": ",".join(chunk)}
            for product in self.client.list("products", filters, fields={"products": "sku"}):
                found[str(product.attributes.get("sku", "")).casefold()] = product.id
        return found

    def _held(self, items: list[_Pending]) -> dict[tuple[str, str, str, Decimal, str], str]:
        """Prices Oro already holds for ``items`` (written before the state knew them)."""
        held: dict[tuple[str, str, str, Decimal, str], str] = {}
        by_list: dict[str, set[str]] = {}
        for item in items:
            by_list.setdefault(item.price_list, set()).add(item.product)
        for list_id, product_ids in sorted(by_list.items()):
            for chunk in _chunks(sorted(product_ids)):
                filters = {"priceList": list_id, "product": ",".join(chunk)}
                for found in self.client.list("productprices", filters):
                    products, units = found.related_ids("product"), found.related_ids("unit")
                    attributes = found.attributes
                    try:
                        quantity = _decimal(attributes.get("quantity"))
                    except InvalidOperation:
                        continue
                    if products and units:
                        key = (
                            list_id,
                            products[0][1],
                            str(attributes.get("currency")),
                            quantity,
                            units[0][1],
                        )
                        held[key] = found.id
        return held


def _coerce(kind: type[_T], payload: Any) -> _T:
    """``payload`` itself, or one built from a dict of the same fields."""
    return payload if isinstance(payload, kind) else kind(**payload)


def _identity(item: _Pending) -> tuple[str, str, str, Decimal, str]:
    price = item.price
    quantity = _decimal(price.quantity)
    return item.price_list, item.product, price.currency, quantity, price.unit


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)).normalize()


def _number(value: str) -> int | float:
    amount = _decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
