"""Products into Oro: the :class:`~pimsync.connectors.base.Destination` for ``products``.

Every UPSERT chunk first reads what it replaces, with as few GETs as possible: product
ids by SKU (with the SKUs of uncached configurable parents in the same request), then
for the products that exist their prices on the managed price lists (one
``filter[priceList]`` + ``filter[product]=1,2,3`` request per price list), their images
with file names (``include=image,types``) and their variant links. Each product is then
one document: names, texts, prices (back-referenced), images, variant link (§5 of the
contracts). A re-run sends no duplicates; what is no longer wanted is removed — texts
and images by replacing the to-many lists, prices and links by delete-list requests sent
after the write, only for products Oro accepted.

How the documents go, by ``batch_mode`` and the client's :class:`Capabilities`:

* ``single`` — one POST/PATCH per product (no version configured, or ``use_batch=False``).
* ``sync`` — ``X-Mode: sync`` batches of at most 100 products / 50 included records.
  A sync batch is atomic: located errors reject their products and the rest is sent
  again; errors that cannot be located make the writer fall back to one by one.
* ``async`` — ONE asynchronous batch request for the whole write; polled to its end;
  its errors (``/data/N``, ``/included/N`` pointers) reject their products; ids are then
  looked up by SKU.
* ``auto`` — sync when everything fits one sync request, else async when Oro has the
  batch API, else sync chunks, else single.

Where Oro addresses products by SKU (``X-Integration-Type: ext_id``, 6.1.10+/7.0.2+;
``by_sku``, on by default there), nothing is looked up: a product is sent with its SKU as
id and ``meta.upsert``, as an update when an earlier run wrote it (its state is read
first) and as new otherwise. A product refused as new that Oro turns out to hold (made by
hand, or the state was reset) is read and sent again as an update. Its destination key
is then ``sku:`` and the SKU.

Variants whose configurable parent is created in the same write go in a second round,
after their parent. DELETE deletes (already gone is fine); DISABLE patches
``status: disabled``; both use ``dest_key`` when given, else look the key up as the
SKU. ``dest_key`` is the Oro id (``sku:SKU`` by SKU).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.errors import FatalDestinationError, FatalSourceError, RemoteError, TransientError

from . import _inspect
from ._client import (
    ASYNC_TIMEOUT,
    EXT_ID_HEADERS,
    SYNC_BATCH_INCLUDED_LIMIT,
    SYNC_BATCH_LIMIT,
    OroClient,
    OroRejected,
)
from ._documents import Document, OroError, Resource, join_messages, resource_object
from ._products import (
    OroImage,
    OroProduct,
    ProductState,
    images_to_upload,
    price_key,
    product_payload,
    stale_records,
)

__all__ = ["BATCH_MODES", "EXT_ID_HEADERS", "BatchMode", "OroProductWriter"]

log = logging.getLogger("pimsync.oro")

BatchMode = Literal["auto", "sync", "async", "single"]
BATCH_MODES: tuple[BatchMode, ...] = ("auto", "sync", "async", "single")
SKU_KEY = "sku:"  # prefix of the destination keys of products written by SKU
_ID_CHUNK = 100  # values per filter (URL length) and records per delete-list (Oro's max)
ImageLoader = Callable[[OroImage], bytes]


@dataclass(slots=True)
class _Item:
    """One UPSERT on its way: the change, its product, what Oro holds, its document."""

    change: Change
    product: OroProduct
    existing: str | None = None
    parent_id: str | None = None
    state: ProductState = field(default_factory=ProductState)
    document: tuple[dict[str, Any], list[dict[str, Any]]] | None = None

    @property
    def key(self) -> str:
        return self.change.key


class OroProductWriter:
    """Writes product changes to Oro; one :class:`ItemResult` per change.

    * ``batch_mode`` — ``auto`` (default), ``sync``, ``async`` or ``single`` (see the
      module doc); ``use_batch=False`` is ``single``.
    * ``batch_size`` — primary records of one synchronous batch (at most 100).
    * ``image_loader`` — the bytes of an :class:`OroImage` Oro does not hold yet; an image
      that cannot be loaded (or no loader) rejects only its product.
    * ``price_lists`` — price lists whose prices the writer owns besides those it writes
      to: a product's prices there that the mapping no longer gives are deleted.
    * ``async_timeout`` — seconds an asynchronous batch may run.

    Raises :class:`~pimsync.errors.TransientError` when Oro stays unavailable (or an
    asynchronous batch does not finish in time) and :class:`FatalDestinationError` for
    failures of the whole batch (refused credentials, 403, unreadable answers).
    """

    def __init__(
        self,
        client: OroClient,
        *,
        batch_mode: BatchMode = "auto",
        use_batch: bool = True,
        batch_size: int = SYNC_BATCH_LIMIT,
        image_loader: ImageLoader | None = None,
        price_lists: Iterable[str] = (),
        async_timeout: float = ASYNC_TIMEOUT,
        by_sku: bool | None = None,
    ) -> None:
        if batch_mode not in BATCH_MODES:
            raise ValueError(f"batch_mode must be one of {BATCH_MODES}, not {batch_mode!r}")
        self._by_sku = client.capabilities.ext_id if by_sku is None else by_sku
        self._plain = client
        self._client = client.by_sku() if self._by_sku else client
        self._mode: BatchMode = batch_mode if use_batch else "single"
        self._batch_size = max(1, min(batch_size, SYNC_BATCH_LIMIT))
        self._load_image = image_loader
        self._price_lists: set[str] = set(price_lists)
        self._async_timeout = async_timeout
        self._parents: dict[str, str] = {}  # casefolded parent SKU -> Oro id, across batches

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        try:
            return self._write(changes)
        except RemoteError as exc:  # not a per-record refusal: the batch failed
            raise FatalDestinationError(f"cannot write products to Oro: {exc}") from exc

    # -- field by field (InspectableDestination, for dry runs' diffs) -------------

    def planned_fields(self, payload: Any) -> dict[str, Any]:
        return _inspect.planned_fields(payload)

    def held_fields(self, payloads: Sequence[Any]) -> dict[str, dict[str, Any]]:
        try:
            return _inspect.held_fields(self._client, payloads)
        except (RemoteError, FatalSourceError) as exc:
            raise FatalDestinationError(f"cannot read products from Oro: {exc}") from exc

    def record_key(self, payload: Any) -> str:
        return OroProduct.coerce(payload).sku.casefold()

    def unchecked_fields(self) -> Sequence[str]:
        return _inspect.NOT_COMPARED

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
            if items:
                results.extend(self._upsert(items))
        return results

    def _upsert(self, items: list[_Item], *, second: bool = False) -> list[ItemResult]:
        results: list[ItemResult] = []
        if self._by_sku:
            for item in items:  # known from earlier runs; the rest is optimistically new
                item.existing = item.product.sku if item.change.dest_key is not None else None
        else:
            self._look_up(items)
        pending = {i.product.sku.casefold() for i in items if i.existing is None}
        later = [
            i
            for i in items
            if not second
            and i.product.variant_parent is not None
            and i.product.variant_parent.casefold() in pending
        ]
        now = [i for i in items if all(i is not j for j in later)]
        ready: list[_Item] = []
        for item in now:
            parent = item.product.variant_parent
            if parent is not None:
                item.parent_id = parent if self._by_sku else self._parents.get(parent.casefold())
                if item.parent_id is None:
                    results.append(
                        self._reject(item, f"variant_parent: no product with SKU {parent} in Oro")
                    )
                    continue
            ready.append(item)
        self._read_state(ready)
        documents = self._documents(ready, results)
        written = self._send(documents)
        if self._by_sku:
            written = self._retry_existing(documents, written)
        results.extend(written)
        accepted = {r.key for r in written if r.ok}
        self._delete_stale([i for i in documents if i.key in accepted])
        if later:
            ids = {r.key: r.dest_key for r in written if r.ok and r.dest_key is not None}
            for item in documents:  # parents just created
                if item.key in ids:
                    self._parents[item.product.sku.casefold()] = str(ids[item.key])
            results.extend(self._upsert(later, second=True))
        return results

    def _documents(self, items: list[_Item], results: list[ItemResult]) -> list[_Item]:
        """Build each item's document; items that cannot be built are rejected."""
        documents: list[_Item] = []
        for n, item in enumerate(items):
            try:
                content = self._images(item)
                primary, included = product_payload(
                    item.product,
                    temp=f"p{n}",
                    id_=item.product.sku if self._by_sku else item.existing,
                    create=item.existing is None,
                    state=item.state,
                    content=content,
                    parent_id=item.parent_id,
                )
            except ValueError as exc:
                results.append(self._reject(item, str(exc)))
                continue
            if self._by_sku:  # created or updated, whichever Oro finds
                primary = {**primary, "meta": {"upsert": True}}
            item.document = primary, included
            documents.append(item)
        return documents

    def _retry_existing(self, items: list[_Item], results: list[ItemResult]) -> list[ItemResult]:
        """By SKU, products are first written as new unless an earlier run wrote them. One
        that Oro refused may exist already (created by hand, or the state was reset), and
        then its prices and images clash with what Oro holds: those are written again
        against what Oro holds. A refusal of a product Oro does not have stands."""
        refused = {r.key for r in results if not r.ok}
        suspects = [i for i in items if i.key in refused and i.existing is None]
        if not suspects:
            return results
        found = self._ids_for([i.product.sku for i in suspects])
        again = [i for i in suspects if i.product.sku.casefold() in found]
        if not again:
            return results
        log.info("%d products refused as new exist in Oro; writing them as updates", len(again))
        for item in again:
            item.existing, item.state = item.product.sku, ProductState()
        self._read_state(again)
        retried: list[ItemResult] = []
        documents = self._documents(again, retried)
        retried.extend(self._send(documents))
        replaced = {r.key: r for r in retried}
        return [replaced.get(r.key, r) for r in results]

    def _send(self, items: list[_Item]) -> list[ItemResult]:
        if not items:
            return []
        mode = self._resolve(items)
        if mode == "single":
            return [self._write_one(item) for item in items]
        if mode == "async":
            return self._write_async(items)
        results: list[ItemResult] = []
        for chunk in _chunks(items, self._batch_size):
            results.extend(self._write_batch(chunk))
        return results

    def _resolve(self, items: list[_Item]) -> BatchMode:
        caps = self._client.capabilities
        if self._mode != "auto":
            return self._mode
        included = sum(len(_doc(i)[1]) for i in items)
        fits = len(items) <= self._batch_size and included <= SYNC_BATCH_INCLUDED_LIMIT
        if caps.sync_batch and (fits or not caps.async_batch):
            return "sync"
        return "async" if caps.async_batch else "single"

    # -- single records ------------------------------------------------------------

    def _write_one(self, item: _Item) -> ItemResult:
        primary, included = _doc(item)
        body = {"data": primary, "included": included}
        try:
            if self._by_sku:
                document, _ = self._client.update("products", item.product.sku, body)
            elif item.existing is None:
                document, _ = self._client.create("products", body)
            else:
                document, _ = self._client.update("products", item.existing, body)
        except OroRejected as exc:
            return _rejected(item.key, self._known(item), exc.errors)
        return ItemResult(item.key, self._dest_key(document.one.id), created=item.existing is None)

    def _remove(self, change: Change) -> ItemResult:
        client, oro_id = self._address(change)
        if oro_id is None:  # never written, or already gone: nothing to do
            return ItemResult(change.key, None)
        dest_key = change.dest_key or self._dest_key(oro_id)
        if change.op is Op.DELETE:
            client.delete("products", oro_id)
            return ItemResult(change.key, dest_key)
        body = {"data": resource_object("products", id_=oro_id, attributes={"status": "disabled"})}
        try:
            client.update("products", oro_id, body)
        except OroRejected as exc:
            if exc.status_code == 404:
                return ItemResult(change.key, None)
            return _rejected(change.key, dest_key, exc.errors)
        return ItemResult(change.key, dest_key)

    def _address(self, change: Change) -> tuple[OroClient, str | None]:
        """The client and id that reach the product of ``change``: its ``dest_key`` (a
        DB id, or ``sku:`` and a SKU), else its key looked up as a SKU."""
        key = change.dest_key
        if key is None:
            return self._client, self._find_id(change.key)
        if key.startswith(SKU_KEY):
            sku = key.removeprefix(SKU_KEY)
            return self._client, (sku if self._by_sku else self._find_id(sku))
        return self._plain, key

    def _dest_key(self, oro_id: str) -> str:
        """What the state keeps for a product written: its DB id, or by SKU ``sku:SKU``
        (an id that stays right if the Oro connection later loses SKU addressing)."""
        return f"{SKU_KEY}{oro_id}" if self._by_sku else oro_id

    def _known(self, item: _Item) -> str | None:
        """The destination key to report for an item Oro refused."""
        return item.change.dest_key if self._by_sku else item.existing

    def _reject(self, item: _Item, message: str) -> ItemResult:
        return ItemResult(item.key, self._known(item), message)

    # -- synchronous batches -------------------------------------------------------

    def _write_batch(self, items: list[_Item]) -> list[ItemResult]:
        results: list[ItemResult] = []
        pending = list(items)
        while pending:
            body, owners = _batch_document(pending, update_meta=True)
            try:
                document = self._client.batch_sync("products", body)
            except OroRejected as exc:
                refused = _locate(exc.errors, owners)
                if refused is None:
                    log.info("batch refused without locatable errors; writing one by one")
                    return results + [self._write_one(item) for item in pending]
                for index, errors in sorted(refused.items()):
                    item = pending[index]
                    results.append(_rejected(item.key, self._known(item), errors))
                pending = [item for i, item in enumerate(pending) if i not in refused]
                continue
            if len(document.data) != len(pending):
                raise FatalDestinationError(
                    f"Oro answered a batch of {len(pending)} products with "
                    f"{len(document.data)} records"
                )
            for item, resource in zip(pending, document.data, strict=True):
                created = item.existing is None
                results.append(ItemResult(item.key, self._dest_key(resource.id), created=created))
            break
        return results

    # -- the asynchronous batch ----------------------------------------------------

    def _write_async(self, items: list[_Item]) -> list[ItemResult]:
        """One ``PATCH /products`` for every item; errors located back to products."""
        results: list[ItemResult] = []
        pending = list(items)
        while True:
            body, owners = _batch_document(pending, update_meta=True)
            try:
                operation_id = self._client.batch_async("products", body)
                break
            except OroRejected as exc:  # the document itself was refused: nothing queued
                refused = _locate(exc.errors, owners)
                if refused is None:
                    raise FatalDestinationError(
                        f"Oro refused the asynchronous batch: {join_messages(exc.errors)}"
                    ) from exc
                for index, found in sorted(refused.items()):
                    item = pending[index]
                    results.append(_rejected(item.key, self._known(item), found))
                pending = [item for i, item in enumerate(pending) if i not in refused]
                if not pending:
                    return results
        operation = self._client.wait_async(operation_id, timeout=self._async_timeout)
        errors: Sequence[OroError] = ()
        if operation.status != "success" or operation.error_count != 0:
            errors = self._client.operation_errors(operation_id)
        if operation.status != "success" and not errors:
            raise FatalDestinationError(
                f"the asynchronous batch {operation_id} ended {operation.status!r} without errors"
            )
        located: dict[int, list[OroError]] = {}
        loose: list[OroError] = []
        for error in errors:
            owner = _owner(error, owners)
            if owner is None or owner >= len(pending):
                loose.append(error)
            else:
                located.setdefault(owner, []).append(error)
        if self._by_sku:  # the SKU is the id: nothing to look up
            ids = {i.product.sku.casefold(): i.product.sku for i in pending}
        else:
            ids = self._ids_for([i.product.sku for i in pending])
        for index, item in enumerate(pending):
            oro_id = ids.get(item.product.sku.casefold())
            if index in located:
                results.append(_rejected(item.key, self._known(item), located[index]))
            elif loose and (self._by_sku or item.existing is not None or oro_id is None):
                # an update (or a missing create) cannot be told apart from the failure
                results.append(
                    ItemResult(
                        item.key,
                        self._known(item),
                        "Oro reported batch errors not tied to a record: " + join_messages(loose),
                    )
                )
            elif oro_id is None:
                results.append(
                    ItemResult(
                        item.key,
                        None,
                        f"Oro reported no error for {item.product.sku} but does not have it "
                        f"after the batch {operation_id}",
                    )
                )
            else:
                created = item.existing is None
                results.append(ItemResult(item.key, self._dest_key(oro_id), created=created))
        return results

    # -- current state -------------------------------------------------------------

    def _look_up(self, items: list[_Item]) -> None:
        """Fill ``existing`` with the Oro id of each SKU (compared case-insensitively) and
        the parent cache with the parents not known yet — in the same requests."""
        parents = {
            i.product.variant_parent
            for i in items
            if i.product.variant_parent is not None
            and i.product.variant_parent.casefold() not in self._parents
        }  # sent as spelled: a filter need not compare case-insensitively
        own = {i.product.sku for i in items}
        found = self._ids_for(sorted(own | parents))
        for item in items:
            item.existing = found.get(item.product.sku.casefold())
        for sku in parents:
            if sku.casefold() in found:
                self._parents[sku.casefold()] = found[sku.casefold()]

    def _read_state(self, items: list[_Item]) -> None:
        """Prices, images and variant links of the items that exist in Oro."""
        existing = {i.existing: i for i in items if i.existing is not None}
        price_lists = set(self._price_lists)
        for item in items:
            price_lists.update(p.price_list for p in item.product.prices)
        self._price_lists |= price_lists
        if not existing:
            return
        ids = sorted(existing, key=_id_order)
        for price_list in sorted(price_lists):
            for chunk in _slices(ids):
                filters = {"priceList": price_list, "product": ",".join(chunk)}
                for price in self._read("productprices", filters):
                    owner = _owner_of(price, existing)
                    if owner is None:
                        continue
                    attrs = price.attributes
                    units = price.related_ids("unit")
                    unit = units[0][1] if units else owner.product.unit
                    try:
                        key = price_key(
                            price_list, str(attrs.get("currency")), attrs.get("quantity"), unit
                        )
                        value = Decimal(str(attrs.get("value"))).normalize()
                    except (ValueError, ArithmeticError):
                        continue  # unreadable: never matches, so it is replaced
                    owner.state.prices[key] = (price.id, value)
        with_images = [i for i in existing if existing[i].product.images]
        for chunk in _slices(sorted(with_images, key=_id_order)):
            pages = self._client.pages(
                "productimages", {"product": ",".join(chunk)}, include=("image", "types")
            )
            for document in self._read_pages(pages):
                for image in document.data:
                    held = _owner_of(image, existing)
                    files = list(document.related(image, "image"))
                    if held is None or not files:
                        continue
                    name = str(files[0].attributes.get("originalFilename") or "")
                    kinds = frozenset(
                        str(t.attributes.get("productImageTypeType"))
                        for t in document.related(image, "types")
                    )
                    held.state.images.setdefault(name, (image.id, kinds))
        variants = [i for i in existing if existing[i].product.product_type != "configurable"]
        for chunk in _slices(sorted(variants, key=_id_order)):
            for link in self._read("productvariantlinks", {"product": ",".join(chunk)}):
                child = _owner_of(link, existing)
                parents = link.related_ids("parentProduct")
                if child is not None and parents:
                    child.state.links.append((link.id, parents[0][1]))

    def _images(self, item: _Item) -> dict[str, bytes]:
        """The bytes of the images to upload. Raises ValueError naming the image."""
        content: dict[str, bytes] = {}
        for image in images_to_upload(item.product, item.state):
            if self._load_image is None:
                raise ValueError(f"images: cannot upload {image.filename}: no image loader")
            try:
                content[image.key] = self._load_image(image)
            except Exception as exc:  # any loader failure rejects only this product
                raise ValueError(
                    f"images: cannot load {image.filename} ({image.key}): {exc}"
                ) from exc
        return content

    def _delete_stale(self, items: list[_Item]) -> None:
        """One delete-list per price list with stale prices, one for stale links."""
        by_list: dict[str, list[str]] = {}
        links: list[str] = []
        for item in items:
            prices, stale_links = stale_records(item.product, item.state, item.parent_id)
            for key, (price_id, _) in item.state.prices.items():
                if price_id in prices:
                    by_list.setdefault(key[0], []).append(price_id)
            links.extend(stale_links)
        for price_list, ids in sorted(by_list.items()):
            for chunk in _slices(ids):
                self._client.delete_list(
                    "productprices", {"priceList": price_list, "id": ",".join(chunk)}
                )
        for chunk in _slices(links):
            self._client.delete_list("productvariantlinks", {"id": ",".join(chunk)})

    def _find_id(self, sku: str) -> str | None:
        return self._ids_for([sku]).get(sku.casefold())

    def _ids_for(self, skus: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _slices(list(skus)):
            resources = self._read("products", {"sku": ",".join(chunk)}, {"products": "sku"})
            found.update({str(r.attributes.get("sku", "")).casefold(): r.id for r in resources})
        return found

    def _read(
        self, type_: str, filters: dict[str, str], fields: dict[str, str] | None = None
    ) -> list[Resource]:
        pages = self._client.pages(type_, filters, fields=fields)
        return [r for document in self._read_pages(pages) for r in document.data]

    @staticmethod
    def _read_pages(pages: Iterator[Any]) -> list[Document]:
        try:
            return [page.document for page in pages]
        except FatalSourceError as exc:  # reading is a source's failure; here it is ours
            if isinstance(exc.__cause__, TransientError):
                raise exc.__cause__ from exc  # still worth retrying the batch
            raise FatalDestinationError(f"cannot read the products' state in Oro: {exc}") from exc


def _doc(item: _Item) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    assert item.document is not None
    return item.document


def _by_key(results: Sequence[ItemResult], key: str) -> ItemResult | None:
    return next((r for r in results if r.key == key), None)


def _owner_of(resource: Resource, existing: dict[str, _Item]) -> _Item | None:
    products = resource.related_ids("product")
    return existing.get(products[0][1]) if products else None


def _id_order(oro_id: str) -> tuple[int, str]:
    return (int(oro_id), "") if oro_id.isdigit() else (0, oro_id)


def _slices(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _ID_CHUNK):
        yield values[start : start + _ID_CHUNK]


def _batch_document(
    items: Sequence[_Item], *, update_meta: bool
) -> tuple[dict[str, Any], list[int]]:
    """The batch body, and for each included record the index of its product."""
    data: list[dict[str, Any]] = []
    included: list[dict[str, Any]] = []
    owners: list[int] = []
    for index, item in enumerate(items):
        primary, extra = _doc(item)
        primary = dict(primary)
        if item.existing is not None and update_meta and "meta" not in primary:
            primary["meta"] = {"update": True}
        data.append(primary)
        included.extend(extra)
        owners.extend([index] * len(extra))
    return {"data": data, "included": included}, owners


def _owner(error: OroError, owners: Sequence[int]) -> int | None:
    where = error.location
    if where is None:
        return None
    member, index = where
    if member == "included":
        return owners[index] if index < len(owners) else None
    return index


def _locate(errors: Sequence[OroError], owners: Sequence[int]) -> dict[int, list[OroError]] | None:
    """The errors by index of the product they belong to; None if any cannot be placed."""
    located: dict[int, list[OroError]] = {}
    for error in errors:
        index = _owner(error, owners)
        if index is None:
            return None
        located.setdefault(index, []).append(error)
    return located


def _chunks(items: list[_Item], size: int) -> Iterator[list[_Item]]:
    """Chunks of at most ``size`` products and :data:`SYNC_BATCH_INCLUDED_LIMIT` included
    (a product with more included records than that goes alone: Oro will say so)."""
    chunk: list[_Item] = []
    included = 0
    for item in items:
        extra = len(_doc(item)[1])
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
