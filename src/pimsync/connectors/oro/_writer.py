"""Products into Oro: the :class:`~pimsync.connectors.base.Destination` for ``products``.

How an UPSERT is written, by capability (:class:`Capabilities`):

* ext_id addressing (6.1.10+/7.0.2+) and ``use_upsert``: ``PATCH /admin/api/products/{sku}``
  with ``X-Integration-Type: ext_id`` and ``meta.upsert`` — one request per record.
  (Oro cannot upsert products by SKU in normal mode: brief §1.9.)
* otherwise the SKUs of the batch are looked up first (``filter[sku]=A,B,C``); missing
  ones are created, found ones updated by id — so a retry after a crash never duplicates.
  With the synchronous batch API (6.0.4+) the writes go in ``X-Mode: sync`` batches of at
  most 100 records / 50 included records; else one request per record.

A synchronous batch is atomic: when Oro refuses records, the errors (located by their
``/data/N`` or ``/included/N`` pointers) reject those records and the rest is sent again.
Errors that cannot be located make the writer fall back to one request per record.
DELETE deletes (already gone is fine); DISABLE patches ``status: disabled``; both use
``dest_key`` when given, else look the change key up as the SKU.
``dest_key`` is the Oro id (the DB id, also in ext_id mode).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.errors import FatalDestinationError, FatalSourceError, RemoteError, TransientError

from ._client import SYNC_BATCH_INCLUDED_LIMIT, SYNC_BATCH_LIMIT, OroClient, OroRejected
from ._documents import OroError, Resource, join_messages, resource_object
from ._products import OroProduct, product_payload

__all__ = ["EXT_ID_HEADERS", "OroProductWriter"]

log = logging.getLogger("pimsync.oro")

EXT_ID_HEADERS = {"X-Integration-Type": "ext_id"}
_SKU_LOOKUP_CHUNK = 100


@dataclass(slots=True)
class _Item:
    """One UPSERT on its way: the change, its product and the Oro id if it exists."""

    change: Change
    product: OroProduct
    existing: str | None = None


class OroProductWriter:
    """Writes product changes to Oro; one :class:`ItemResult` per change.

    ``use_upsert`` / ``use_batch`` switch the capability-based paths off (they are used
    when the client's :attr:`OroClient.capabilities` allow). ``batch_size`` caps the
    primary records of one synchronous batch (at most 100).

    Raises :class:`~pimsync.errors.TransientError` when Oro stays unavailable and
    :class:`FatalDestinationError` for failures of the whole batch (refused credentials,
    403, unreadable answers).
    """

    def __init__(
        self,
        client: OroClient,
        *,
        use_upsert: bool = True,
        use_batch: bool = True,
        batch_size: int = SYNC_BATCH_LIMIT,
    ) -> None:
        caps = client.capabilities
        self._client = client
        self._upsert = use_upsert and caps.ext_id and caps.upsert
        self._batch = use_batch and caps.sync_batch
        self._batch_size = max(1, min(batch_size, SYNC_BATCH_LIMIT))

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        try:
            return self._write(changes)
        except RemoteError as exc:  # not a per-record refusal: the batch failed
            raise FatalDestinationError(f"cannot write products to Oro: {exc}") from exc

    # -- dispatch ------------------------------------------------------------------

    def _write(self, changes: Sequence[Change]) -> list[ItemResult]:
        results: list[ItemResult] = []
        for round_ in _rounds(changes):
            items: list[_Item] = []
            for change in round_:
                if change.op is Op.UPSERT:
                    try:
                        items.append(_Item(change, OroProduct.coerce(change.payload)))
                    except ValueError as exc:
                        results.append(ItemResult(change.key, change.dest_key, str(exc)))
                else:
                    results.append(self._remove(change))
            if not items:
                continue
            if self._upsert:
                results.extend(self._upsert_one(item) for item in items)
                continue
            self._look_up(items)
            if self._batch:
                for chunk in _chunks(items, self._batch_size):
                    results.extend(self._write_batch(chunk))
            else:
                results.extend(self._write_one(item) for item in items)
        return results

    # -- single records ------------------------------------------------------------

    def _upsert_one(self, item: _Item) -> ItemResult:
        primary, included = product_payload(item.product, temp="p", id_=item.product.sku)
        primary["meta"] = {"upsert": True}
        key = item.change.key
        try:
            document, created = self._client.update(
                "products",
                item.product.sku,
                {"data": primary, "included": included},
                headers=EXT_ID_HEADERS,
            )
        except OroRejected as exc:
            return _rejected(key, item.change.dest_key, exc.errors)
        return ItemResult(key, _db_id(document.one), created=created)

    def _write_one(self, item: _Item) -> ItemResult:
        key = item.change.key
        create = item.existing is None
        primary, included = product_payload(
            item.product, temp="p", id_=item.existing, create=create
        )
        body = {"data": primary, "included": included}
        try:
            if item.existing is None:
                document, _ = self._client.create("products", body)
            else:
                document, _ = self._client.update("products", item.existing, body)
        except OroRejected as exc:
            return _rejected(key, item.existing, exc.errors)
        return ItemResult(key, document.one.id, created=create)

    def _remove(self, change: Change) -> ItemResult:
        oro_id = change.dest_key or self._find_id(change.key)
        if oro_id is None:  # never written, or already gone: nothing to do
            return ItemResult(change.key, None)
        if change.op is Op.DELETE:
            self._client.delete("products", oro_id)
            return ItemResult(change.key, oro_id)
        body = {"data": resource_object("products", id_=oro_id, attributes={"status": "disabled"})}
        try:
            self._client.update("products", oro_id, body)
        except OroRejected as exc:
            if exc.status_code == 404:
                return ItemResult(change.key, None)
            return _rejected(change.key, oro_id, exc.errors)
        return ItemResult(change.key, oro_id)

    # -- synchronous batches -------------------------------------------------------

    def _write_batch(self, items: list[_Item]) -> list[ItemResult]:
        results: list[ItemResult] = []
        pending = list(items)
        while pending:
            body, owners = _batch_document(pending)
            try:
                document = self._client.batch_sync("products", body)
            except OroRejected as exc:
                refused = _locate(exc.errors, owners)
                if refused is None:
                    log.info("batch refused without locatable errors; writing one by one")
                    return results + [self._write_one(item) for item in pending]
                for index, errors in sorted(refused.items()):
                    item = pending[index]
                    results.append(_rejected(item.change.key, item.existing, errors))
                pending = [item for i, item in enumerate(pending) if i not in refused]
                continue
            if len(document.data) != len(pending):
                raise FatalDestinationError(
                    f"Oro answered a batch of {len(pending)} products with "
                    f"{len(document.data)} records"
                )
            for item, resource in zip(pending, document.data, strict=True):
                created = item.existing is None
                results.append(ItemResult(item.change.key, resource.id, created=created))
            break
        return results

    # -- look-ups ------------------------------------------------------------------

    def _look_up(self, items: list[_Item]) -> None:
        """Fill ``existing`` with the Oro id of each SKU (compared case-insensitively)."""
        skus = sorted({item.product.sku for item in items})
        found: dict[str, str] = {}
        for start in range(0, len(skus), _SKU_LOOKUP_CHUNK):
            chunk = skus[start : start + _SKU_LOOKUP_CHUNK]
            found.update(self._ids_by_sku(chunk))
        for item in items:
            item.existing = found.get(item.product.sku.casefold())

    def _find_id(self, sku: str) -> str | None:
        return self._ids_by_sku([sku]).get(sku.casefold())

    def _ids_by_sku(self, skus: Sequence[str]) -> dict[str, str]:
        resources = self._client.list(
            "products", {"sku": ",".join(skus)}, fields={"products": "sku"}
        )
        try:
            return {str(r.attributes.get("sku", "")).casefold(): r.id for r in resources}
        except FatalSourceError as exc:  # reading is a source's failure; here it is ours
            if isinstance(exc.__cause__, TransientError):
                raise exc.__cause__ from exc  # still worth retrying the batch
            raise FatalDestinationError(f"cannot look products up by SKU: {exc}") from exc


def _batch_document(items: Sequence[_Item]) -> tuple[dict[str, Any], list[int]]:
    """The sync batch body, and for each included record the index of its product."""
    data: list[dict[str, Any]] = []
    included: list[dict[str, Any]] = []
    owners: list[int] = []
    for index, item in enumerate(items):
        create = item.existing is None
        primary, extra = product_payload(
            item.product, temp=f"p{index}", id_=item.existing, create=create
        )
        if not create:
            primary["meta"] = {"update": True}
        data.append(primary)
        included.extend(extra)
        owners.extend([index] * len(extra))
    return {"data": data, "included": included}, owners


def _locate(errors: Sequence[OroError], owners: Sequence[int]) -> dict[int, list[OroError]] | None:
    """The errors by index of the product they belong to; None if any cannot be placed."""
    located: dict[int, list[OroError]] = {}
    for error in errors:
        where = error.location
        if where is None:
            return None
        member, index = where
        if member == "included":
            if index >= len(owners):
                return None
            index = owners[index]
        located.setdefault(index, []).append(error)
    return located


def _chunks(items: list[_Item], size: int) -> Iterator[list[_Item]]:
    """Chunks of at most ``size`` products and :data:`SYNC_BATCH_INCLUDED_LIMIT` included."""
    chunk: list[_Item] = []
    included = 0
    for item in items:
        extra = len(item.product.names) + (1 if item.existing is None else 0)
        if chunk and (len(chunk) >= size or included + extra > SYNC_BATCH_INCLUDED_LIMIT):
            yield chunk
            chunk, included = [], 0
        chunk.append(item)
        included += extra
    if chunk:
        yield chunk


def _rounds(changes: Sequence[Change]) -> Iterator[list[Change]]:
    """The changes in rounds where each key appears once, in order: a key changed twice
    in one batch is written twice, the second time against what the first wrote."""
    rounds: list[tuple[set[str], list[Change]]] = []
    for change in changes:
        for keys, members in rounds:
            if change.key not in keys:
                keys.add(change.key)
                members.append(change)
                break
        else:
            rounds.append(({change.key}, [change]))
    for _, members in rounds:
        yield members


def _rejected(key: str, dest_key: str | None, errors: Sequence[OroError]) -> ItemResult:
    return ItemResult(key, dest_key, join_messages(errors) or "refused by Oro")


def _db_id(resource: Resource) -> str:
    """The DB id: the ``dbId`` attribute in ext_id mode, else the resource id."""
    db_id = resource.attributes.get("dbId")
    return str(db_id) if db_id is not None else resource.id
