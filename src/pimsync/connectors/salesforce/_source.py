"""Records of one sObject as a job engine :class:`~pimsync.connectors.base.Source`.

A full run reads every live record (``SELECT … ORDER BY Id``). A differential run reads
the records whose ``SystemModstamp`` is after the window's start (the watermark minus
the job's overlap) and then the deletions of that window (getDeleted) as tombstones.
getDeleted works in whole minutes and only over the last 15 days: a window older than
that is read from 15 days back, and a full run reconciles anything older.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pimsync.connectors.base import SourceRecord, Window
from pimsync.errors import ConfigError, FatalSourceError, RemoteError

from ._client import SalesforceClient, soql_literal
from ._results import parse_datetime

__all__ = ["DELETED_HORIZON", "SObjectSource"]

log = logging.getLogger("pimsync.salesforce")

# getDeleted answers for the last 15 days; a minute's margin keeps the start inside.
DELETED_HORIZON = timedelta(days=15) - timedelta(minutes=1)
_READ_CHUNK = 200  # ids per ``Id IN (…)`` read: well inside SOQL's 100,000-character limit


class SObjectSource:
    """Records of ``sobject`` (only ``fields``, plus ``Id`` and ``SystemModstamp``),
    keyed by their 18-character ``Id``; ``data`` is the record without ``attributes``.
    ``clock`` is the source's time (default: now, UTC).

    Raises :class:`FatalSourceError` when a page cannot be read and :class:`ConfigError`
    when Salesforce refuses the query (unknown field or object).
    """

    def __init__(
        self,
        client: SalesforceClient,
        sobject: str,
        fields: Sequence[str],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.sobject = sobject
        self.fields = list(dict.fromkeys(["Id", *fields, "SystemModstamp"]))
        self._clock = clock

    def clock(self) -> datetime:
        # The hub's clock unless given: the job's overlap absorbs the skew to Salesforce's.
        return self._clock() if self._clock is not None else datetime.now(UTC)

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[dict[str, Any]]]]:
        since = window.since
        if since is None:
            yield from self._pages(f"{self._select()} ORDER BY Id")
            return
        until = self.clock()
        yield from self._read(lambda: self.client.modified_since(self.sobject, self.fields, since))
        tombstones = self._deletions(since, until)
        if tombstones:
            yield tombstones

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[dict[str, Any]]]:
        for start in range(0, len(keys), _READ_CHUNK):
            chunk = list(keys[start : start + _READ_CHUNK])
            ids = ", ".join(soql_literal(key) for key in chunk)
            found: dict[str, SourceRecord[dict[str, Any]]] = {}
            for page in self._pages(f"{self._select()} WHERE Id IN ({ids})"):
                for record in page:
                    found[record.key] = record
                    found[record.key[:15]] = record  # a 15-character key finds it too
            for key in chunk:
                yield found.get(key) or SourceRecord(key, None, deleted=True)

    # -- reading -------------------------------------------------------------------

    def _select(self) -> str:
        # Names come from the flow's checked options; the sObject name is fixed by the flow.
        return f"SELECT {', '.join(self.fields)} FROM {self.sobject}"  # noqa: S608

    def _pages(self, soql: str) -> Iterator[list[SourceRecord[dict[str, Any]]]]:
        yield from self._read(lambda: self.client.query(soql))

    def _read(
        self, pages: Callable[[], Iterator[list[dict[str, Any]]]]
    ) -> Iterator[list[SourceRecord[dict[str, Any]]]]:
        try:
            for page in pages():
                yield [_record(row) for row in page]
        except ConfigError:
            raise
        except RemoteError as exc:
            raise FatalSourceError(f"cannot read Salesforce {self.sobject}: {exc}") from exc

    def _deletions(self, since: datetime, until: datetime) -> list[SourceRecord[dict[str, Any]]]:
        start = since
        horizon = until - DELETED_HORIZON
        if start < horizon:
            log.warning(
                "%s: deletions before %s are past getDeleted's 15 days; a full run finds them",
                self.sobject,
                horizon.isoformat(),
            )
            start = horizon
        if _minute(start) >= _minute(until):
            return []  # the same minute: the next run's overlap covers it
        try:
            deletions = self.client.deleted(self.sobject, start, until)
        except RemoteError as exc:
            raise FatalSourceError(f"cannot read deleted {self.sobject} records: {exc}") from exc
        return [
            SourceRecord(gone.id, None, updated=gone.deleted_date, deleted=True)
            for gone in deletions.records
        ]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _record(row: dict[str, Any]) -> SourceRecord[dict[str, Any]]:
    data = {name: value for name, value in row.items() if name != "attributes"}
    key = data.get("Id")
    if not isinstance(key, str) or not key:
        return SourceRecord("", None, error=f"a record without an Id: {sorted(data)}")
    return SourceRecord(key, data, updated=parse_datetime(data.get("SystemModstamp")))
