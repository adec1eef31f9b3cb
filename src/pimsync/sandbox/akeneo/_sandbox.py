"""AkeneoSandbox: one stand-in PIM — its catalog, clock, tokens, apps, faults and request log."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pimsync.sandbox.akeneo._apps import App, AppRegistry, PimUser
from pimsync.sandbox.akeneo._auth import Credentials, TokenIssuer
from pimsync.sandbox.akeneo._catalogs_api import CatalogsApi
from pimsync.sandbox.akeneo._demo import build_demo
from pimsync.sandbox.akeneo._enterprise import add_enterprise_entities
from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.akeneo._patch import (
    InvalidProduct,
    apply_changes,
    new_product,
    product_uuid,
)
from pimsync.sandbox.akeneo._search import Predicate
from pimsync.sandbox.akeneo._store import CatalogStore, Record

Edition = Literal["community", "enterprise"]
_CACHE_SIZE = 64


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AkeneoSandbox:
    """A local Akeneo PIM: serve it with :func:`pimsync.sandbox.akeneo.serve`."""

    def __init__(
        self,
        store: CatalogStore | None = None,
        *,
        edition: Edition = "community",
        credentials: Credentials | None = None,
        token_ttl: int = 3600,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if edition not in ("community", "enterprise"):
            raise ValueError(f"unknown Akeneo edition {edition!r}")
        self.store = store or CatalogStore()
        self.edition: Edition = edition
        self.credentials = credentials or Credentials()
        self._clock = clock
        self.tokens = TokenIssuer(self.credentials, self.now, token_ttl)
        self.faults = Faults(self.tokens.expire_all)
        admin = PimUser(self.credentials.username, self.credentials.password, manage_apps=True)
        self.apps = AppRegistry(
            self.now, self.tokens.issue_app_token, self.tokens.revoke_app_tokens, admin
        )
        self.apps.enterprise = edition == "enterprise"
        self.catalogs_api = CatalogsApi(self)  # the Catalogs for Apps API's catalogs
        self.requests: Counter[str] = Counter()
        self._matches: OrderedDict[tuple[Any, ...], list[str]] = OrderedDict()
        if edition == "enterprise" and not self.store.reference_entities:
            add_enterprise_entities(self.store)

    @classmethod
    def demo(cls, products: int = 1200, seed: int = 7, **options: Any) -> AkeneoSandbox:
        """A sandbox serving the generated demo catalog (deterministic for a seed)."""
        store = CatalogStore()
        build_demo(store, products=products, seed=seed)
        return cls(store, **options)

    @classmethod
    def from_fixtures(cls, folder: Path, **options: Any) -> AkeneoSandbox:
        """A sandbox serving an Akeneo fixture folder (``icecat_demo_dev`` and the like).

        Raises FileNotFoundError if ``folder`` has no ``attributes.csv``.
        """
        from pimsync.sandbox.akeneo._fixtures import load_fixtures

        store = CatalogStore()
        load_fixtures(store, Path(folder))
        return cls(store, **options)

    # --- state a test can read --------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's clock (UTC, aware)."""
        return self._clock().astimezone(UTC)

    def counts(self) -> dict[str, int]:
        """How many entities of each type the sandbox serves."""
        return self.store.counts()

    def register_app(
        self, callback_url: str, *, client_id: str | None = None, secret: str | None = None
    ) -> App:
        """Register a custom app that may be activated on this PIM (see ``_apps``).

        Raises AppLimitError past 50 connections and apps.
        """
        return self.apps.register(callback_url, client_id=client_id, secret=secret)

    # --- writes -------------------------------------------------------------------------

    def update_product(self, key: str, changes: dict[str, Any]) -> Record:
        """Merge ``changes`` into the product with uuid or identifier ``key``.

        ``updated`` becomes now. Raises KeyError if there is no such product and
        ValueError (InvalidProduct) if the changes are malformed.
        """
        with self.store.lock:
            current = self.store.product(key)
            if current is None:
                raise KeyError(key)
            merged = apply_changes(current, changes, self.now())
            self.store.put_product(merged)
            return merged

    def delete_product(self, key: str) -> None:
        """Remove the product with uuid or identifier ``key``. Raises KeyError."""
        with self.store.lock:
            current = self.store.product(key)
            if current is None or not self.store.remove_product(current["uuid"]):
                raise KeyError(key)

    def upsert_product(
        self, uuid: str | None, identifier: str | None, changes: dict[str, Any]
    ) -> tuple[Record, bool]:
        """Create or update a product, as PATCH does. Returns it and whether it is new.

        Raises InvalidProduct.
        """
        with self.store.lock:
            if uuid is not None:
                current = self.store.products.get(uuid)
            elif identifier is not None:
                current = self.store.product_by_identifier(identifier)
            else:
                raise InvalidProduct('Property "identifier" cannot be empty.')
            created = current is None
            if current is None:
                if identifier is None:
                    raise InvalidProduct('Property "identifier" cannot be empty.')
                other = self.store.product_by_identifier(identifier)
                if other is not None:
                    raise InvalidProduct("The same identifier is already set on another product")
                current = new_product(uuid or product_uuid(identifier), identifier, self.now())
            merged = apply_changes(current, changes, self.now())
            if created:
                merged["created"] = merged["updated"]
            self.store.put_product(merged)
            return merged, created

    # --- search results, cached per store version -------------------------------------------

    def matching(
        self, kind: str, search: str, predicate: Predicate, order: Sequence[str]
    ) -> list[str]:
        """The keys of ``order`` whose entity satisfies ``predicate``, cached for paging."""
        minute = self.now().replace(second=0, microsecond=0) if "SINCE" in search else None
        cache_key = (kind, search, self.store.version, minute)
        found = self._matches.get(cache_key)
        if found is not None:
            self._matches.move_to_end(cache_key)
            return found
        with self.store.lock:  # writers run in other threads
            if kind == "models":
                source: dict[str, Record] = self.store.product_models
                found = [k for k in order if predicate(source[k])]
            elif kind == "uuid":
                source = self.store.products
                found = [k for k in order if predicate(source[k])]
            else:
                found = []
                for key in order:
                    item = self.store.product_by_identifier(key)
                    if item is not None and predicate(item):
                        found.append(key)
        self._matches[cache_key] = found
        if len(self._matches) > _CACHE_SIZE:
            self._matches.popitem(last=False)
        return found
