"""Akeneo → Salesforce Commerce Cloud: the twelve jobs of the Akeneo connector for SFCC.

Each flow is one of the connector's jobs, named as its documentation names them, and
builds streams whose destination is one :class:`~pimsync.connectors.sfcc.SfccImport`:
the records go into standard import files, delivered to the instance as site archives
at the end of the run (nothing about them is stored before the instance has imported
them). "Full" jobs always run full; the product jobs of one instance (full and
differential, master and storefront) share an exclusive group, so they never overlap.

| job | streams |
|---|---|
| ``sfcc.import-attributes`` (1) | Product custom attribute definitions and groups |
| ``sfcc.differential-import-assets`` (2-1) | prices of changed products |
| ``sfcc.full-import-media-assets-pricebook`` (2-2) | pricebooks: every product's prices |
| ``sfcc.differential-import-master`` (3-1-1) | changed products and masters |
| ``sfcc.differential-import-storefront`` (3-1-2) | categories, changed assignments |
| ``sfcc.full-import-master`` (3-2-1) | every product and master |
| ``sfcc.full-import-master-variation`` (3-2-2) | every master with its variations |
| ``sfcc.full-master-image`` (3-2-3) | every product's and master's images, with binaries |
| ``sfcc.full-import-storefront`` (3-2-4) | categories and every assignment |
| ``sfcc.entity-import`` (4) | reference entity records as content assets |
| ``sfcc.entity-record-grouping`` (5) | chosen entities' attributes in a content group |
| ``sfcc.save-catalog-refinements`` (6) | the storefront catalog's refinements, kept in the hub |

Job 6 reads the storefront catalog back from the instance (an export) and keeps each
category's refinement definitions in the hub; the storefront jobs write them into the
categories they send, so merchants' refinements survive a recreated category or catalog
(see :mod:`._sfcc_refinements`).

Images: image paths are Akeneo media file codes (an asset's main media file:
``assets/<code>``, from ``asset_images`` in the mapping). The jobs writing the master
catalog give the destination an image loader (:mod:`._sfcc_images`): the binaries of the
images their products reference are downloaded into the hub's media cache and sent in the
archive's ``catalogs/<master>/static/default/``; a product whose image Akeneo does not
serve, or that is not an image, is rejected. With the connection's ``image_base_url`` the
header is an external location and no binary is sent. Job 2-2 sends pricebooks only (the
binaries travel with the catalog); job 2-1 sends the prices of changed products, nothing
about assets: an asset whose media changed reaches SFCC with the next 3-2-1 or 3-2-3.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pimsync.catalogs import CatalogSpec
from pimsync.connectors.akeneo import (
    AkeneoCatalog,
    AkeneoClient,
    AkeneoModelTreeSource,
    AkeneoProductSource,
    AkeneoSettings,
    ModelTree,
    ProductSearch,
)
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.base import SourceRecord, Window
from pimsync.connectors.sfcc import (
    SfccAttributeGroup,
    SfccImageSettings,
    SfccProduct,
    SfccSettings,
)
from pimsync.connectors.sfcc._destination import (
    ProductAssignments,
    ProductPrices,
    SfccImport,
    Staged,
    Target,
    archive_stem,
)
from pimsync.errors import ConfigError, RejectedRecord
from pimsync.jobs import Mode, StreamSpec
from pimsync.mapping import AkeneoMetadata
from pimsync.mapping.sfcc import (
    AssetMedia,
    SfccMapping,
    assignments,
    attribute_definitions,
    axis_codes,
    category,
    content_asset,
    entity_definition,
    master,
    price_tables,
    pricebooks,
    product,
)
from pimsync.model import Product, ProductModel

from ._oro import catalog_attributes, catalog_selection, job_catalog, read_akeneo_metadata
from ._sfcc_images import asset_media, image_loader
from ._sfcc_refinements import HubRefinements, InstanceRefinements, saved_refinements

__all__ = ["SFCC_FLOWS", "SfccJobOptions"]

log = logging.getLogger("pimsync.sfcc")


class SfccJobOptions(BaseModel):
    """Options of the SFCC jobs.

    * ``mapping`` — how Akeneo values become SFCC attributes (:class:`SfccMapping`).
    * ``families``, ``enabled_only`` — the products read (pushed down to Akeneo).
    * ``catalog`` — a hub catalog (``[catalogs.NAME]``) selecting the products.
    * ``trees`` — the Akeneo category trees of the storefront catalog (default: all).
    * ``entities`` — reference entities of jobs 4 and 5 (default: all).
    * ``content_group`` — the content attribute group of job 5.
    """

    model_config = ConfigDict(extra="forbid")

    mapping: SfccMapping = Field(default_factory=SfccMapping)
    families: tuple[str, ...] = ()
    enabled_only: bool = False
    catalog: str | None = None
    trees: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    content_group: str = "AkeneoEntities"


class ListSource:
    """A small list read whole on every run (attributes, categories, records)."""

    def __init__(self, client: AkeneoClient, read: Callable[[], Iterable[tuple[str, Any]]]):
        self.client = client
        self._read = read

    def clock(self) -> datetime:
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Any]]]:
        yield [SourceRecord(key, data) for key, data in self._read()]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Any]]:
        found = dict(self._read())
        for key in keys:
            data = found.get(key)
            yield (
                SourceRecord(key, data)
                if data is not None
                else SourceRecord(key, None, deleted=True)
            )


@dataclass
class _Job:
    """What every SFCC job of one run shares."""

    ctx: Any
    options: SfccJobOptions
    akeneo: AkeneoClient
    metadata: AkeneoMetadata
    mapping: SfccMapping
    destination: SfccImport
    select: Callable[[Any], bool] | None
    select_model: Callable[[Any], bool] | None
    search: ProductSearch
    assets: AssetMedia

    def stream(
        self,
        name: str,
        source: Any,
        map_: Callable[[Any], Any],
        entity: str,
        *,
        select: Callable[[Any], bool] | None = None,
        complete: bool = False,
    ) -> StreamSpec:
        return StreamSpec(
            name=name,
            source=source,
            destination=self.destination,
            map=map_,
            connection=self.ctx.destination.name,
            entity=entity,
            select=select,
            complete=complete,
        )

    def products(self) -> AkeneoProductSource:
        return AkeneoProductSource(self.akeneo, search=self.search)

    def trees(self) -> AkeneoModelTreeSource:
        axes = sorted(axis_codes(self.metadata))
        return AkeneoModelTreeSource(self.akeneo, families=self.search.families, axes=axes)


def _options(ctx: Any) -> SfccJobOptions:
    from pimsync.runners.flows import get_flow

    parsed = get_flow(ctx.config.flow).parse_options(ctx.job, ctx.config.options)
    assert isinstance(parsed, SfccJobOptions)
    return parsed


def _setup(ctx: Any, *, prices: bool = False, images: bool = False) -> _Job:
    """Connect Akeneo, read its structure, check the mapping, open the destination."""
    options = _options(ctx)
    source_settings: AkeneoSettings = ctx.source.settings
    settings: SfccSettings = ctx.destination.settings
    akeneo = connect_akeneo(source_settings, ctx.source.secrets)
    reader = AkeneoCatalog(akeneo)
    spec: CatalogSpec | None = None
    if options.catalog is not None:
        catalog = job_catalog(ctx.project.catalogs, ctx.job, options.catalog, ctx.destination.name)
        if not catalog.enabled:
            raise ConfigError(
                f"job {ctx.job!r}: catalog {options.catalog!r} is disabled; enable it with "
                f"`pimsync catalogs enable {options.catalog}` or take it out of the options"
            )
        spec = catalog.spec()
    wanted = set(_select_attributes(reader)) | (catalog_attributes(spec) if spec else set())
    metadata = read_akeneo_metadata(reader, wanted)
    try:
        mapping = options.mapping.check(metadata)
    except ConfigError as exc:
        raise ConfigError(f"job {ctx.job!r}: options.mapping: {exc}") from None
    search = ProductSearch(
        enabled=True if options.enabled_only else None, families=tuple(options.families)
    )
    select = select_model = None
    if spec is not None:
        selection = catalog_selection(
            spec,
            metadata,
            families=options.families,
            enabled_only=options.enabled_only,
            name=options.catalog or "",
        )
        search, select, select_model = selection.search, selection.select, selection.select_model
    home: Path = ctx.home or Path(".pimsync")
    image_settings, loader = None, None
    assets: AssetMedia = {}
    if images:
        image_settings = _image_settings(settings, mapping)
        if image_settings.http_url is None:  # internal location: send the binaries
            loader = image_loader(akeneo, home / "media")
        assets = asset_media(reader, metadata, mapping)
    destination = SfccImport(
        settings,
        dict(ctx.destination.secrets),
        home / "sfcc",
        stem=archive_stem(ctx.job),
        pricebooks=pricebooks(metadata, mapping) if prices else (),
        image_settings=image_settings,
        image_loader=loader,
    )
    return _Job(
        ctx, options, akeneo, metadata, mapping, destination, select, select_model, search, assets
    )


def _image_settings(settings: SfccSettings, mapping: SfccMapping) -> SfccImageSettings:
    """The master catalog's images: in its static folder, or at ``image_base_url``."""
    base = settings.image_base_url
    if base is None:
        return SfccImageSettings(view_types=mapping.view_types())
    secure = base if base.startswith("https://") else None
    return SfccImageSettings(view_types=mapping.view_types(), http_url=base, https_url=secure)


def _select_attributes(reader: AkeneoCatalog) -> list[str]:
    """Every select attribute: their options become SFCC enum values and labels."""
    return [
        r.data.code
        for page in reader.attributes()
        for r in page
        if r.data is not None and "select" in str(r.data.type)
    ]


def _products_group(ctx: Any) -> None:
    """The product jobs of one instance never overlap (full and differential alike)."""
    ctx.overrides["exclusive_group"] = f"sfcc-products:{ctx.destination.name}"


def _full(ctx: Any) -> None:
    ctx.overrides["mode"] = Mode.FULL


def _shared(ctx: Any, kind: str) -> None:
    """The full and differential jobs of one kind share their state (hashes,
    watermarks): a differential run after a full one sends only what changed since."""
    ctx.overrides["state_key"] = f"sfcc-{kind}:{ctx.destination.name}"


# -- the mapping of each stream -------------------------------------------------------


def _product_record(job: _Job) -> Callable[[Product], Staged]:
    def map_(p: Product) -> Staged:
        return Staged.of(Target.MASTER, product(p, job.metadata, job.mapping, assets=job.assets))

    return map_


def _master_record(job: _Job) -> Callable[[ModelTree], Staged]:
    def map_(tree: ModelTree) -> Staged:
        records = master(
            tree.model, tree.variants, tree.sub_models, job.metadata, job.mapping, assets=job.assets
        )
        return Staged(Target.MASTER, tuple(records))

    return map_


def _key(p: Product) -> str:
    if not p.identifier:
        raise RejectedRecord(p.uuid or "?", "the product has no identifier (its SFCC id)")
    return p.identifier


def _prices_record(job: _Job) -> Callable[[Product], Staged]:
    def map_(p: Product) -> Staged:
        amounts = {t.currency: t.amount for t in price_tables(p, job.mapping) if t.amount}
        return Staged.of(Target.PRICEBOOK, ProductPrices(_key(p), amounts))

    return map_


def _image_only(job: _Job, build: Callable[[Any], Staged]) -> Callable[[Any], Staged]:
    """Only the images of what ``build`` makes, never removed (job 3-2-3)."""

    def map_(record: Any) -> Staged:
        staged = build(record)
        kept = tuple(
            SfccProduct(r.product_id, image_groups=r.image_groups)
            for r in staged.records
            if isinstance(r, SfccProduct)
        )
        return Staged(Target.MASTER, kept, removable=False)

    return map_


def _assignments_record(job: _Job, storefront: frozenset[str]) -> Callable[[Any], Staged]:
    def map_(record: Any) -> Staged:
        if isinstance(record, ModelTree):
            data: Product | ProductModel = record.model
            owner = record.model.code
        else:
            data, owner = record, _key(record)
        found = assignments(data, job.mapping, catalog_categories=storefront, metadata=job.metadata)
        categories = tuple(dict.fromkeys(a.category_id for a in found))
        primary = next((a.category_id for a in found if a.primary), None)
        return Staged.of(Target.STOREFRONT, ProductAssignments(owner, categories, primary))

    return map_


def _storefront_categories(job: _Job) -> frozenset[str]:
    """The categories of the storefront trees (every tree without ``trees``)."""
    parents = job.metadata.categories
    roots = set(job.options.trees) or {c for c, p in parents.items() if p is None}
    unknown = sorted(roots - set(parents))
    if unknown:
        raise ConfigError(f"job {job.ctx.job!r}: options.trees names unknown trees {unknown}")

    def root(code: str) -> str:
        seen: set[str] = set()
        while (parent := parents.get(code)) is not None and code not in seen:
            seen.add(code)
            code = parent
        return code

    return frozenset(c for c in parents if root(c) in roots)


# -- the flows -------------------------------------------------------------------------


def import_attributes(ctx: Any) -> Sequence[StreamSpec]:
    job = _setup(ctx)
    reader = AkeneoCatalog(job.akeneo)

    def definitions() -> Iterator[tuple[str, Any]]:
        attributes = [r.data for p in reader.attributes() for r in p if r.data is not None]
        groups = [r.data for p in reader.attribute_groups() for r in p if r.data is not None]
        found, grouped = attribute_definitions(
            job.metadata, job.mapping, attributes=attributes, groups=groups
        )
        for definition in found:
            yield definition.attribute_id, Staged.of(Target.METADATA, definition)
        for group in grouped:
            yield f"group:{group.group_id}", Staged.of(Target.METADATA, group)

    return [
        job.stream(
            "attributes", ListSource(job.akeneo, definitions), _same, "attribute", complete=True
        )
    ]


def _same(staged: Staged) -> Staged:
    return staged


def prices(ctx: Any, *, full: bool) -> Sequence[StreamSpec]:
    _shared(ctx, "prices")
    if full:
        _full(ctx)
    job = _setup(ctx, prices=True)
    return [job.stream("prices", job.products(), _prices_record(job), "prices", select=job.select)]


def media_assets_pricebook(ctx: Any) -> Sequence[StreamSpec]:
    return prices(ctx, full=True)


def differential_assets(ctx: Any) -> Sequence[StreamSpec]:
    return prices(ctx, full=False)


def master_import(ctx: Any, *, full: bool, variations_only: bool = False) -> Sequence[StreamSpec]:
    _products_group(ctx)
    _shared(ctx, "master")
    if full:
        _full(ctx)
    job = _setup(ctx, images=True)
    masters = job.stream(
        "masters", job.trees(), _master_record(job), "master", select=_tree_select(job)
    )
    if variations_only:
        return [masters]
    products = job.stream(
        "products", job.products(), _product_record(job), "product", select=job.select
    )
    return [products, masters]


def _tree_select(job: _Job) -> Callable[[ModelTree], bool] | None:
    if job.select_model is None:
        return None
    select_model = job.select_model
    return lambda tree: bool(select_model(tree.model))


def master_image(ctx: Any) -> Sequence[StreamSpec]:
    _products_group(ctx)
    _full(ctx)
    job = _setup(ctx, images=True)
    return [
        job.stream(
            "product_images", job.products(),
            _image_only(job, _product_record(job)), "product-images", select=job.select,
        ),
        job.stream(
            "master_images", job.trees(),
            _image_only(job, _master_record(job)), "master-images", select=_tree_select(job),
        ),
    ]  # fmt: skip


def storefront(ctx: Any, *, full: bool) -> Sequence[StreamSpec]:
    _products_group(ctx)
    _shared(ctx, "storefront")
    if full:
        _full(ctx)
    job = _setup(ctx)
    reader = AkeneoCatalog(job.akeneo)
    placed = _storefront_categories(job)
    # Merchants' refinements saved by job 6; other categories get none, so the
    # instance keeps its own.
    catalog_id = job.destination.settings.storefront_catalog
    refinements = saved_refinements(ctx.db, ctx.destination.name, catalog_id)

    def categories() -> Iterator[tuple[str, Any]]:
        for page in reader.categories():
            for r in page:
                if r.data is not None and r.data.code in placed:
                    found = category(r.data, job.mapping)
                    saved = refinements.get(found.category_id)
                    if saved is not None:
                        found = replace(found, refinements=saved)
                    yield r.data.code, Staged.of(Target.STOREFRONT, found)

    places = _assignments_record(job, placed)
    return [
        job.stream(
            "categories", ListSource(job.akeneo, categories), _same, "category", complete=True
        ),
        job.stream("assignments", job.products(), places, "assignments", select=job.select),
        job.stream(
            "master_assignments", job.trees(), places, "master-assignments",
            select=_tree_select(job),
        ),
    ]  # fmt: skip


def entity_import(ctx: Any) -> Sequence[StreamSpec]:
    job = _setup(ctx)
    reader = AkeneoCatalog(job.akeneo)
    wanted = set(job.options.entities)

    def entities() -> list[Any]:
        return [
            r.data
            for page in reader.reference_entities()
            for r in page
            if r.data is not None and (not wanted or r.data.code in wanted)
        ]

    def definitions() -> Iterator[tuple[str, Any]]:
        for entity in entities():
            definition = entity_definition(entity, job.mapping)
            yield entity.code, Staged.of(Target.CONTENT_METADATA, definition)

    def records() -> Iterator[tuple[str, Any]]:
        for entity in entities():
            for page in reader.records(entity.code):
                for r in page:
                    if r.data is not None:
                        asset = content_asset(r.data, entity, job.mapping)
                        yield f"{entity.code}/{r.data.code}", Staged.of(Target.LIBRARY, asset)

    return [
        job.stream(
            "entity_attributes", ListSource(job.akeneo, definitions), _same,
            "content-attribute", complete=True,
        ),
        job.stream(
            "entity_records", ListSource(job.akeneo, records), _same, "content", complete=True
        ),
    ]  # fmt: skip


def entity_grouping(ctx: Any) -> Sequence[StreamSpec]:
    job = _setup(ctx)
    reader = AkeneoCatalog(job.akeneo)
    wanted = set(job.options.entities)

    def group() -> Iterator[tuple[str, Any]]:
        ids = [
            entity_definition(r.data, job.mapping).attribute_id
            for page in reader.reference_entities()
            for r in page
            if r.data is not None and (not wanted or r.data.code in wanted)
        ]
        if ids:
            found = SfccAttributeGroup(job.options.content_group, tuple(ids))
            yield job.options.content_group, Staged.of(Target.CONTENT_METADATA, found)

    return [
        job.stream(
            "content_group", ListSource(job.akeneo, group), _same, "content-group", complete=True
        )
    ]


def save_refinements(ctx: Any) -> Sequence[StreamSpec]:
    """Job 6: the storefront catalog's refinement definitions, exported from the
    instance, kept in the hub for the storefront jobs. Raises :class:`ConfigError`
    without a state store or the instance's credentials."""
    _options(ctx)
    _products_group(ctx)  # never read the catalog while a storefront import writes it
    # Always differential: a category missing from the export keeps its saved refinements.
    ctx.overrides["mode"] = Mode.DIFF
    settings: SfccSettings = ctx.destination.settings
    secret = ctx.destination.secrets.get("client_secret")
    if settings.url is None or settings.client_id is None or secret is None:
        raise ConfigError(
            f"job {ctx.job!r} reads the storefront catalog from the instance: the sfcc "
            "connection needs url, client_id and its secret client_secret"
        )
    if ctx.db is None:
        raise ConfigError(f"job {ctx.job!r} keeps the refinements in the state store: none open")
    name, catalog_id = ctx.destination.name, settings.storefront_catalog
    return [
        StreamSpec(
            name="refinements",
            source=InstanceRefinements(settings, secret, catalog_id),
            destination=HubRefinements(ctx.db, name, catalog_id),
            map=lambda xml: xml,
            connection=name,
            entity="category-refinements",
        )
    ]


SFCC_FLOWS: tuple[tuple[str, str, Callable[[Any], Sequence[StreamSpec]]], ...] = (
    (
        "sfcc.import-attributes",
        "1: Akeneo attributes and options as SFCC Product custom attributes and groups",
        import_attributes,
    ),
    (
        "sfcc.differential-import-assets",
        "2-1: prices of the products changed since the last run",
        differential_assets,
    ),
    (
        "sfcc.full-import-media-assets-pricebook",
        "2-2: one pricebook per currency with every product's price",
        media_assets_pricebook,
    ),
    (
        "sfcc.differential-import-master",
        "3-1-1: products and variation masters changed since the last run",
        lambda ctx: master_import(ctx, full=False),
    ),
    (
        "sfcc.differential-import-storefront",
        "3-1-2: storefront categories and the assignments of changed products",
        lambda ctx: storefront(ctx, full=False),
    ),
    (
        "sfcc.full-import-master",
        "3-2-1: every product and variation master",
        lambda ctx: master_import(ctx, full=True),
    ),
    (
        "sfcc.full-import-master-variation",
        "3-2-2: every variation master with its variation attributes, variants and groups",
        lambda ctx: master_import(ctx, full=True, variations_only=True),
    ),
    (
        "sfcc.full-master-image",
        "3-2-3: the image groups of every product and master",
        master_image,
    ),
    (
        "sfcc.full-import-storefront",
        "3-2-4: storefront categories and every product's assignments",
        lambda ctx: storefront(ctx, full=True),
    ),
    (
        "sfcc.entity-import",
        "4: reference entity records as content assets of the library",
        entity_import,
    ),
    (
        "sfcc.entity-record-grouping",
        "5: the chosen reference entities' attributes in a content attribute group",
        entity_grouping,
    ),
    (
        "sfcc.save-catalog-refinements",
        "6: the storefront catalog's search refinements, read from the instance, kept "
        "for the storefront jobs",
        save_refinements,
    ),
)
