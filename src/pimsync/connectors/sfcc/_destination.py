"""The SFCC destination: records staged into import files, delivered at the end of a run.

A job's streams write :class:`Staged` payloads: SFCC records for one file kind (the
master catalog, the storefront catalog, pricebooks, the library, metadata). Each record
is checked as it is written; a record the files cannot hold is rejected alone. At the
end of the run :meth:`SfccImport.deliver` closes the files, validates them (against the
connection's XSD folder, else structurally), packs them as site-import archives and, on
an instance, uploads and imports each one and waits for it; with ``deliver = false`` it
copies the files into ``output_dir``. Until then the engine stores nothing about the
staged records (see :class:`~pimsync.connectors.base.StagedDestination`).

Removals: a record that left Akeneo (or the selection) is written again with
``mode="delete"`` (products, categories, category assignments, price tables, content
assets); with the ``disable`` policy a product is set offline instead. The destination
key of each staged record says what to remove: ``product:<catalog>:<id>[,<id>…]``,
``category:<catalog>:<id>``, ``assignment:<catalog>:<product>:<category>``,
``price:<currency>:<product>``, ``content:<library>:<id>``, ``attribute:<type>:<id>``;
``assignments:<catalog>:<product>:<category>,…`` and ``prices:<currency>,…:<product>``
list what a product has, so what it loses is removed; ``kept:…`` records are never
removed (they add to records another job owns).

Images: given an ``image_loader``, the binaries of the images that staged master catalog
products reference go into the archive's ``catalogs/<master>/static/default/``, after the
import files (see :mod:`._images`); a product whose image cannot be had is rejected.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.errors import ConfigError, FatalDestinationError, RejectedRecord

from ._archive import ArchiveEntry, build_archives
from ._client import SfccClient
from ._images import CatalogImages, ImageLoader, referenced
from ._model import (
    SfccAssignment,
    SfccAttributeDefinition,
    SfccAttributeGroup,
    SfccCategory,
    SfccContentAsset,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
    SfccRecommendation,
)
from ._schema import check_structure, validate
from ._settings import SfccSettings
from ._xml import CatalogWriter, LibraryWriter, MetadataWriter, PricebookWriter, SfccImageSettings

__all__ = ["SfccImport", "Staged", "Target"]

log = logging.getLogger("pimsync.sfcc")
_SHOWN_PROBLEMS = 5


class Target(StrEnum):
    """The file a staged record goes to."""

    MASTER = "master"
    STOREFRONT = "storefront"
    PRICEBOOK = "pricebook"
    LIBRARY = "library"
    METADATA = "metadata"  # custom attributes of products
    CONTENT_METADATA = "content-metadata"  # custom attributes of content assets


@dataclass(frozen=True, slots=True)
class ProductAssignments:
    """Every storefront category of one product. The destination assigns these and
    removes (``mode="delete"``) those it assigned before that are no longer listed: the
    destination key remembers them."""

    product_id: str
    categories: tuple[str, ...]
    primary: str | None = None


@dataclass(frozen=True, slots=True)
class ProductPrices:
    """One product's price per currency; a currency it had before and no longer has is
    removed from that currency's pricebook."""

    product_id: str
    amounts: Mapping[str, Decimal]


SfccRecord = (
    ProductAssignments
    | ProductPrices
    | SfccProduct
    | SfccCategory
    | SfccAssignment
    | SfccRecommendation
    | SfccPriceTable
    | SfccContentAsset
    | SfccAttributeDefinition
    | SfccAttributeGroup
)


@dataclass(frozen=True, slots=True)
class Staged:
    """What one source record becomes in one file: its SFCC records, in order."""

    target: Target
    records: tuple[SfccRecord, ...]
    # False for records that only add to what another job owns (e.g. a product's images):
    # their removal is that job's business, so nothing is removed for them.
    removable: bool = True

    @classmethod
    def of(cls, target: Target, *records: SfccRecord, removable: bool = True) -> Staged:
        return cls(target, tuple(records), removable)


@dataclass
class _Files:
    """The writers of one run, opened on first use."""

    folder: Path
    settings: SfccSettings
    pricebooks: Sequence[SfccPricebook]
    image_settings: SfccImageSettings | None
    required: Sequence[str]
    writers: dict[Target, Any] = field(default_factory=dict)

    def writer(self, target: Target) -> Any:
        found = self.writers.get(target)
        if found is not None:
            return found
        limit = self.settings.max_file_bytes
        path = self.folder / f"{target.value}.xml"
        if target is Target.MASTER:
            found = CatalogWriter(
                path,
                self.settings.master_catalog,
                image_settings=self.image_settings,
                required=self.required,
                max_bytes=limit,
            )
        elif target is Target.STOREFRONT:
            found = CatalogWriter(path, self.settings.storefront_catalog, max_bytes=limit)
        elif target is Target.PRICEBOOK:
            if not self.pricebooks:
                raise ConfigError("price tables need pricebooks: the job declares none")
            found = PricebookWriter(path, self.pricebooks, max_bytes=limit)
        elif target is Target.LIBRARY:
            found = LibraryWriter(path, self.settings.library, max_bytes=limit)
        elif target is Target.CONTENT_METADATA:
            found = MetadataWriter(path, "Content", max_bytes=limit)
        else:
            found = MetadataWriter(path, "Product", max_bytes=limit)
        self.writers[target] = found
        return found

    def archive_paths(self) -> list[ArchiveEntry]:
        """Close every writer; each file with its place in a site archive."""
        entries = []
        for target, writer in self.writers.items():
            for number, path in enumerate(writer.close(), start=1):
                suffix = "" if number == 1 else f"-{number}"
                entries.append(ArchiveEntry(self._place(target, suffix), path))
        return entries

    def _place(self, target: Target, suffix: str) -> str:
        if target is Target.MASTER:
            return f"catalogs/{self.settings.master_catalog}/catalog{suffix}.xml"
        if target is Target.STOREFRONT:
            return f"catalogs/{self.settings.storefront_catalog}/catalog{suffix}.xml"
        if target is Target.PRICEBOOK:
            return f"pricebooks/pricebooks{suffix}.xml"
        if target is Target.LIBRARY:
            return f"libraries/{self.settings.library}/library{suffix}.xml"
        if target is Target.CONTENT_METADATA:
            return f"meta/content-objecttype-extensions{suffix}.xml"
        return f"meta/system-objecttype-extensions{suffix}.xml"


def _write(writer: Any, record: SfccRecord) -> None:
    if isinstance(record, SfccProduct):
        writer.write_product(record)
    elif isinstance(record, SfccCategory):
        writer.write_category(record)
    elif isinstance(record, SfccAssignment):
        writer.write_assignment(record)
    elif isinstance(record, SfccRecommendation):
        writer.write_recommendation(record)
    elif isinstance(record, SfccAttributeDefinition):
        writer.write_attribute(record)
    elif isinstance(record, SfccAttributeGroup):
        writer.write_group(record)
    else:
        writer.write(record)


def dest_key(staged: Staged, settings: SfccSettings) -> str:
    """What identifies ``staged`` on the instance (see the module docstring)."""
    first = staged.records[0]
    if not staged.removable:
        return f"kept:{staged.target.value}"
    catalog = (
        settings.master_catalog if staged.target is Target.MASTER else settings.storefront_catalog
    )
    if isinstance(first, ProductAssignments):
        return f"assignments:{catalog}:{first.product_id}:{','.join(first.categories)}"
    if isinstance(first, ProductPrices):
        return f"prices:{','.join(sorted(first.amounts))}:{first.product_id}"
    if isinstance(first, SfccProduct):
        ids = ",".join(r.product_id for r in staged.records if isinstance(r, SfccProduct))
        return f"product:{catalog}:{ids}"
    if isinstance(first, SfccCategory):
        return f"category:{catalog}:{first.category_id}"
    if isinstance(first, SfccAssignment):
        return f"assignment:{catalog}:{first.product_id}:{first.category_id}"
    if isinstance(first, SfccPriceTable):
        return f"price:{first.currency}:{first.product_id}"
    if isinstance(first, SfccContentAsset):
        return f"content:{settings.library}:{first.content_id}"
    kind = "Content" if staged.target is Target.CONTENT_METADATA else "Product"
    if isinstance(first, SfccAttributeDefinition):
        return f"attribute:{kind}:{first.attribute_id}"
    if isinstance(first, SfccAttributeGroup):
        return f"group:{kind}:{first.group_id}"
    return f"recommendation:{catalog}:{first.source_id}:{first.target_id}:{first.type}"


def removal(key: str, op: Op, settings: SfccSettings) -> Staged | None:
    """The records that remove (``Op.DELETE``) or take offline (``Op.DISABLE``) what
    ``key`` identifies; None when there is nothing to send (attribute definitions are
    kept: deleting one would drop its values on every product)."""
    kind, _, rest = key.partition(":")
    catalog, _, item = rest.partition(":")
    target = Target.MASTER if catalog == settings.master_catalog else Target.STOREFRONT
    if kind == "assignments":
        if op is Op.DISABLE:
            return None  # an offline product may keep its places in the catalog
        product, gone = _listed(item)
        deletions = tuple(SfccAssignment(product, c, mode="delete") for c in gone)
        return Staged(target, deletions) if deletions else None
    if kind == "prices":
        if op is Op.DISABLE:
            return None
        currencies = [c for c in catalog.split(",") if c]
        return Staged(
            Target.PRICEBOOK, tuple(SfccPriceTable(item, c, mode="delete") for c in currencies)
        )
    if kind == "product":
        ids = [i for i in item.split(",") if i]
        if op is Op.DISABLE:
            return Staged(target, tuple(SfccProduct(i, online=False) for i in ids))
        return Staged(target, tuple(SfccProduct(i, mode="delete") for i in ids))
    if kind == "category":
        if op is Op.DISABLE:
            return Staged.of(target, SfccCategory(item, online=False))
        return Staged.of(target, SfccCategory(item, mode="delete"))
    if kind == "assignment":
        product, _, category = item.rpartition(":")
        return Staged.of(target, SfccAssignment(product, category, mode="delete"))
    if kind == "price":
        return Staged.of(Target.PRICEBOOK, SfccPriceTable(item, catalog, mode="delete"))
    if kind == "content":
        return Staged.of(Target.LIBRARY, SfccContentAsset(item, mode="delete"))
    if kind == "recommendation":
        source, target_id, rec_type = item.split(":", 2)
        return Staged.of(target, SfccRecommendation(source, target_id, rec_type, mode="delete"))
    return None


def _listed(item: str) -> tuple[str, list[str]]:
    """``(product, [category…])`` of an ``assignments`` key's ``<product>:<c1>,<c2>``."""
    product, _, listed = item.rpartition(":")
    return product, [c for c in listed.split(",") if c]


def expand(staged: Staged, previous: str | None) -> Staged:
    """``staged`` with set payloads turned into SFCC records: the current assignments or
    prices, and removals of what ``previous`` (the last destination key) listed that is
    gone now."""
    if not any(isinstance(r, ProductAssignments | ProductPrices) for r in staged.records):
        return staged
    records: list[SfccRecord] = []
    before = (previous or "").split(":", 1)[0]
    for record in staged.records:
        if isinstance(record, ProductAssignments):
            old = (
                _listed(previous.split(":", 2)[2])[1]
                if before == "assignments" and previous
                else []
            )
            records += [
                SfccAssignment(record.product_id, c, primary=True if c == record.primary else None)
                for c in record.categories
            ]
            records += [
                SfccAssignment(record.product_id, c, mode="delete")
                for c in old
                if c not in record.categories
            ]
        elif isinstance(record, ProductPrices):
            old = previous.split(":")[1].split(",") if before == "prices" and previous else []
            records += [
                SfccPriceTable(record.product_id, currency, amount)
                for currency, amount in sorted(record.amounts.items())
            ]
            records += [
                SfccPriceTable(record.product_id, c, mode="delete")
                for c in old
                if c and c not in record.amounts
            ]
        else:
            records.append(record)
    return Staged(staged.target, tuple(records))


class SfccImport:
    """A :class:`~pimsync.connectors.base.StagedDestination` for one run of one job.

    ``client`` builds the delivery client (tests pass one for the sandbox); ``stem``
    names the archives (``pimsync-<job>-<time>``). ``image_loader`` provides the files
    of the images master catalog products reference (an internal-location catalog);
    without it no image binary is sent.
    """

    def __init__(
        self,
        settings: SfccSettings,
        secrets: dict[str, SecretStr],
        workdir: Path,
        *,
        stem: str,
        pricebooks: Sequence[SfccPricebook] = (),
        image_settings: SfccImageSettings | None = None,
        required: Sequence[str] = (),
        client: Callable[[], SfccClient] | None = None,
        image_loader: ImageLoader | None = None,
    ) -> None:
        self.settings = settings
        self._secret = secrets.get("client_secret")
        if settings.deliver and not self._secret:
            raise ConfigError("the sfcc connection needs its secret client_secret to deliver")
        self._client = client
        self.stem = stem
        self.folder = workdir / stem
        self._files = _Files(self.folder / "files", settings, pricebooks, image_settings, required)
        self._lock = threading.Lock()
        self._images = (
            CatalogImages(settings.master_catalog, image_loader) if image_loader else None
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files.folder.mkdir(parents=True, exist_ok=True)

    # -- staging -------------------------------------------------------------------

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        # Images load outside the lock: a download must not hold up the other threads.
        images = [self._load_images(change) for change in changes]
        results = []
        with self._lock:  # the engine writes batches from several threads
            for change, found in zip(changes, images, strict=True):
                if isinstance(found, RejectedRecord):
                    results.append(ItemResult(change.key, error=found.reason))
                    continue
                result = self._stage(change)
                if result.error is None and found and self._images is not None:
                    self._images.keep(found)
                results.append(result)
        return results

    def _load_images(self, change: Change) -> Mapping[str, Path] | RejectedRecord:
        """The files of the images ``change`` references (none without a loader)."""
        staged = change.payload
        if (
            self._images is None
            or change.op is not Op.UPSERT
            or not isinstance(staged, Staged)
            or staged.target is not Target.MASTER
        ):
            return {}
        try:
            return self._images.load(change.key, referenced(staged.records))
        except RejectedRecord as exc:
            return exc

    def _stage(self, change: Change) -> ItemResult:
        if change.op is Op.UPSERT:
            staged = change.payload
            if not isinstance(staged, Staged) or not staged.records:
                return ItemResult(change.key, error="nothing to write for this record")
            key = dest_key(staged, self.settings)
            staged = expand(staged, change.dest_key)
            if not staged.records:  # e.g. a product in no storefront category, never was
                return ItemResult(change.key, dest_key=key)
        else:
            key = change.dest_key or ""
            found = removal(key, change.op, self.settings)
            if found is None:
                return ItemResult(change.key, dest_key=key)  # nothing to remove there
            staged = found
        try:
            writer = self._files.writer(staged.target)
            for record in staged.records:
                _write(writer, record)
        except RejectedRecord as exc:
            return ItemResult(change.key, error=exc.reason)
        except ValueError as exc:  # e.g. a category after the first product
            return ItemResult(change.key, error=f"cannot be written in order: {exc}")
        return ItemResult(change.key, dest_key=key)

    # -- delivery ------------------------------------------------------------------

    def deliver(self) -> Sequence[str]:
        """Close, validate, pack and deliver the files; lines for the run's report."""
        entries = self._files.archive_paths()
        if entries and self._images is not None:  # after the files that reference them
            entries += self._images.entries()
        if not entries:
            self.discard()
            return ["SFCC: nothing to import"]
        self._check(entries)
        if not self.settings.deliver:
            return self._copy(entries)
        archives = build_archives(
            entries, self.folder / "archives", self.stem, self.settings.max_archive_bytes
        )
        notes = []
        with self._connect() as client:
            for archive in archives:
                client.upload(archive)
                execution = client.wait(client.start_import(archive.name))
                if not self.settings.keep_archive:
                    client.delete(archive.name)
                notes.append(
                    f"SFCC: imported {archive.name} ({archive.stat().st_size / 1e6:.1f} MB, "
                    f"{len(entries)} file(s)): execution {execution.id} {execution.status}"
                )
        self.discard()
        return notes

    def _check(self, entries: Sequence[ArchiveEntry]) -> None:
        folder = self.settings.xsd_folder
        for entry in entries:
            if entry.static:
                continue
            problems = validate(entry.file, folder) if folder else check_structure(entry.file)
            if problems:
                shown = "; ".join(problems[:_SHOWN_PROBLEMS])
                raise FatalDestinationError(
                    f"{entry.path} is not a valid import file ({shown}); nothing was delivered"
                )

    def _copy(self, entries: Sequence[ArchiveEntry]) -> list[str]:
        assert self.settings.output_dir is not None  # checked by the settings
        target = self.settings.output_dir / self.stem
        for entry in entries:
            destination = target / entry.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry.file, destination)
        self.discard()
        return [f"SFCC: wrote {len(entries)} import file(s) to {target}"]

    def _connect(self) -> SfccClient:
        if self._client is not None:
            return self._client()
        assert self._secret is not None  # checked in __init__
        return SfccClient(self.settings, self._secret)

    def discard(self) -> None:
        """Remove the run's files (closing any writer still open)."""
        for writer in self._files.writers.values():
            try:
                writer.close()
            except (OSError, ValueError):
                log.debug("closing an SFCC writer failed", exc_info=True)
        self._files.writers.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def archive_stem(job: str, now: datetime | None = None) -> str:
    """``pimsync-<job>-<UTC time>``: unique per run, valid in WebDAV paths."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%f")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in job)
    return f"pimsync-{safe}-{moment}"
