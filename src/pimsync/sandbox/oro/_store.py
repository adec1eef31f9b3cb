"""The in-memory records, and write transactions that commit all-or-nothing."""

from __future__ import annotations

import threading
from typing import Any

Record = dict[str, Any]  # {"type", "id", "attributes": {...}, "relationships": {...}}
Key = tuple[str, str]


def new_record(type_: str, id_: str) -> Record:
    return {"type": type_, "id": id_, "attributes": {}, "relationships": {}}


class Store:
    """Records by type and id, ids in insertion order; ``lock`` guards every access."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, Record]] = {}
        self._next: dict[str, int] = {}

    def new_id(self, type_: str) -> str:
        with self.lock:
            self._next[type_] = self._next.get(type_, 0) + 1
            return str(self._next[type_])

    def get(self, type_: str, id_: str) -> Record | None:
        return self.records.get(type_, {}).get(id_)

    def all(self, type_: str) -> list[Record]:
        with self.lock:
            return list(self.records.get(type_, {}).values())

    def put(self, record: Record) -> None:
        with self.lock:
            self.records.setdefault(record["type"], {})[record["id"]] = record

    def remove(self, type_: str, id_: str) -> None:
        with self.lock:
            self.records.get(type_, {}).pop(id_, None)


class Transaction:
    """Staged writes over a store: reads see them, ``commit`` applies them at once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.staged: dict[Key, Record | None] = {}

    def get(self, type_: str, id_: str) -> Record | None:
        if (type_, id_) in self.staged:
            return self.staged[(type_, id_)]
        return self.store.get(type_, id_)

    def all(self, type_: str) -> list[Record]:
        found = {r["id"]: r for r in self.store.all(type_)}
        for (t, i), record in self.staged.items():
            if t != type_:
                continue
            if record is None:
                found.pop(i, None)
            else:
                found[i] = record
        return list(found.values())

    def put(self, record: Record) -> None:
        self.staged[(record["type"], record["id"])] = record

    def remove(self, type_: str, id_: str) -> None:
        self.staged[(type_, id_)] = None

    def commit(self) -> None:
        with self.store.lock:
            for (type_, id_), record in self.staged.items():
                if record is None:
                    self.store.remove(type_, id_)
                else:
                    self.store.put(record)
        self.staged.clear()
