"""OroSandbox: one stand-in OroCommerce back office — records, clock, tokens, faults."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.oro._auth import Credentials, TokenIssuer
from pimsync.sandbox.oro._schema import ResourceType, resource_types
from pimsync.sandbox.oro._seed import seed
from pimsync.sandbox.oro._store import Record, Store, Transaction
from pimsync.sandbox.oro._writes import Writer


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OroSandbox:
    """A local OroCommerce back-office API: serve it with :func:`pimsync.sandbox.oro.serve`.

    ``companion_categories=True`` emulates a companion API config that makes
    ``categories`` writable; stock Oro answers 405 to category writes.
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        companion_categories: bool = False,
        token_ttl: int = 3600,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.companion_categories = companion_categories
        self.types: dict[str, ResourceType] = resource_types(
            companion_categories=companion_categories
        )
        self._clock = clock
        self.store = Store()
        self.tokens = TokenIssuer(self.credentials, self.now, token_ttl)
        self.faults = Faults(self.tokens.expire_all)
        self.requests: Counter[str] = Counter()
        seed(self.store, self.timestamp())

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

    # --- writes (the app and tests use the same path) ---------------------------------

    def transaction(self) -> tuple[Transaction, Writer]:
        """A fresh transaction and a writer on it; commit with ``tx.commit()``."""
        tx = Transaction(self.store)
        return tx, Writer(self.types, tx, self.timestamp(), self.store.new_id)

    def create(self, type_: str, document: dict[str, Any]) -> Record:
        """POST ``document`` as a client would; returns the stored primary record.

        Raises ApiError on a validation error.
        """
        with self.store.lock:
            tx, writer = self.transaction()
            written = writer.write(type_, document)
            tx.commit()
            return copy.deepcopy(written.primary)
