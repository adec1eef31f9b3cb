"""The in-memory org: records per sObject type, the recycle bin (for getDeleted and
queryAll), indexes on external ids and lookups, all-or-none transactions, and the
create/update/delete/upsert paths every API (REST, collections, Bulk) goes through."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pimsync.sandbox.salesforce import _rules
from pimsync.sandbox.salesforce._errors import SalesforceError, dml, not_found
from pimsync.sandbox.salesforce._schema import (
    Field,
    SObjectType,
    build_schema,
    new_id,
    normalize_id,
)

Record = dict[str, Any]
_Key = tuple[str, str]

UNWRITABLE = (
    "Unable to create/update fields: {}. Please check the security settings of this field "
    "and verify that it is read/write for your role or profile."
)


@dataclass(frozen=True)
class Deletion:
    record: Record
    deleted_at: datetime
    hard: bool = False  # hardDelete skips the recycle bin: not in queryAll, still in getDeleted


class AmbiguousExternalId(SalesforceError):
    """An external id value matched several records (REST answers 300)."""

    def __init__(self, field: str, ids: list[str]) -> None:
        super().__init__(
            300,
            "DUPLICATE_EXTERNAL_ID",
            f"{field}: more than one record found for external id field: [{', '.join(ids)}]",
            (field,),
        )
        self.ids = ids


class Org:
    """One org's data. Thread-safe; stored records are never changed in place (writes
    replace them), so a record handed out stays a consistent snapshot."""

    def __init__(self, *, clock: Callable[[], datetime], currencies: tuple[str, ...] = ()) -> None:
        self.types: dict[str, SObjectType] = build_schema(currencies)
        self.currencies = currencies
        self._clock = clock
        self._lock = threading.RLock()
        self._lower = {name.lower(): name for name in self.types}
        self._live: dict[str, dict[str, Record]] = {t: {} for t in self.types}
        self._deleted: dict[str, dict[str, Deletion]] = {t: {} for t in self.types}
        self._index: dict[tuple[str, str], dict[Any, set[str]]] = {}
        self._journal: dict[_Key, tuple[Record | None, Deletion | None]] | None = None
        self._serial = 0
        self._numbers: Counter[str] = Counter()
        self.id = new_id("00D", 4242)
        self.created_at = self.now()
        self.system_user = self._insert_user("autoproc@sandbox.example", "Automated Process")
        self.standard_pricebook_id = self.create(
            "Pricebook2",
            {"Name": "Standard Price Book", "IsActive": True},
            user=self.system_user,
            system={"IsStandard": True},
        )

    # --- reading -------------------------------------------------------------------------

    def now(self) -> datetime:
        moment = self._clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def sobject(self, name: str) -> SObjectType | None:
        """The type called ``name`` (case-insensitive), or None."""
        canonical = self._lower.get(name.lower())
        return None if canonical is None else self.types[canonical]

    def live(self, type_: str, id_: str) -> Record | None:
        with self._lock:
            return self._live[type_].get(id_)

    def get(self, type_: str, raw_id: str) -> Record:
        """The live record. Raises SalesforceError 404 NOT_FOUND / ENTITY_IS_DELETED."""
        id_ = self._own_id(type_, raw_id)
        with self._lock:
            record = self._live[type_].get(id_)
            if record is None:
                if id_ in self._deleted[type_]:
                    raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted", ())
                raise not_found()
            return record

    def rows(self, type_: str, *, include_deleted: bool = False) -> list[Record]:
        """A snapshot of the type's records (plus the recycle bin's for queryAll)."""
        with self._lock:
            rows = list(self._live[type_].values())
            if include_deleted:
                rows += [d.record for d in self._deleted[type_].values() if not d.hard]
            return rows

    def children(self, type_: str, field: str, parent_id: str) -> list[Record]:
        """Live ``type_`` records whose lookup ``field`` points at ``parent_id``."""
        with self._lock:
            ids = self._index.get((type_, field), {}).get(parent_id, set())
            return [self._live[type_][i] for i in sorted(ids)]

    def match(self, type_: str, field: Field, value: Any) -> list[str]:
        """Ids of live records whose external id ``field`` equals ``value``."""
        with self._lock:
            return sorted(self._index.get((type_, field.name), {}).get(_key(field, value), ()))

    def deletions(self, type_: str) -> list[tuple[str, Deletion]]:
        with self._lock:
            return list(self._deleted[type_].items())

    # --- writing -------------------------------------------------------------------------

    def create(
        self,
        type_: str,
        values: dict[str, Any],
        *,
        user: str,
        system: dict[str, Any] | None = None,
    ) -> str:
        """Insert a record from API field values; returns its id. Raises SalesforceError."""
        sobject = self.types[type_]
        with self._lock, self.atomic():
            fields = self.prepare(sobject, values, creating=True)
            record: Record = {name: f.default for name, f in sobject.fields.items()}
            record.update(fields)
            record.update(system or {})
            if "OwnerId" in sobject.fields and record["OwnerId"] is None:
                record["OwnerId"] = user
            _require(sobject, record, sobject.fields)
            self._serial += 1
            id_ = new_id(sobject.key_prefix, self._serial)
            now = self.now()
            record.update(
                Id=id_,
                CreatedDate=now,
                CreatedById=user,
                LastModifiedDate=now,
                LastModifiedById=user,
                SystemModstamp=now,
            )
            self._check_unique(sobject, record)
            record = _rules.on_insert(self, type_, record)
            self._store(type_, record)
            _rules.after_write(self, type_, None, record)
            return id_

    def update(
        self,
        type_: str,
        raw_id: str,
        values: dict[str, Any],
        *,
        user: str,
        unmodified_since: datetime | None = None,
    ) -> None:
        """Change a record from API field values. Raises SalesforceError (412 when it
        changed after ``unmodified_since``)."""
        sobject = self.types[type_]
        with self._lock, self.atomic():
            old = self.get(type_, raw_id)
            if unmodified_since is not None and old["LastModifiedDate"] > unmodified_since:
                raise SalesforceError(
                    412,
                    "PRECONDITION_FAILED",
                    "The requested resource has been modified since "
                    f"{unmodified_since.isoformat()}",
                )
            fields = self.prepare(sobject, values, creating=False)
            record = {**old, **fields}
            _require(sobject, record, fields)
            self._check_unique(sobject, record)
            now = self.now()
            record.update(LastModifiedDate=now, LastModifiedById=user, SystemModstamp=now)
            record = _rules.on_update(self, type_, old, record)
            self._store(type_, record)
            _rules.after_write(self, type_, old, record)

    def delete(self, type_: str, raw_id: str, *, user: str, hard: bool = False) -> None:
        """Move a record (and its cascade) to the recycle bin. Raises SalesforceError."""
        del user  # deletions are not attributed in the delete log the sandbox keeps
        with self._lock, self.atomic():
            record = self.get(type_, raw_id)
            for child_type, child in _rules.on_delete(self, type_, record):
                self._remove(child_type, child, hard)
            self._remove(type_, record, hard)
            _rules.after_write(self, type_, record, None)

    def upsert(
        self, type_: str, field: Field, value: Any, values: dict[str, Any], *, user: str
    ) -> tuple[str, bool]:
        """Update the record whose external id ``field`` is ``value``, or create one;
        returns (id, created). Raises AmbiguousExternalId, SalesforceError."""
        with self._lock, self.atomic():
            if field.name == "Id":
                self.update(type_, str(value), values, user=user)
                return self.get(type_, str(value))["Id"], False
            stored = field.from_json(value)
            matches = self.match(type_, field, stored)
            if len(matches) > 1:
                raise AmbiguousExternalId(field.name, matches)
            body = {k: v for k, v in values.items() if k.lower() != field.name.lower()}
            if matches:
                self.update(type_, matches[0], body, user=user)
                return matches[0], False
            return self.create(type_, {**body, field.name: value}, user=user), True

    def system_update(self, type_: str, id_: str, changes: dict[str, Any]) -> None:
        """A change made by the platform (roll-ups): SystemModstamp moves, LastModified*
        do not (brief §13)."""
        with self._lock:
            old = self._live[type_][id_]
            self._store(type_, {**old, **changes, "SystemModstamp": self.now()})

    def next_number(self, type_: str, width: int, start: int = 100) -> str:
        self._numbers[type_] += 1
        return f"{start + self._numbers[type_] - 1:0{width}d}"

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All writes inside succeed together or are undone (nested blocks join)."""
        with self._lock:
            if self._journal is not None:
                yield
                return
            self._journal = {}
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            finally:
                self._journal = None

    # --- field values --------------------------------------------------------------------

    def prepare(self, sobject: SObjectType, values: dict[str, Any], *, creating: bool) -> Record:
        """API field values (JSON, any name case, parent references by external id) as
        stored values. Raises SalesforceError."""
        out: Record = {}
        for key, raw in values.items():
            if key == "attributes":
                continue
            field = sobject.field(key)
            if field is None:
                parent_field = sobject.relationship(key) if isinstance(raw, dict) else None
                if parent_field is None:
                    raise dml(
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {sobject.name}",
                    )
                out[parent_field.name] = self._resolve_parent(parent_field, raw)
                continue
            if field.read_only or (field.create_only and not creating):
                raise dml(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", UNWRITABLE.format(field.name), field.name
                )
            value = field.from_json(raw)
            if field.type == "reference" and value is not None:
                value = self._check_reference(field, value)
            out[field.name] = value
        return out

    def _resolve_parent(self, field: Field, ref: dict[str, Any]) -> str:
        parent = self.types[field.reference_to or ""]
        keys = [k for k in ref if k != "attributes"]
        key_field = parent.field(keys[0]) if len(keys) == 1 else None
        if key_field is None or not (key_field.external_id or key_field.name == "Id"):
            raise dml("INVALID_FIELD", f"Invalid foreign key relationship: {field.relationship}")
        value = ref[keys[0]]
        if key_field.name == "Id":
            return self._check_reference(field, str(value))
        matches = self.match(parent.name, key_field, key_field.from_json(value))
        if len(matches) != 1:
            how = "not found" if not matches else "matches more than one record"
            raise dml(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} {how} for field {key_field.name} in entity "
                f"{parent.name}",
            )
        return matches[0]

    def _check_reference(self, field: Field, value: str) -> str:
        id_ = normalize_id(value)
        if id_ is None:
            raise dml(
                "MALFORMED_ID", f"{field.name}: id value of incorrect type: {value}", field.name
            )
        target = self.types[field.reference_to or ""]
        if not id_.startswith(target.key_prefix):
            raise dml(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{field.name}: id value of incorrect type: {value}",
                field.name,
            )
        if id_ in self._deleted[target.name]:
            raise dml("ENTITY_IS_DELETED", "entity is deleted", field.name)
        if id_ not in self._live[target.name]:
            raise dml("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", field.name)
        return id_

    def _own_id(self, type_: str, raw_id: str) -> str:
        id_ = normalize_id(raw_id)
        if id_ is None:
            raise SalesforceError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {raw_id}",
            )
        if not id_.startswith(self.types[type_].key_prefix):
            raise SalesforceError(400, "MALFORMED_ID", f"Malformed Id for {type_}: {raw_id}")
        return id_

    def _check_unique(self, sobject: SObjectType, record: Record) -> None:
        for f in sobject.fields.values():
            if f.unique and record.get(f.name) not in (None, ""):
                others = [
                    i for i in self.match(sobject.name, f, record[f.name]) if i != record.get("Id")
                ]
                if others:
                    raise dml(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: "
                        f"{others[0]}",
                        f.name,
                    )

    # --- storage -------------------------------------------------------------------------

    def _insert_user(self, username: str, name: str) -> str:
        return self.create("User", {"Username": username, "Name": name}, user=new_id("005", 1))

    def add_user(self, username: str, name: str) -> str:
        """A User record (the integration user, a human editor); returns its id."""
        with self._lock:
            for record in self._live["User"].values():
                if record["Username"] == username:
                    return str(record["Id"])
            return self._insert_user(username, name)

    def _touch(self, type_: str, id_: str) -> None:
        if self._journal is not None and (type_, id_) not in self._journal:
            self._journal[type_, id_] = (self._live[type_].get(id_), self._deleted[type_].get(id_))

    def _store(self, type_: str, record: Record) -> None:
        id_ = record["Id"]
        self._touch(type_, id_)
        old = self._live[type_].get(id_)
        if old is not None:
            self._unindex(type_, old)
        self._live[type_][id_] = record
        self._reindex(type_, record)

    def _remove(self, type_: str, record: Record, hard: bool) -> None:
        id_ = record["Id"]
        self._touch(type_, id_)
        self._unindex(type_, record)
        del self._live[type_][id_]
        now = self.now()
        gone = {**record, "IsDeleted": True, "SystemModstamp": now}
        self._deleted[type_][id_] = Deletion(gone, now, hard)

    def _rollback(self) -> None:
        assert self._journal is not None
        for (type_, id_), (live, deletion) in self._journal.items():
            current = self._live[type_].pop(id_, None)
            if current is not None:
                self._unindex(type_, current)
            self._deleted[type_].pop(id_, None)
            if live is not None:
                self._live[type_][id_] = live
                self._reindex(type_, live)
            if deletion is not None:
                self._deleted[type_][id_] = deletion

    def _indexed(self, type_: str) -> Iterator[Field]:
        for f in self.types[type_].fields.values():
            if f.external_id or f.type == "reference":
                yield f

    def _reindex(self, type_: str, record: Record) -> None:
        for f in self._indexed(type_):
            if record.get(f.name) not in (None, ""):
                bucket = self._index.setdefault((type_, f.name), {})
                bucket.setdefault(_key(f, record[f.name]), set()).add(record["Id"])

    def _unindex(self, type_: str, record: Record) -> None:
        for f in self._indexed(type_):
            if record.get(f.name) not in (None, ""):
                bucket = self._index.get((type_, f.name), {})
                bucket.get(_key(f, record[f.name]), set()).discard(record["Id"])

    # --- replication (brief §8) ----------------------------------------------------------

    def updated_ids(self, type_: str, start: datetime, end: datetime) -> list[str]:
        with self._lock:
            return [
                r["Id"] for r in self._live[type_].values() if start <= r["SystemModstamp"] < end
            ]

    def deleted_between(
        self, type_: str, start: datetime, end: datetime, keep: timedelta
    ) -> list[tuple[str, datetime]]:
        """Deletions inside [start, end), forgetting those older than ``keep``."""
        with self._lock:
            horizon = self.now() - keep
            log = self._deleted[type_]
            for id_ in [i for i, d in log.items() if d.deleted_at < horizon]:
                del log[id_]
            return sorted(
                ((i, d.deleted_at) for i, d in log.items() if start <= d.deleted_at < end),
                key=lambda pair: pair[1],
            )


def _key(field: Field, value: Any) -> Any:
    if isinstance(value, str) and field.external_id and not field.case_sensitive:
        return value.lower()
    return value


def _require(sobject: SObjectType, record: Record, checked: dict[str, Any]) -> None:
    missing = [
        name
        for name in checked
        if (f := sobject.fields.get(name)) is not None
        and f.required
        and record.get(name) in (None, "")
    ]
    if missing:
        raise dml(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            *missing,
        )
