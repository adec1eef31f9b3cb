"""What Salesforce answers to writes, replication and describe calls, parsed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from pimsync.errors import ConfigError, RejectedRecord

__all__ = [
    "DeletedRecord",
    "Deletions",
    "RecordError",
    "SObjectDescription",
    "SaveResult",
    "Updates",
    "UpsertOutcome",
    "parse_datetime",
]


def parse_datetime(value: object) -> datetime | None:
    """A Salesforce datetime (``2024-05-08T21:20:00.000+0000``), or None."""
    if not isinstance(value, str) or not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


@dataclass(frozen=True, slots=True)
class RecordError:
    """One error of a SaveResult: ``statusCode``, ``message`` and the ``fields`` it names."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    @classmethod
    def parse(cls, entry: Mapping[str, Any]) -> RecordError:
        # SaveResults say statusCode, top-level error bodies errorCode.
        code = entry.get("statusCode") or entry.get("errorCode") or "UNKNOWN_ERROR"
        fields = entry.get("fields") or ()
        return cls(str(code), str(entry.get("message") or ""), tuple(str(f) for f in fields))

    def __str__(self) -> str:
        where = f" [{', '.join(self.fields)}]" if self.fields else ""
        return f"{self.code}: {self.message}{where}"


@dataclass(frozen=True, slots=True)
class SaveResult:
    """The outcome of one record of an sObject Collections call, in request order."""

    id: str | None
    success: bool
    created: bool | None = None
    errors: tuple[RecordError, ...] = ()

    @classmethod
    def parse(cls, entry: object) -> SaveResult:
        if not isinstance(entry, Mapping):
            return cls(None, False, errors=(RecordError("UNKNOWN_ERROR", repr(entry)),))
        errors = tuple(
            RecordError.parse(e) for e in entry.get("errors") or () if isinstance(e, Mapping)
        )
        created = entry.get("created")
        return cls(
            entry.get("id") if isinstance(entry.get("id"), str) else None,
            entry.get("success") is True,
            created if isinstance(created, bool) else None,
            errors,
        )

    @property
    def message(self) -> str:
        return "; ".join(str(e) for e in self.errors) or "failed without an error message"

    def rejection(self, key: str) -> RejectedRecord:
        """This failure as a :class:`RejectedRecord` for the run report."""
        field_ = next((f for e in self.errors for f in e.fields), None)
        return RejectedRecord(key, self.message, field=field_)


class UpsertOutcome(NamedTuple):
    """The record's id (None on an API ≤ 45 update: 204 without body) and whether it was
    created."""

    id: str | None
    created: bool


@dataclass(frozen=True, slots=True)
class Updates:
    """``sobjects/{type}/updated``: ids changed in the window; use ``latest_date_covered``
    as the next start."""

    ids: tuple[str, ...]
    latest_date_covered: datetime | None


@dataclass(frozen=True, slots=True)
class DeletedRecord:
    id: str
    deleted_date: datetime | None


@dataclass(frozen=True, slots=True)
class Deletions:
    """``sobjects/{type}/deleted``. When ``earliest_date_available`` is after the last
    sync, deletions were purged from the log: reconcile fully."""

    records: tuple[DeletedRecord, ...]
    earliest_date_available: datetime | None
    latest_date_covered: datetime | None

    def lost_since(self, last_sync: datetime) -> bool:
        """Whether deletions since ``last_sync`` may be missing from the log."""
        earliest = self.earliest_date_available
        return earliest is not None and earliest > last_sync


@dataclass(frozen=True)
class SObjectDescription:
    """An sObject's fields from ``describe``, keyed by lower-case name (Salesforce
    names are case-insensitive)."""

    name: str
    fields: Mapping[str, Mapping[str, Any]] = field(repr=False)

    @classmethod
    def parse(cls, name: str, payload: Mapping[str, Any]) -> SObjectDescription:
        entries = [f for f in payload.get("fields") or () if isinstance(f, Mapping)]
        return cls(
            str(payload.get("name") or name),
            {str(f["name"]).lower(): f for f in entries if "name" in f},
        )

    def field(self, name: str) -> Mapping[str, Any] | None:
        return self.fields.get(name.lower())

    @property
    def required(self) -> list[str]:
        """Fields a create must set: not nillable, createable, no default."""
        return [
            str(f["name"])
            for f in self.fields.values()
            if f.get("nillable") is False
            and f.get("createable") is True
            and f.get("defaultedOnCreate") is not True
        ]

    def unknown(self, names: Sequence[str]) -> list[str]:
        """The names (``Field`` or ``Relationship.Field``) this object does not have;
        only the first segment of a relationship path is checked."""
        relationships = {
            str(f["relationshipName"]).lower()
            for f in self.fields.values()
            if f.get("relationshipName")
        }
        missing = []
        for name in names:
            head, dot, _rest = name.partition(".")
            known = head.lower() in relationships if dot else head.lower() in self.fields
            if not known:
                missing.append(name)
        return missing

    def check(self, names: Sequence[str], *, purpose: str = "the mapping") -> None:
        """Raise :class:`ConfigError` naming every field of ``names`` this object lacks."""
        missing = self.unknown(names)
        if missing:
            raise ConfigError(
                f"{purpose} uses field(s) that Salesforce {self.name} does not have: "
                f"{', '.join(missing)} (check the spelling, API names of custom fields end "
                "in __c, and the integration user's field-level security)"
            )
