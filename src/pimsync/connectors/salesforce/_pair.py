"""Salesforce records as one side of a two-way sync (accounts and contacts with Oro).

:class:`SalesforceRecords` reads the records of one sObject changed since a window
(``SystemModstamp``) and the ones deleted (getDeleted) as tombstones.
:class:`SalesforceRecordWriter` writes canonical records through sObject Collections:
updates by Id, creations as upserts by an external id holding the other side's id (a
retry after a crash finds the record it made instead of making a second one).
:class:`SalesforceOrders` reads Orders the same way, each with its OrderItems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.errors import RejectedRecord

from ._client import COLLECTION_LIMIT, SalesforceClient, soql_literal
from ._results import SaveResult, parse_datetime

__all__ = [
    "ORO_ID_FIELD",
    "SalesforceOrders",
    "SalesforceRecordWriter",
    "SalesforceRecords",
    "item_results",
    "order_items",
    "system_modstamp",
]

ORO_ID_FIELD = "Oro_Id__c"
_DELETIONS_KEPT = timedelta(days=14)  # getDeleted reaches 15 days back
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Record = dict[str, Any]


def system_modstamp(record: Mapping[str, Any]) -> datetime:
    """A record's ``SystemModstamp`` (the epoch when absent)."""
    return parse_datetime(record.get("SystemModstamp")) or _EPOCH


class SalesforceRecords:
    """Records of ``sobject`` with ``fields`` (plus ``Id`` and ``SystemModstamp``)."""

    def __init__(self, client: SalesforceClient, sobject: str, fields: Sequence[str]) -> None:
        self._client = client
        self._sobject = sobject
        self._fields = list(dict.fromkeys(["Id", *fields, "SystemModstamp"]))

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def partitions(self, since: datetime | None) -> Sequence[None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Record]]]:
        since = window.since
        if since is None:
            # Names are checked against describe by the flow; nothing user-typed is quoted.
            soql = f"SELECT {', '.join(self._fields)} FROM {self._sobject} ORDER BY Id"  # noqa: S608
            pages = self._client.query(soql)
        else:
            pages = self._client.modified_since(self._sobject, self._fields, since)
        for page in pages:
            yield [SourceRecord(str(r["Id"]), r, system_modstamp(r)) for r in page if r.get("Id")]
        if since is not None:
            yield list(self._deletions(since))

    def _deletions(self, since: datetime) -> Iterator[SourceRecord[Record]]:
        now = self.clock()
        start = max(since, now - _DELETIONS_KEPT)
        if start.replace(second=0, microsecond=0) >= now.replace(second=0, microsecond=0):
            return  # getDeleted works in whole minutes; the next run's overlap covers this one
        for gone in self._client.deleted(self._sobject, start, now).records:
            yield SourceRecord(gone.id, None, gone.deleted_date, deleted=True)

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Record]]:
        found: dict[str, Record] = {}
        for start in range(0, len(keys), COLLECTION_LIMIT):
            ids = ", ".join(soql_literal(k) for k in keys[start : start + COLLECTION_LIMIT])
            soql = f"SELECT {', '.join(self._fields)} FROM {self._sobject} WHERE Id IN ({ids})"  # noqa: S608
            found.update((str(r["Id"]), r) for r in self._client.records(soql))
        for key in keys:
            record = found.get(key)
            yield SourceRecord(key, record) if record else SourceRecord(key, None, deleted=True)


ORDER_ITEM_FIELDS = ("OrderId", "PricebookEntryId", "Product2Id", "Quantity", "UnitPrice")


def order_items(client: SalesforceClient, orders: Sequence[str]) -> dict[str, list[Record]]:
    """The OrderItems of ``orders`` by order id, each with its product's ``ProductCode``."""
    items: dict[str, list[Record]] = {}
    products: set[str] = set()
    fields = ", ".join(("Id", *ORDER_ITEM_FIELDS))
    for start in range(0, len(orders), COLLECTION_LIMIT):
        ids = ", ".join(soql_literal(k) for k in orders[start : start + COLLECTION_LIMIT])
        soql = f"SELECT {fields} FROM OrderItem WHERE OrderId IN ({ids}) ORDER BY Id"  # noqa: S608
        for item in client.records(soql):
            items.setdefault(str(item["OrderId"]), []).append(item)
            if item.get("Product2Id"):
                products.add(str(item["Product2Id"]))
    codes: dict[str, Any] = {}
    wanted = sorted(products)
    for start in range(0, len(wanted), COLLECTION_LIMIT):
        ids = ", ".join(soql_literal(k) for k in wanted[start : start + COLLECTION_LIMIT])
        soql = f"SELECT Id, ProductCode FROM Product2 WHERE Id IN ({ids})"  # noqa: S608
        codes.update((str(p["Id"]), p.get("ProductCode")) for p in client.records(soql))
    for found in items.values():
        for item in found:
            item["ProductCode"] = codes.get(str(item.get("Product2Id")))
    return items


class SalesforceOrders(SalesforceRecords):
    """Orders with ``fields``, each record holding its items under ``OrderItems`` (see
    :func:`order_items`). An OrderItem changed since the window brings its order along,
    even when the order itself was not stamped."""

    def __init__(self, client: SalesforceClient, fields: Sequence[str]) -> None:
        super().__init__(client, "Order", fields)

    def _attach(self, records: Sequence[SourceRecord[Record]]) -> None:
        live = [r for r in records if r.data is not None]
        items = order_items(self._client, [r.key for r in live])
        for record in live:
            assert record.data is not None
            record.data["OrderItems"] = items.get(record.key, [])

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Record]]]:
        seen: set[str] = set()
        for page in super().extract(window):
            self._attach(page)
            seen.update(r.key for r in page)
            yield page
        if window.since is None:
            return
        touched = {
            str(item["OrderId"])
            for page in self._client.modified_since("OrderItem", ["OrderId"], window.since)
            for item in page
        }
        if touched - seen:
            yield list(self.read(sorted(touched - seen)))

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Record]]:
        records = list(super().read(keys))
        self._attach(records)
        yield from records


class SalesforceRecordWriter:
    """Writes canonical records to ``sobject``: ``to_fields`` maps a canonical record to
    Salesforce fields (a None value is left out: pimsync never clears a Salesforce
    field) and may raise :class:`RejectedRecord`; a record missing one of ``required``
    is refused with a clear message.

    A change with a ``dest_key`` updates that record; one without is upserted by
    ``ext_field`` = the other side's id (the pair key ``b:<id>``). From
    ``bulk_threshold`` upserts in one write (an initial load from the other side), they
    go through a Bulk API 2.0 job: a handful of calls for any number of records, and
    Salesforce's bulk allowance instead of its API requests."""

    def __init__(
        self,
        client: SalesforceClient,
        sobject: str,
        to_fields: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        *,
        required: Sequence[str] = (),
        ext_field: str = ORO_ID_FIELD,
        bulk_threshold: int | None = None,
    ) -> None:
        self._client = client
        self._sobject = sobject
        self._to_fields = to_fields
        self._required = tuple(required)
        self._ext_field = ext_field
        self._bulk_threshold = bulk_threshold

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        updates: list[tuple[Change, Record]] = []
        upserts: list[tuple[Change, Record]] = []
        creates: list[tuple[Change, Record]] = []
        deletes: list[Change] = []
        for change in changes:
            if change.op is not Op.UPSERT:
                if change.dest_key is None:
                    results.append(ItemResult(change.key))
                elif change.op is Op.DELETE:
                    deletes.append(change)
                else:
                    results.append(
                        ItemResult(change.key, error=f"a {self._sobject} cannot be disabled")
                    )
                continue
            try:
                mapped = self._to_fields(change.payload)
            except RejectedRecord as exc:
                results.append(ItemResult.refused(change.key, exc))
                continue
            fields = {k: v for k, v in mapped.items() if v is not None}
            missing = [name for name in self._required if not fields.get(name)]
            if missing:
                results.append(
                    ItemResult(
                        change.key,
                        error=f"a Salesforce {self._sobject} needs {', '.join(missing)}; "
                        "the record has none",
                    )
                )
            elif change.dest_key is not None:
                updates.append((change, {"Id": change.dest_key, **fields}))
            elif change.key.startswith("b:"):
                upserts.append((change, {**fields, self._ext_field: change.key[2:]}))
            else:
                creates.append((change, fields))
        if updates:
            saved = self._client.collection_update(self._sobject, [r for _c, r in updates])
            results += item_results([c for c, _r in updates], saved)
        if upserts and self._bulk_threshold and len(upserts) >= self._bulk_threshold:
            results += self._bulk_upsert(upserts)
        elif upserts:
            saved = self._client.collection_upsert(
                self._sobject, self._ext_field, [r for _c, r in upserts]
            )
            results += item_results([c for c, _r in upserts], saved)
        if creates:
            saved = self._client.collection_create(self._sobject, [r for _c, r in creates])
            results += item_results([c for c, _r in creates], saved)
        if deletes:
            saved = self._client.collection_delete([c.dest_key or "" for c in deletes])
            results += item_results(deletes, saved)
        return results

    def _bulk_upsert(self, upserts: Sequence[tuple[Change, Record]]) -> list[ItemResult]:
        """Upsert through a Bulk API 2.0 job; each row's outcome is found by its
        external id. A row the job did not report is an error, retried by the next run."""
        outcome = self._client.bulk_ingest(
            self._sobject, "upsert", [r for _c, r in upserts], ext_field=self._ext_field
        )
        by_ext = {str(record[self._ext_field]): change for change, record in upserts}
        answered: dict[str, ItemResult] = {}
        for row in outcome.successful_rows:
            change = by_ext.get(row.get(self._ext_field, ""))
            if change is not None:
                created = row.get("sf__Created", "").lower() == "true"
                answered[change.key] = ItemResult(change.key, row.get("sf__Id"), created=created)
        for row in outcome.failed_rows:
            change = by_ext.get(row.get(self._ext_field, ""))
            if change is not None:
                message = row.get("sf__Error") or "refused by the Bulk API job"
                answered[change.key] = ItemResult(change.key, error=message)
        missing = "the Bulk API job did not report this record; it is retried by the next run"
        return [answered.get(c.key) or ItemResult(c.key, error=missing) for c, _r in upserts]


def item_results(changes: Sequence[Change], saved: Sequence[SaveResult]) -> list[ItemResult]:
    """One ItemResult per change from the SaveResults of the same order."""
    out = []
    for change, result in zip(changes, saved, strict=True):
        if result.success:
            out.append(
                ItemResult(change.key, result.id or change.dest_key, created=bool(result.created))
            )
        else:
            out.append(ItemResult(change.key, change.dest_key, error=result.message))
    return out
