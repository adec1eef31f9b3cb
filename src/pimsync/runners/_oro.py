"""The Akeneo → OroCommerce flows: ``oro.structure``, ``oro.products``, ``oro.reference-entities``.

All three read the same options table, a :class:`OroJobOptions` (the mapping of
:mod:`pimsync.mapping` plus a few job settings), so a structure job and a products job
configured alike agree on every field, price list and category.

* ``oro.structure`` — one record, the Akeneo structure the mapping uses (attributes and
  options, locales, currencies, the category tree). When it changes, pimsync brings Oro
  in step as far as Oro's API allows (enum options, price lists, brands, categories with
  the companion config) and rejects the record, with the checklist, while Oro lacks
  attributes only an Oro admin can add; the next run tries again.
* ``oro.products`` — root product models (configurable products), then products. Before
  anything is written, both systems' metadata are read and the mapping validated: a
  mapping to an Oro field that does not exist refuses the run, naming the field. With
  ``catalog = "NAME"`` only the hub catalog's products (and values) are sent: see
  :func:`catalog_selection`. With ``akeneo_catalog = "<id>"`` the products are read
  through that Akeneo catalog (Catalogs for Apps, an App connection).
* ``oro.reference-entities`` — the brands: options of the brand attribute (or records of
  its reference entity) as Oro brands, addressed by ``externalId``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import Engine

from pimsync.catalogs import (
    CatalogSpec,
    Criterion,
    Permissions,
    PermittedTrees,
    PermittedValues,
    check,
    check_permissions,
    criterion_matches,
    filter_values,
    push_down,
    tree_criterion,
)
from pimsync.config import CatalogConfig
from pimsync.connectors.akeneo import (
    AkeneoAppCatalogs,
    AkeneoAppClient,
    AkeneoCatalog,
    AkeneoCatalogProductSource,
    AkeneoClient,
    AkeneoProductModelSource,
    AkeneoProductSource,
    AkeneoSettings,
    ProductSearch,
    catalog_page,
    download_media_file,
)
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.connectors.oro import (
    OroClient,
    OroImage,
    OroProductWriter,
    OroRejected,
    OroSettings,
    join_messages,
    linkage,
    resource_object,
)
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import (
    EnumOption,
    StructurePlan,
    StructureSettings,
    apply_structure,
    read_akeneo_structure,
    read_oro_metadata,
    read_plan,
    structure_check_of,
)
from pimsync.connectors.oro.structure import OroMetadata as StructureMetadata
from pimsync.errors import ConfigError, FatalDestinationError, RemoteError
from pimsync.jobs import StreamSpec
from pimsync.mapping import (
    AkeneoMetadata,
    Mapper,
    MappingConfig,
    OroField,
    OroMetadata,
    OroPriceList,
)
from pimsync.model import AttributeOption, Product, ProductModel
from pimsync.state import cross_references, replace_cross_references

log = logging.getLogger("pimsync.oro")

__all__ = [
    "CatalogSelection",
    "OroJobOptions",
    "build_mapper",
    "catalog_selection",
    "destination_permissions",
    "job_catalog",
    "oro_mapping_metadata",
    "oro_products",
    "oro_reference_entities",
    "oro_structure",
    "read_akeneo_metadata",
    "structure_plan",
    "structure_settings",
]


class OroJobOptions(MappingConfig):
    """The options of the Oro flows: the mapping, plus what the job reads and how it writes.

    * ``families`` / ``enabled_only`` — products selected in Akeneo (pushed down).
    * ``partition_by = "family"`` — read families in parallel.
    * ``batch_mode`` — how products are sent: ``auto`` (one synchronous batch when a write
      fits, else Oro's asynchronous batch API), ``sync``, ``async`` or ``single``.
    * ``textarea`` — the Oro type of attributes created for Akeneo text areas.
    * ``by_sku`` — address products by SKU (``X-Integration-Type: ext_id``) instead of
      looking their ids up; by default whenever the connection's Oro ``version`` has it
      (6.1.10+, 7.0.2+). ``false`` turns it off; ``true`` on an older version is refused.
    * ``catalog`` — the hub catalog (``[catalogs.NAME]``) choosing which products and
      values ``oro.products`` sends; a disabled catalog sends nothing.
    * ``akeneo_catalog`` — instead, the id of an Akeneo catalog (Catalogs for Apps) the
      connection's App owns: Akeneo selects the products and trims their values; a
      disabled one sends nothing. Not with ``catalog`` nor ``partition_by``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    families: tuple[str, ...] = ()
    enabled_only: bool = False
    partition_by: Literal["family"] | None = None
    batch_mode: Literal["auto", "sync", "async", "single"] = "auto"
    textarea: Literal["text", "wysiwyg"] = "text"
    by_sku: bool | None = None
    catalog: str | None = None
    akeneo_catalog: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_catalog(self) -> OroJobOptions:
        if self.akeneo_catalog is not None and self.catalog is not None:
            raise ValueError(
                "catalog (a hub catalog) and akeneo_catalog (an Akeneo catalog) both choose "
                "the products; set only one of them"
            )
        if self.akeneo_catalog is not None and self.partition_by is not None:
            raise ValueError("partition_by does not apply when reading through akeneo_catalog")
        return self


def _options(ctx: Any, flow: str) -> OroJobOptions:
    from pimsync.runners.flows import FLOWS

    options: OroJobOptions = FLOWS[flow].parse_options(ctx.job, ctx.config.options)
    return options


CATEGORIES = "categories"  # the xrefs entity: Akeneo category code → the Oro category id


def structure_settings(
    options: OroJobOptions, placed: Mapping[str, str] | None = None
) -> StructureSettings:
    """The structure side of ``options``: which fields, price lists and categories.

    ``placed`` is where earlier runs put the Akeneo categories in Oro (tree mode): they
    are recognised by id after a move or a rename, and deleted once gone from Akeneo.
    """
    prices = options.prices[0] if options.prices else None
    currencies: list[str] = []
    for price in options.prices:
        currencies += [c for c in (price.currencies or tuple(price.price_lists)) if c]
    category = options.categories
    attributes = {m.akeneo: m.oro for m in options.attributes}
    return StructureSettings(
        attributes=attributes,
        scope=options.scope,
        default_locale=options.default_locale,
        localizations=dict(options.localizations),
        currencies=list(dict.fromkeys(currencies)),
        price_list_name=prices.price_list if prices else "Akeneo {currency}",
        category_root=category.root if category.mode == "tree" else None,
        categories=(
            dict(category.map)
            if category.mode == "explicit"
            else dict(placed or {})
            if category.mode == "tree"
            else {}
        ),
        attribute_family=options.attribute_family,
        textarea=options.textarea,
    )


def structure_plan(
    catalog: AkeneoCatalog,
    oro: OroClient,
    options: OroJobOptions,
    placed: Mapping[str, str] | None = None,
    *,
    oro_metadata: StructureMetadata | None = None,
    enum_options: Callable[[str], list[EnumOption]] | None = None,
) -> StructurePlan:
    """What Oro must have for ``options``' mapping and what the structure job would do
    (``oro_metadata`` and ``enum_options``: see
    :func:`~pimsync.connectors.oro.structure.read_plan`)."""
    plan = read_plan(
        catalog,
        oro,
        structure_settings(options, placed),
        oro_metadata=oro_metadata,
        enum_options=enum_options,
    )
    if options.categories.mode == "none":
        plan.category_changes.clear()
    return plan


# -- oro.products ------------------------------------------------------------------------


def _akeneo_metadata(
    catalog: AkeneoCatalog, options: OroJobOptions, also: Iterable[str] = ()
) -> AkeneoMetadata:
    wanted = {m.akeneo for m in options.attributes} | set(also)
    if options.brand:
        wanted.add(options.brand)
    if options.inventory_status_attribute:
        wanted.add(options.inventory_status_attribute)
    return read_akeneo_metadata(catalog, wanted)


def read_akeneo_metadata(catalog: AkeneoCatalog, wanted: Iterable[str]) -> AkeneoMetadata:
    """Akeneo's structure: every attribute, family, category, channel, locale, currency,
    and the options of the ``wanted`` select attributes."""
    wanted = set(wanted)

    def data(pages: Iterator[Sequence[SourceRecord[Any]]]) -> list[Any]:
        return [r.data for page in pages for r in page if r.data is not None]

    attributes = data(catalog.attributes())
    options_: list[AttributeOption] = []
    for attribute in attributes:
        if attribute.code in wanted and "select" in str(attribute.type):
            options_ += data(catalog.attribute_options(attribute.code))
    return AkeneoMetadata.from_model(
        attributes=attributes,
        options=options_,
        families=data(catalog.families()),
        family_variants=data(catalog.all_family_variants()),
        measurement_families=data(catalog.measurement_families()),
        categories=data(catalog.categories()),
        channels=data(catalog.channels()),
        locales=data(catalog.locales()),
        currencies=data(catalog.currencies()),
        product_models=data(catalog.product_models()),
    )


def oro_mapping_metadata(meta: StructureMetadata, plan: StructurePlan) -> OroMetadata:
    """Oro's fields, price lists and brands as the mapper checks a mapping against them,
    counting what the structure job ``plan`` will create."""
    fields = {
        name: OroField(
            name=name,
            type=f.type,
            relation_type=f.relation_type,
            related_entity=f.related_entity,
            enum_type=f.enum_type,
            length=_int(f.options.get("length")),
            is_attribute=bool(f.options.get("is_attribute")),
        )
        for name, f in meta.product_fields.items()
    }
    enum_options: dict[str, frozenset[str]] = {
        name: frozenset(ids.values()) for name, ids in plan.enum_options.items()
    }
    return OroMetadata(
        product_fields=fields,
        localizations=meta.localization_by_name(),
        price_lists={p.name: OroPriceList(p.id, p.currencies) for p in meta.price_lists},
        categories=dict(plan.categories.ids),
        brands=meta.brand_ids(),
        enum_options=enum_options,
        attribute_families=dict(meta.families),
    )


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def build_mapper(
    akeneo: AkeneoClient,
    oro: OroClient,
    options: OroJobOptions,
    job: str | None = None,
    placed: Mapping[str, str] | None = None,
    akeneo_metadata: AkeneoMetadata | None = None,
) -> Mapper:
    """Read both systems' metadata and build the mapper; refuses (``ConfigError``) a
    mapping that names what does not exist, or a structure Oro still lacks. ``placed``:
    the Oro ids of categories, as the structure job keeps them; ``akeneo_metadata``:
    Akeneo's, when already read (it is read otherwise)."""
    catalog = AkeneoCatalog(akeneo)
    plan = structure_plan(catalog, oro, options, placed)
    if plan.blockers:
        raise ConfigError(
            "Oro is not ready for these products, so nothing was written: "
            + "; ".join(plan.blockers)
            + f". Run `pimsync oro check {job or 'JOB'} --attributes-csv FILE` for the steps"
        )
    meta = read_oro_metadata(oro)
    metadata = akeneo_metadata or _akeneo_metadata(catalog, options)
    mapper = Mapper(options, metadata, oro_mapping_metadata(meta, plan))
    for warning in mapper.report.warnings:
        log.warning("mapping: %s", warning)
    return mapper


IMAGE_MEMORY = 32 << 20  # bytes of recently sent images kept in memory, per products run


def _image_loader(client: AkeneoClient, cache: Path, budget: int = IMAGE_MEMORY) -> Any:
    """Image bytes by media code: from memory when recently sent (catalogs reuse a few
    pictures across many products, and a code's content never changes in Akeneo), else
    from the download cache, else downloaded. At most ``budget`` bytes stay in memory."""
    recent: OrderedDict[str, bytes] = OrderedDict()
    held = 0
    lock = threading.Lock()

    def load(image: OroImage) -> bytes:
        nonlocal held
        with lock:
            content = recent.get(image.key)
            if content is not None:
                recent.move_to_end(image.key)
                return content
        content = download_media_file(client, image.key, cache).path.read_bytes()
        if len(content) <= budget // 8:
            with lock:
                if image.key not in recent:
                    recent[image.key] = content
                    held += len(content)
                while held > budget:
                    _, dropped = recent.popitem(last=False)
                    held -= len(dropped)
        return content

    return load


# -- hub catalogs ------------------------------------------------------------------------


def job_catalog(
    catalogs: Mapping[str, CatalogConfig], job: str, name: str, destination: str
) -> CatalogConfig:
    """Catalog ``name`` as job ``job`` (writing to ``destination``) uses it.

    Raises :class:`ConfigError` when it is not defined or is another connection's catalog.
    """
    catalog = catalogs.get(name)
    if catalog is None:
        known = ", ".join(sorted(catalogs)) or "none"
        raise ConfigError(
            f"job {job!r}: options.catalog {name!r} is not a catalog (known: {known})"
        )
    if catalog.destination != destination:
        raise ConfigError(
            f"job {job!r}: catalog {name!r} is for connection {catalog.destination!r}, "
            f"but the job writes to {destination!r}"
        )
    return catalog


def catalog_attributes(spec: CatalogSpec) -> set[str]:
    """The fields the criteria of ``spec`` name (attributes among them)."""
    return {c.field for c in spec.criteria}


@dataclass(frozen=True, slots=True)
class CatalogSelection:
    """How a job reads a catalog's products: ``search`` goes to Akeneo (the job's own
    filters and the catalog's pushed-down criteria, AND-ed), ``residual`` is checked
    locally; the value filters trim what is kept of each selected record."""

    spec: CatalogSpec
    search: ProductSearch
    residual: tuple[Criterion, ...]
    metadata: AkeneoMetadata

    def select(self, product: Product) -> bool:
        """Whether ``product`` (returned by :attr:`search`) is in the catalog."""
        return all(criterion_matches(c, product, self.metadata) for c in self.residual)

    def select_model(self, model: ProductModel) -> bool:
        """Whether a product model's family meets the catalog's family criteria (models
        have no status, and the other criteria are about products)."""
        stand_in = Product(identifier=model.code, family=model.family)
        return all(
            criterion_matches(c, stand_in, self.metadata)
            for c in self.spec.criteria
            if c.field == "family"
        )

    def trim(self, product: Product) -> Product:
        return dataclasses.replace(
            product, values=filter_values(product.values, self.spec.value_filters)
        )

    def trim_model(self, model: ProductModel) -> ProductModel:
        return dataclasses.replace(
            model, values=filter_values(model.values, self.spec.value_filters)
        )


def catalog_selection(
    spec: CatalogSpec,
    metadata: AkeneoMetadata,
    *,
    families: Sequence[str] = (),
    enabled_only: bool = False,
    name: str = "",
    also: Sequence[Criterion] = (),
    local_only: bool = False,
) -> CatalogSelection:
    """Check ``spec`` against Akeneo's ``metadata`` (:class:`ConfigError` naming every
    unknown attribute, option…) and split it into Akeneo's search and local criteria,
    with the job's own ``families`` / ``enabled_only`` and the criteria ``also`` (the
    destination's permitted trees, see :func:`destination_permissions`) added.
    ``local_only``: nothing is pushed down (the products come from an Akeneo catalog,
    which has its own selection), every criterion is checked locally."""
    try:
        check(spec, metadata)
    except ConfigError as exc:
        raise ConfigError(f"catalog {name!r}: {exc}" if name else str(exc)) from None
    own: list[Criterion] = []
    if families:
        own.append(Criterion(field="family", operator="IN", value=tuple(families)))
    if enabled_only:
        own.append(Criterion(field="enabled", operator="=", value=True))
    own += also
    # model_construct: the job's two criteria do not count against the catalog's 25.
    merged = CatalogSpec.model_construct(
        criteria=(*own, *spec.criteria), value_filters=spec.value_filters, enabled=True
    )
    if local_only:
        return CatalogSelection(spec, ProductSearch(), tuple(merged.criteria), metadata)
    search, residual = push_down(merged, metadata)
    return CatalogSelection(spec, search, residual, metadata)


def _then(first: Callable[[Any], Any], second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda record: second(first(record))


def destination_permissions(
    permissions: Permissions, catalog: AkeneoCatalog, metadata: AkeneoMetadata, destination: str
) -> tuple[PermittedTrees | None, PermittedValues | None]:
    """What ``[permissions.DESTINATION]`` adds to a products job: the permitted trees
    (their criterion goes to :func:`catalog_selection`) and the value trim; None for what
    is not restricted. Raises :class:`ConfigError` naming a tree, locale or attribute
    group Akeneo does not have."""
    groups: list[str] = []
    if permissions.attribute_groups is not None:
        groups = [r.data.code for page in catalog.attribute_groups() for r in page if r.data]
    try:
        check_permissions(permissions, metadata, groups)
    except ConfigError as exc:
        raise ConfigError(f"permissions {destination!r}: {exc}") from None
    criterion = tree_criterion(permissions, metadata)
    trees = None if criterion is None else PermittedTrees(criterion, metadata)
    permitted = PermittedValues(permissions, metadata) if permissions.restricts_values else None
    return trees, permitted


def _selectors(
    selection: CatalogSelection | None, trees: PermittedTrees | None
) -> tuple[Callable[[Any], bool] | None, Callable[[Any], bool] | None]:
    """Which products and root models are sent: the model source searches by family
    only, and a variant follows its root model, so the permitted ``trees`` are also
    checked here."""
    if selection is None:
        return None, None
    if trees is None:
        return selection.select, selection.select_model
    select, select_model = selection.select, selection.select_model
    return (
        lambda product: trees.product(product) and select(product),
        lambda model: trees.model(model) and select_model(model),
    )


def _trims(
    selection: CatalogSelection | None, permitted: PermittedValues | None
) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """What is removed from a product and from a product model before mapping: values
    the destination may not receive, then those the catalog's value filters drop."""
    if permitted is None:
        if selection is None:
            return None, None
        return selection.trim, selection.trim_model
    if selection is None:
        return permitted.product, permitted.model
    return _then(permitted.product, selection.trim), _then(permitted.model, selection.trim_model)


def _akeneo_catalog_enabled(ctx: Any, akeneo: AkeneoClient, catalog_id: str) -> bool:
    """Whether the job's Akeneo catalog is enabled; when not, a run note says where to
    enable it. Raises ConfigError without an App token, or for a catalog the App does
    not own."""
    if not isinstance(akeneo, AkeneoAppClient):
        raise ConfigError(
            f"job {ctx.job!r}: options.akeneo_catalog reads through Akeneo's Catalogs for "
            f"Apps API, which needs an App token, but connection {ctx.source.name!r} signs "
            "in with a password: set its app_client_id and activate the App with "
            f"`pimsync connections activate {ctx.source.name}`"
        )
    try:
        found = AkeneoAppCatalogs(akeneo).get(catalog_id)
    except ConfigError as exc:
        raise ConfigError(f"job {ctx.job!r}: {exc}") from None
    if found.enabled:
        return True
    page = catalog_page(str(ctx.source.settings.url), found.id)
    ctx.notes.append(
        f"Akeneo catalog {found.name!r} ({found.id}) is disabled: nothing was read or "
        f"written (a PIM user can enable it at {page})"
    )
    log.warning("job %s: Akeneo catalog %s is disabled; nothing to do", ctx.job, found.id)
    return False


def oro_products(ctx: Any) -> Sequence[StreamSpec]:
    source_settings: AkeneoSettings = ctx.source.settings
    dest_settings: OroSettings = ctx.destination.settings
    options = _options(ctx, "oro.products")
    catalog: CatalogConfig | None = None
    if options.catalog is not None:
        catalog = job_catalog(ctx.project.catalogs, ctx.job, options.catalog, ctx.destination.name)
        if not catalog.enabled:
            ctx.notes.append(
                f"catalog {options.catalog!r} is disabled: nothing was read or written "
                f"(enable it with `pimsync catalogs enable {options.catalog}`)"
            )
            log.warning("job %s: catalog %s is disabled; nothing to do", ctx.job, options.catalog)
            return []
    akeneo = connect_akeneo(source_settings, ctx.source.secrets)
    if options.akeneo_catalog is not None and not _akeneo_catalog_enabled(
        ctx, akeneo, options.akeneo_catalog
    ):
        return []
    oro = connect_oro(dest_settings, ctx.destination.secrets)
    selection: CatalogSelection | None = None
    metadata: AkeneoMetadata | None = None
    permitted: PermittedValues | None = None
    trees: PermittedTrees | None = None
    permissions = ctx.project.permissions.get(ctx.destination.name)
    if catalog is not None or permissions is not None or options.akeneo_catalog is not None:
        # Without a catalog, the permitted trees still narrow the job's own search.
        spec = catalog.spec() if catalog is not None else CatalogSpec(enabled=True)
        metadata = _akeneo_metadata(AkeneoCatalog(akeneo), options, catalog_attributes(spec))
        if permissions is not None:
            trees, permitted = destination_permissions(
                permissions, AkeneoCatalog(akeneo), metadata, ctx.destination.name
            )
        selection = catalog_selection(
            spec,
            metadata,
            families=options.families,
            enabled_only=options.enabled_only,
            name=options.catalog or "",
            also=() if trees is None else (trees.criterion,),
            # An Akeneo catalog selects by itself; the job's filters apply on top, locally.
            local_only=options.akeneo_catalog is not None,
        )
    placed = _placed(ctx)
    mapper = build_mapper(akeneo, oro, options, ctx.job, placed, metadata)
    home: Path = ctx.home or Path(".pimsync")
    writer = OroProductWriter(
        oro,
        batch_mode=options.batch_mode,
        image_loader=_image_loader(akeneo, home / "media"),
        price_lists=[i for p in mapper.plan.prices for i in p.price_lists.values()],
        by_sku=options.by_sku,
    )
    if selection is None or options.akeneo_catalog is not None:
        search = ProductSearch(
            enabled=True if options.enabled_only else None, families=tuple(options.families)
        )
    else:
        search = selection.search
    models = AkeneoProductModelSource(akeneo, search=search)
    products: AkeneoProductSource | AkeneoCatalogProductSource
    if options.akeneo_catalog is not None:
        products = AkeneoCatalogProductSource(akeneo, options.akeneo_catalog)
    else:
        products = AkeneoProductSource(akeneo, search=search, partition_by=options.partition_by)
    trim_product, trim_model = _trims(selection, permitted)
    select_product, select_model = _selectors(selection, trees)
    return [
        StreamSpec(
            name="product_models",
            source=models,
            destination=writer,
            map=mapper.model if trim_model is None else _then(trim_model, mapper.model),
            select=select_model,
            connection=ctx.destination.name,
            entity="product_model",
        ),
        StreamSpec(
            name="products",
            source=products,
            destination=writer,
            map=mapper.product if trim_product is None else _then(trim_product, mapper.product),
            select=select_product,
            connection=ctx.destination.name,
            entity="product",
        ),
    ]


# -- oro.structure -----------------------------------------------------------------------

STRUCTURE_KEY = "structure"


class StructureSource:
    """One record: the Akeneo structure a job's mapping uses, as plain data.

    Its hash changes when an attribute, option, locale, currency or category changes, so
    a run with nothing new in Akeneo writes nothing.
    """

    def __init__(self, client: AkeneoClient, options: OroJobOptions) -> None:
        self.client = client
        self.options = options

    def clock(self) -> datetime:
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Any]]]:
        yield [SourceRecord(STRUCTURE_KEY, self._snapshot(), datetime.now(UTC))]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Any]]:
        for key in keys:
            if key == STRUCTURE_KEY:
                yield SourceRecord(key, self._snapshot())
            else:
                yield SourceRecord(key, None, deleted=True)

    def _snapshot(self) -> dict[str, Any]:
        settings = structure_settings(self.options)
        akeneo = read_akeneo_structure(
            AkeneoCatalog(self.client), attributes=settings.attributes.keys(), scope=settings.scope
        )
        return {
            "settings": settings.model_dump(mode="json"),
            "attributes": sorted(
                (a.code, str(a.type), a.localizable, a.scopable)
                for a in akeneo.attributes.values()
                if a.code in settings.attributes
            ),
            "options": {
                code: [(o.code, sorted(o.labels.items())) for o in found]
                for code, found in sorted(akeneo.options.items())
            },
            "locales": list(akeneo.locales),
            "currencies": list(akeneo.currencies),
            "categories": [(c.code, c.parent, sorted(c.labels.items())) for c in akeneo.categories],
            "problems": list(akeneo.problems),
        }


def _placed(ctx: Any) -> dict[str, str]:
    """Where the structure job put the Akeneo categories in Oro (none without a state)."""
    if ctx.db is None:
        return {}
    return cross_references(ctx.db, ctx.destination.name, CATEGORIES)


class StructureWriter:
    """Brings Oro in step with the structure record (see :func:`apply_structure`).

    In tree mode it keeps where each Akeneo category is in Oro (the ``categories``
    cross-references of the connection), so the next run recognises moved and renamed
    categories by id and deletes the ones gone from Akeneo.
    """

    def __init__(
        self,
        akeneo: AkeneoClient,
        oro: OroClient,
        job: str,
        options: OroJobOptions,
        *,
        db: Engine | None = None,
        connection: str = "",
    ):
        self.akeneo = akeneo
        self.oro = oro
        self.job = job
        self.options = options
        self.db = db
        self.connection = connection

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results = []
        for change in changes:
            if change.op is not Op.UPSERT:  # the structure itself is never removed
                results.append(ItemResult(change.key, change.dest_key))
                continue
            results.append(self._apply(change))
        return results

    def _apply(self, change: Change) -> ItemResult:
        db = self.db if self.options.categories.mode == "tree" else None
        placed = cross_references(db, self.connection, CATEGORIES) if db is not None else None
        try:
            plan = structure_plan(AkeneoCatalog(self.akeneo), self.oro, self.options, placed)
            result = apply_structure(self.oro, plan)
        except RemoteError as exc:
            raise FatalDestinationError(f"cannot bring Oro's structure in step: {exc}") from exc
        if db is not None and plan.categories_writable and plan.category_root is not None:
            replace_cross_references(db, self.connection, CATEGORIES, result.categories)
        for line in result.created:
            log.info("oro structure: %s", line)
        for line in result.warnings:
            log.warning("oro structure: %s", line)
        if plan.blockers or result.errors:
            check = structure_check_of(plan, job=self.job)
            problems = [*result.errors, *plan.blockers]
            message = "; ".join(problems) + " — next steps: " + " ".join(check.steps).strip()
            return ItemResult(change.key, change.dest_key, message)
        return ItemResult(change.key, "oro")


def oro_structure(ctx: Any) -> Sequence[StreamSpec]:
    options = _options(ctx, "oro.structure")
    akeneo = connect_akeneo(ctx.source.settings, ctx.source.secrets)
    oro = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    return [
        StreamSpec(
            name="structure",
            source=StructureSource(akeneo, options),
            destination=StructureWriter(
                akeneo, oro, ctx.job, options, db=ctx.db, connection=ctx.destination.name
            ),
            map=lambda data: data,
            connection=ctx.destination.name,
            entity="structure",
        ),
        *_brand_streams(ctx, akeneo, oro, options),
    ]


# -- brands (oro.reference-entities) ---------------------------------------------------------


class BrandSource:
    """The brands: options of the mapping's brand attribute, or the records of the
    reference entity it links to, keyed by code."""

    def __init__(self, client: AkeneoClient, attribute: str, scope: str | None) -> None:
        self.client = client
        self.attribute = attribute
        self.scope = scope

    def clock(self) -> datetime:
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Any]]]:
        yield list(self._records())

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Any]]:
        found = {r.key: r for r in self._records()}
        for key in keys:
            yield found.get(key) or SourceRecord(key, None, deleted=True)

    def _records(self) -> Iterator[SourceRecord[Any]]:
        structure = read_akeneo_structure(AkeneoCatalog(self.client), attributes=[self.attribute])
        for option in structure.options.get(self.attribute, ()):
            yield SourceRecord(option.code, {"code": option.code, "labels": dict(option.labels)})


class BrandWriter:
    """Akeneo brands as Oro ``brands``, found by ``externalId`` (created when missing)."""

    def __init__(self, client: OroClient, localizations: Mapping[str, str], default_locale: str):
        self.client = client
        self.localizations = localizations
        self.default_locale = default_locale

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        codes = [c.key for c in changes]
        existing = {
            str(r.attributes.get("externalId")): r.id
            for r in self.client.list("brands", {"externalId": ",".join(codes)})
        }
        results = []
        for change in changes:
            # Oro's externalId is the truth: a brand removed in Oro since is made again.
            oro_id = existing.get(change.key)
            try:
                results.append(self._write_one(change, oro_id))
            except OroRejected as exc:
                results.append(ItemResult(change.key, oro_id, join_messages(exc.errors)))
        return results

    def _write_one(self, change: Change, oro_id: str | None) -> ItemResult:
        if change.op is not Op.UPSERT:
            if oro_id is None:
                return ItemResult(change.key, None)
            if change.op is Op.DELETE:
                self.client.delete("brands", oro_id)
            else:
                body = resource_object("brands", id_=oro_id, attributes={"status": "disabled"})
                self.client.update("brands", oro_id, {"data": body})
            return ItemResult(change.key, oro_id)
        labels: Mapping[str, str] = change.payload["labels"]
        default = labels.get(self.default_locale) or change.key
        names: list[tuple[str | None, str]] = [(None, default)]
        names += [
            (self.localizations[locale], text)
            for locale, text in sorted(labels.items())
            if locale in self.localizations and text
        ]
        included = [
            resource_object(
                "localizedfallbackvalues",
                id_=f"n{i}",
                attributes={"fallback": None, "string": text, "text": None},
                relationships={"localization": linkage("localizations", localization)},
            )
            for i, (localization, text) in enumerate(names)
        ]
        data = resource_object(
            "brands",
            id_=oro_id,
            attributes={"status": "enabled", "externalId": change.key},
            relationships={
                "names": {
                    "data": [
                        {"type": "localizedfallbackvalues", "id": f"n{i}"}
                        for i in range(len(names))
                    ]
                }
            },
        )
        body = {"data": data, "included": included}
        if oro_id is None:
            document, _ = self.client.create("brands", body)
            return ItemResult(change.key, document.one.id, created=True)
        self.client.update("brands", oro_id, body)
        return ItemResult(change.key, oro_id)


def _brand_streams(
    ctx: Any, akeneo: AkeneoClient, oro: OroClient, options: OroJobOptions
) -> list[StreamSpec]:
    if not options.brand:
        return []
    meta = read_oro_metadata(oro)
    by_name = meta.localization_by_name()
    localizations = {
        locale: by_name[name] for locale, name in options.localizations.items() if name in by_name
    }
    return [
        StreamSpec(
            name="brands",
            source=BrandSource(akeneo, options.brand, options.scope),
            destination=BrandWriter(oro, localizations, options.default_locale),
            map=lambda data: data,
            connection=ctx.destination.name,
            entity="brand",
        )
    ]


def oro_reference_entities(ctx: Any) -> Sequence[StreamSpec]:
    options = _options(ctx, "oro.reference-entities")
    if not options.brand:
        raise ConfigError(
            f"job {ctx.job!r}: set options.brand (the Akeneo brand attribute) for "
            "oro.reference-entities"
        )
    akeneo = connect_akeneo(ctx.source.settings, ctx.source.secrets)
    oro = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    return _brand_streams(ctx, akeneo, oro, options)
