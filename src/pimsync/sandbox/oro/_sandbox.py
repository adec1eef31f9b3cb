"""OroSandbox: one stand-in OroCommerce back office — records, clock, tokens, faults."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.oro._auth import Credentials, TokenIssuer
from pimsync.sandbox.oro._batch import AsyncOperation, AsyncRunner, Group, Outcome
from pimsync.sandbox.oro._catalog import Catalog
from pimsync.sandbox.oro._documents import ApiError
from pimsync.sandbox.oro._rules import Rule, rule_for
from pimsync.sandbox.oro._schema import ResourceType, resource_types
from pimsync.sandbox.oro._seed import seed
from pimsync.sandbox.oro._store import Key, Record, Store, Transaction
from pimsync.sandbox.oro._views import CommerceViews
from pimsync.sandbox.oro._writes import Writer


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OroSandbox(CommerceViews):
    """A local OroCommerce back-office API: serve it with :func:`pimsync.sandbox.oro.serve`.

    ``companion_categories=True`` emulates a companion API config that makes
    ``categories`` writable; stock Oro answers 405 to category writes.

    ``ext_id=True`` (the default) is Oro 6.1.10+/7.0.2+: a request with the header
    ``X-Integration-Type: ext_id`` addresses products by SKU and may upsert them
    (API brief §1.13). ``ext_id=False`` is an older Oro, which ignores the header.

    Admin side (what the back-office UI does; not HTTP):

    * ``import_attributes(csv_text)`` — the product-attribute import file; the
      attributes stay pending (400 ``extra fields constraint``) until
      ``update_schema()``; ``add_to_family(code, fields, group)``;
      ``product_attributes()`` — name → {type, label, state, ...}.
    * ``create_enum_option(field, id_, name)`` — an option of a select attribute.

    Inspection helpers (copies; safe to call while the server runs):

    * ``get(type, id)``, ``count(type)``, ``products()``, ``product_names(id)``
    * ``product_by_sku(sku)`` — the product record or None (case-insensitive)
    * ``product_prices(sku)`` — [{id, price_list, currency, value, quantity, unit}]
    * ``product_images(sku)`` — [{id, filename, mime_type, size, types, file_id}]
    * ``variant_links(parent_sku)`` — child SKUs linked to a configurable parent
    * ``category_titles()`` — category id → default title
    * ``async_operation(id)`` — the ``asyncoperations`` attributes and ``errors``;
      ``wait_async_operations()`` blocks until every batch started has finished.
    * ``customer_by_external_id(ext)``, ``customer_users(id)``, ``customer_addresses(id)``,
      ``orders_of(customer_id)``, ``order_by_external_id(ext)``, ``order_line_items(id)``
    * ``contract_by_salesforce_id(sf_id)`` (the custom ``extendcontracts`` entity),
      ``customer_price_lists(customer_id)`` (its ``pricelisttocustomers`` rows)
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        companion_categories: bool = False,
        token_ttl: int = 3600,
        clock: Callable[[], datetime] = _utc_now,
        ext_id: bool = True,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.companion_categories = companion_categories
        self.ext_id = ext_id
        self.types: dict[str, ResourceType] = resource_types(
            companion_categories=companion_categories
        )
        self._clock = clock
        self.store = Store()
        self.tokens = TokenIssuer(self.credentials, self.now, token_ttl)
        self.faults = Faults(self.tokens.expire_all)
        self.requests: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()  # "METHOD path" of every API write
        seed(self.store, self.timestamp())
        self.catalog = Catalog(self.store, self.types)
        self.operations: dict[str, AsyncOperation] = {}
        self.async_runner = AsyncRunner(self._write_group, self._publish, self.timestamp)

    # --- clock ----------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's clock (UTC, aware)."""
        return self._clock().astimezone(UTC)

    def timestamp(self) -> str:
        """Now in Oro's datetime format, ``YYYY-MM-DDTHH:MM:SSZ``."""
        return self.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- state a test can read ------------------------------------------------------

    def get(self, type_: str, id_: str) -> Record | None:
        """A copy of the stored record (``type``, ``id``, ``attributes``, ``relationships``)."""
        with self.store.lock:
            found = self.store.get(type_, id_)
            return copy.deepcopy(found) if found is not None else None

    def count(self, type_: str) -> int:
        with self.store.lock:
            return len(self.store.records.get(type_, {}))

    def products(self) -> list[Record]:
        """Copies of every stored product, ordered by SKU."""
        with self.store.lock:
            found = copy.deepcopy(self.store.all("products"))
        return sorted(found, key=lambda r: str(r["attributes"]["sku"]))

    def product_names(self, product_id: str) -> dict[str | None, str | None]:
        """A product's names by localization id (None = the default value)."""
        with self.store.lock:
            product = self.store.get("products", product_id)
            if product is None:
                raise KeyError(product_id)
            names: dict[str | None, str | None] = {}
            for link in product["relationships"].get("names", []):
                name = self.store.get("productnames", link["id"])
                if name is not None:
                    localization = name["relationships"].get("localization")
                    key = localization["id"] if localization else None
                    names[key] = name["attributes"].get("string")
            return names

    def product_by_sku(self, sku: str) -> Record | None:
        """A copy of the product with this SKU (compared case-insensitively), or None."""
        with self.store.lock:
            found = self.store.find("products", "sku", [sku])
            return copy.deepcopy(found[0]) if found else None

    def _product_id(self, sku: str) -> str:
        found = self.store.find("products", "sku", [sku])
        if not found:
            raise KeyError(sku)
        return str(found[0]["id"])

    def product_prices(self, sku: str) -> list[dict[str, Any]]:
        """The prices of a product: id, price_list, currency, value (Decimal), quantity,
        unit; ordered by price list, currency, quantity. Raises KeyError (unknown SKU)."""
        with self.store.lock:
            prices = self.store.find("productprices", "product", [self._product_id(sku)])
            rows = [
                {
                    "id": p["id"],
                    "price_list": p["relationships"]["priceList"]["id"],
                    "currency": p["attributes"]["currency"],
                    "value": Decimal(p["attributes"]["value"]),
                    "quantity": p["attributes"]["quantity"],
                    "unit": p["relationships"]["unit"]["id"],
                }
                for p in prices
            ]
        return sorted(rows, key=lambda r: (r["price_list"], r["currency"], float(r["quantity"])))

    def product_images(self, sku: str) -> list[dict[str, Any]]:
        """The images of a product in its ``images`` order: id, filename, mime_type, size,
        types (sorted), file_id. Raises KeyError (unknown SKU)."""
        with self.store.lock:
            product = self.store.get("products", self._product_id(sku))
            assert product is not None
            rows = []
            for link in product["relationships"].get("images") or []:
                image = self.store.get("productimages", link["id"])
                if image is None:
                    continue
                file_link = image["relationships"].get("image")
                file = self.store.get("files", file_link["id"]) if file_link else None
                types = [
                    self.store.get("productimagetypes", t["id"])
                    for t in image["relationships"].get("types") or []
                ]
                attributes = file["attributes"] if file else {}
                rows.append(
                    {
                        "id": image["id"],
                        "filename": attributes.get("originalFilename"),
                        "mime_type": attributes.get("mimeType"),
                        "size": attributes.get("fileSize"),
                        "types": sorted(
                            str(t["attributes"]["productImageTypeType"])
                            for t in types
                            if t is not None
                        ),
                        "file_id": file["id"] if file else None,
                    }
                )
            return rows

    def variant_links(self, parent_sku: str) -> list[str]:
        """The SKUs of the simple products linked to a configurable parent, sorted."""
        with self.store.lock:
            links = self.store.find(
                "productvariantlinks", "parentProduct", [self._product_id(parent_sku)]
            )
            children = [
                self.store.get("products", lk["relationships"]["product"]["id"]) for lk in links
            ]
            return sorted(str(c["attributes"]["sku"]) for c in children if c is not None)

    def category_titles(self) -> dict[str, str | None]:
        """Category id → its default (localization null) title."""
        with self.store.lock:
            titles: dict[str, str | None] = {}
            for category in self.store.all("categories"):
                titles[category["id"]] = None
                for link in category["relationships"].get("titles") or []:
                    value = self.store.get(link["type"], link["id"])
                    if value is not None and value["relationships"].get("localization") is None:
                        titles[category["id"]] = value["attributes"].get("string")
            return titles

    def async_operation(self, id_: str) -> dict[str, Any]:
        """An asynchronous batch's attributes (status, progress, summary, ...) and its
        ``errors`` ([{status, title, detail, source}]). Raises KeyError."""
        operation = self.operations[id_]
        with self.store.lock:
            out: dict[str, Any] = copy.deepcopy(operation.record()["attributes"])
            out["errors"] = copy.deepcopy([r["attributes"] for r in operation.error_records()])
        return out

    def wait_async_operations(self, timeout: float = 30.0) -> None:
        """Block until every asynchronous batch started so far has finished."""
        self.async_runner.wait(timeout)

    # --- admin side: custom product attributes ------------------------------------------

    def import_attributes(self, csv_text: str) -> list[str]:
        """Import a product-attribute CSV (contracts §3): the attributes become pending.

        Returns the field names. Raises ValueError naming the row and column of a bad file.
        """
        with self.store.lock:
            return self.catalog.import_csv(csv_text)

    def update_schema(self) -> None:
        """The "Update Schema" step: pending attributes appear in the API."""
        self.catalog.update_schema(self.timestamp())

    def add_to_family(
        self, family_code: str, fields: Iterable[str], group: str = "pimsync"
    ) -> None:
        """Add attributes to an attribute family's group.

        Raises KeyError for an unknown family, ValueError for an unknown attribute.
        """
        with self.store.lock:
            self.catalog.add_to_family(family_code, fields, group)

    def family_attributes(self, family_code: str) -> dict[str, list[str]]:
        """group → custom attribute names of an attribute family."""
        with self.store.lock:
            return copy.deepcopy(self.catalog.families.get(family_code, {}))

    def product_attributes(self) -> dict[str, dict[str, Any]]:
        """Custom attribute name → {type, label, state ("pending"|"active"), ...}."""
        with self.store.lock:
            return {name: a.describe() for name, a in self.catalog.attributes.items()}

    def create_enum_option(
        self, field: str, id_: str, name: str, *, priority: int = 0, default: bool = False
    ) -> None:
        """Create an option of an active select attribute directly (no HTTP).

        Raises KeyError for a field that is not an active select attribute.
        """
        attribute = self.catalog.attributes.get(field)
        if attribute is None or not attribute.active or not attribute.is_enum:
            raise KeyError(field)
        attrs = {"name": name, "priority": priority, "default": default}
        self.create(
            attribute.enum_type,
            {"data": {"type": attribute.enum_type, "id": id_, "attributes": attrs}},
        )

    # --- writes (the app and tests use the same path) ---------------------------------

    def _rule(self, type_: str) -> Rule | None:
        base = rule_for(type_, self.catalog.enum_types)
        if type_ != "products" or base is None:
            return base
        first = base

        def product(tx: Transaction, record: Record, pointer: str) -> None:
            first(tx, record, pointer)
            self.catalog.check_product(tx, record, pointer)

        return product

    def transaction(
        self, ids: dict[Key, str] | None = None, *, ext_id: bool = False
    ) -> tuple[Transaction, Writer]:
        """A fresh transaction and a writer on it; commit with ``tx.commit()``.

        ``ids`` (temp id → real id) can be shared between the writers of one batch.
        ``ext_id`` makes the writer read product ids as SKUs.
        """
        tx = Transaction(self.store)
        writer = Writer(
            self.types,
            tx,
            self.timestamp(),
            self.store.new_id,
            self._rule,
            ids,
            ext_id=ext_id,
        )
        return tx, writer

    def start_async_batch(
        self, type_: str, groups: list[Group], unreachable: list[int], *, ext_id: bool = False
    ) -> AsyncOperation:
        """Register an asynchronous batch and start processing it in the background.

        ``ext_id``: the batch came in ext_id mode, so its product ids are SKUs.
        """
        with self.store.lock:
            now = self.timestamp()
            operation = AsyncOperation(
                self.store.new_id("asyncoperations"), type_, now, now, ext_id=ext_id
            )
            self.operations[operation.id] = operation
            self._publish(operation)
        self.async_runner.start(operation, groups, unreachable)
        return operation

    def _publish(self, operation: AsyncOperation) -> None:
        with self.store.lock:
            self.store.put(operation.record())

    def _write_group(self, op: AsyncOperation, group: Group, ids: dict[Key, str]) -> Outcome:
        """Write one primary record with its included ones in its own transaction."""
        with self.store.lock:
            tx, writer = self.transaction(ids, ext_id=op.ext_id)
            try:
                written = writer.write_item(
                    self.types[op.entity_type],
                    _checked_item(group),
                    group.included,
                    _update_id(group.item),
                    f"/data/{group.index}",
                    group.positions,
                )
            except ApiError as exc:
                return Outcome(error=exc)
            tx.commit()
            return Outcome(created=written.created)

    def create(self, type_: str, document: dict[str, Any]) -> Record:
        """POST ``document`` as a client would; returns the stored primary record.

        Raises ApiError on a validation error.
        """
        with self.store.lock:
            tx, writer = self.transaction()
            written = writer.write(type_, document)
            tx.commit()
            return copy.deepcopy(written.primary)


def _checked_item(group: Group) -> dict[str, Any]:
    if not group.item:
        raise ApiError(
            400,
            "request data constraint",
            "The primary data object should be an object.",
            pointer=f"/data/{group.index}",
        )
    return group.item


def _update_id(item: dict[str, Any]) -> str | None:
    """The id to update when an item carries ``meta.update`` (else None: create)."""
    meta = item.get("meta") or {}
    return str(item.get("id")) if isinstance(meta, dict) and meta.get("update") else None
