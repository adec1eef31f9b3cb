"""Inspection helpers for customers and orders, mixed into :class:`OroSandbox`."""

from __future__ import annotations

import copy

from pimsync.sandbox.oro._schema import CONTRACT_TYPE, SALESFORCE_ID
from pimsync.sandbox.oro._store import Record, Store


def _by_id(records: list[Record]) -> list[Record]:
    return sorted(copy.deepcopy(records), key=lambda r: int(r["id"]))


class CommerceViews:
    """Read-only views for tests and demos; every method returns copies."""

    store: Store

    def customer_by_external_id(self, external_id: str) -> Record | None:
        """The customer whose ``externalId`` is exactly this, or None."""
        return self._by_external_id("customers", external_id)

    def order_by_external_id(self, external_id: str) -> Record | None:
        """The order whose ``externalId`` is exactly this, or None."""
        return self._by_external_id("orders", external_id)

    def customer_users(self, customer_id: str) -> list[Record]:
        """The customer users of a customer, by id."""
        with self.store.lock:
            return _by_id(self.store.find("customerusers", "customer", [customer_id]))

    def customer_addresses(self, customer_id: str) -> list[Record]:
        """The addresses of a customer, by id."""
        with self.store.lock:
            return _by_id(self.store.find("customeraddresses", "customer", [customer_id]))

    def orders_of(self, customer_id: str) -> list[Record]:
        """The orders of a customer, by id."""
        with self.store.lock:
            return _by_id(self.store.find("orders", "customer", [customer_id]))

    def order_line_items(self, order_id: str) -> list[Record]:
        """An order's line items in its ``lineItems`` order. Raises KeyError."""
        with self.store.lock:
            order = self.store.get("orders", order_id)
            if order is None:
                raise KeyError(order_id)
            items = [
                self.store.get("orderlineitems", link["id"])
                for link in order["relationships"].get("lineItems") or []
            ]
            return copy.deepcopy([i for i in items if i is not None])

    def contract_by_salesforce_id(self, salesforce_id: str) -> Record | None:
        """The custom contract entity record holding this Salesforce id, or None."""
        with self.store.lock:
            for record in self.store.find(CONTRACT_TYPE, SALESFORCE_ID, [salesforce_id]):
                if record["attributes"].get(SALESFORCE_ID) == salesforce_id:
                    return copy.deepcopy(record)
            return None

    def customer_price_lists(self, customer_id: str) -> list[Record]:
        """The ``pricelisttocustomers`` assignments of a customer, by id."""
        with self.store.lock:
            return _by_id(self.store.find("pricelisttocustomers", "customer", [customer_id]))

    def _by_external_id(self, type_: str, external_id: str) -> Record | None:
        with self.store.lock:
            for record in self.store.find(type_, "externalId", [external_id]):
                if record["attributes"].get("externalId") == external_id:
                    return copy.deepcopy(record)
            return None
