"""The in-memory records, lookup indexes, and write transactions that commit all-or-nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

Record = dict[str, Any]  # {"type", "id", "attributes": {...}, "relationships": {...}}
Key = tuple[str, str]

# Fields looked up by value (uniqueness checks, filters, back-references), per type.
INDEXED: dict[str, tuple[str, ...]] = {
    "products": ("sku",),
    "productprices": ("product",),
    "productvariantlinks": ("product", "parentProduct"),
    "productimages": ("product",),
    "productunitprecisions": ("product",),
    "customers": ("externalId", "parent"),
    "customerusers": ("email", "customer", "externalId"),
    "customeraddresses": ("customer",),
    "customeruseraddresses": ("customerUser",),
    "orders": ("externalId", "customer"),
    "regions": ("country",),
    "extendcontracts": ("salesforce_id", "customer"),
    "pricelisttocustomers": ("customer",),
}


def new_record(type_: str, id_: str) -> Record:
    return {"type": type_, "id": id_, "attributes": {}, "relationships": {}}


def index_value(record: Record, field: str) -> str | None:
    """The case-folded value of an attribute or of a to-one relationship's id."""
    value = record["attributes"].get(field)
    if value is None:
        link = record["relationships"].get(field)
        value = link.get("id") if isinstance(link, dict) else None
    return str(value).casefold() if value is not None else None


class Store:
    """Records by type and id, ids in insertion order; ``lock`` guards every access.

    Records are never changed in place once stored (writers copy them first), so the
    indexes of :data:`INDEXED` fields stay right when maintained by ``put``/``remove``.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, Record]] = {}
        self._next: dict[str, int] = {}
        self._index: dict[tuple[str, str], dict[str, set[str]]] = {}

    def new_id(self, type_: str) -> str:
        with self.lock:
            self._next[type_] = self._next.get(type_, 0) + 1
            return str(self._next[type_])

    def get(self, type_: str, id_: str) -> Record | None:
        stored = self.records.get(type_)
        return None if stored is None else stored.get(id_)

    def all(self, type_: str) -> list[Record]:
        with self.lock:
            return list(self.records.get(type_, {}).values())

    def find(self, type_: str, field: str, values: Iterable[str]) -> list[Record]:
        """Records whose indexed ``field`` equals one of ``values`` (case-insensitive)."""
        with self.lock:
            if field not in INDEXED.get(type_, ()):
                raise KeyError(f"{type_}.{field} is not indexed")
            index = self._index.get((type_, field), {})
            ids: dict[str, None] = {}
            for value in values:
                ids.update(dict.fromkeys(index.get(value.casefold(), ())))
            stored = self.records.get(type_, {})
            return [stored[i] for i in ids]

    def put(self, record: Record) -> None:
        with self.lock:
            self._put(record)

    def _put(self, record: Record) -> None:
        """``put`` without taking the lock; only changed index entries are touched."""
        type_, id_ = record["type"], record["id"]
        stored = self.records.get(type_)
        if stored is None:
            stored = self.records[type_] = {}
        old = stored.get(id_)
        stored[id_] = record
        for field in INDEXED.get(type_, ()):
            value = index_value(record, field)
            if old is not None:
                old_value = index_value(old, field)
                if old_value == value:
                    continue
                ids = self._index.get((type_, field), {}).get(old_value or "")
                if ids is not None:
                    ids.discard(id_)
            if value is not None:
                self._index.setdefault((type_, field), {}).setdefault(value, set()).add(id_)

    def remove(self, type_: str, id_: str) -> None:
        with self.lock:
            old = self.records.get(type_, {}).pop(id_, None)
            if old is not None:
                self._unindex(old)

    def _unindex(self, record: Record) -> None:
        for field in INDEXED.get(record["type"], ()):
            value = index_value(record, field)
            ids = self._index.get((record["type"], field), {}).get(value or "")
            if ids is not None:
                ids.discard(record["id"])


# Transaction.get's marker for "not staged" (None is a staged removal); compared by identity
_UNSTAGED: Record = {}


class Transaction:
    """Staged writes over a store: reads see them, ``commit`` applies them at once.

    Dropping a transaction without ``commit`` is the rollback: the store never saw it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.staged: dict[Key, Record | None] = {}
        self._by_type: dict[str, dict[str, Record | None]] = {}

    def get(self, type_: str, id_: str) -> Record | None:
        found = self.staged.get((type_, id_), _UNSTAGED)
        if found is not _UNSTAGED:
            return found
        return self.store.get(type_, id_)

    def all(self, type_: str) -> list[Record]:
        found = {r["id"]: r for r in self.store.all(type_)}
        for id_, record in self._by_type.get(type_, {}).items():
            if record is None:
                found.pop(id_, None)
            else:
                found[id_] = record
        return list(found.values())

    def find(self, type_: str, field: str, value: str) -> list[Record]:
        """Records (staged ones included) whose indexed ``field`` equals ``value``."""
        staged = self._by_type.get(type_, {})
        found = [r for r in self.store.find(type_, field, [value]) if r["id"] not in staged]
        wanted = value.casefold()
        found += [r for r in staged.values() if r is not None and index_value(r, field) == wanted]
        return found

    def put(self, record: Record) -> None:
        type_, id_ = record["type"], record["id"]
        self.staged[(type_, id_)] = record
        by_type = self._by_type.get(type_)
        if by_type is None:
            by_type = self._by_type[type_] = {}
        by_type[id_] = record

    def remove(self, type_: str, id_: str) -> None:
        self.staged[(type_, id_)] = None
        self._by_type.setdefault(type_, {})[id_] = None

    def commit(self) -> None:
        store = self.store
        with store.lock:
            for (type_, id_), record in self.staged.items():
                if record is None:
                    store.remove(type_, id_)
                else:
                    store._put(record)
        self.staged.clear()
        self._by_type.clear()
