"""Job mappings as the CLI and the web app handle them: edited, checked, previewed, stored.

A products job from Akeneo keeps its mapping in its ``options``: an ``oro.products`` job
maps Akeneo attributes to Oro product fields (``attributes``) and Akeneo categories to Oro
categories (``categories``); an SFCC job maps Akeneo attributes to SFCC system attributes
(``mapping.system_attributes``) and chooses the storefront's category trees (``trees``).
The mapping screen edits both the same way: as :class:`MappingDraft` lines (Akeneo
attribute → destination field) and a category table, checked with the domain's own rules
(:func:`pimsync.mapping.validate`, :meth:`~pimsync.mapping.sfcc.SfccMapping.check`) and
every problem tied to the input it is about, then previewed on one product exactly as the
job's mapper would write it. `pimsync mapping preview` finds its product here too.

What a check reads of each system's structure goes through a :class:`StructureReads` per
connection: the web app keeps one a minute so that previews do not read the structure
at every change; a save (and the CLI) starts from empty ones, so nothing is stored
unchecked against an old structure.

It sits above :mod:`pimsync.runners` and below :mod:`pimsync.cli` and :mod:`pimsync.web`.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import update

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.akeneo import AkeneoCatalog, AkeneoClient, ProductSearch
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.base import SourceRecord
from pimsync.connectors.oro import OroClient
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import (
    OroMetadata,
    StructurePlan,
    read_enum_options,
    read_oro_metadata,
)
from pimsync.errors import ConfigError, RejectedRecord
from pimsync.mapping import AkeneoMetadata, Mapper, preview_rows, validate
from pimsync.mapping._plan import MANAGED_FIELDS
from pimsync.mapping.sfcc import SfccMapping, SystemAttributes
from pimsync.mapping.sfcc import product as sfcc_product
from pimsync.model import (
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
    MeasurementFamily,
    Product,
    ProductModel,
    ReferenceEntityRecord,
)

# What build_mapper does before the Mapper refuses: the web needs the validation report
# itself, problem by problem.
from pimsync.runners._oro import (
    OroJobOptions,
    oro_mapping_metadata,
    read_akeneo_metadata,
    structure_plan,
)
from pimsync.runners._sfcc import SfccJobOptions
from pimsync.runners.flows import FLOWS, Endpoint, get_flow
from pimsync.runners.local import LocalRunner
from pimsync.state._tables import jobs

__all__ = [
    "ORO_EXTRAS",
    "MappingCheck",
    "MappingDraft",
    "MappingLine",
    "MappingPreview",
    "ReadsOf",
    "StructureReads",
    "check_mapping",
    "destination_kind",
    "draft_of_job",
    "find_record",
    "first_product",
    "mapping_jobs",
    "save_mapping",
]

# The optional parts of an Oro attribute mapping (see AttributeMapping).
ORO_EXTRAS = ("locale", "scope", "unit", "currency", "label_locale", "format")
_SFCC_FLOWS_PREFIX = "sfcc."

# A record → its key and (field, shown value, Akeneo source) rows; RejectedRecord if refused.
RowsOf = Callable[[Product | ProductModel], tuple[str, list[tuple[str, str, str]]]]
T = TypeVar("T")


class StructureReads:
    """What one connection's structure answered, each part read on first use and then
    answered again from here (thread-safe). A new one reads everything again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[Hashable, Any] = {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """What ``read()`` answered under ``key``; raises what ``read`` raises."""
        with self._lock:
            if key in self._held:
                return cast(T, self._held[key])
        value = read()
        with self._lock:
            return cast(T, self._held.setdefault(key, value))


# A connection → what has been read of its structure (the web app: one kept a minute).
ReadsOf = Callable[[Endpoint], StructureReads]


def _fresh(_endpoint: Endpoint) -> StructureReads:
    return StructureReads()


class _RememberedCatalog(AkeneoCatalog):
    """An :class:`AkeneoCatalog` whose structure pages (attributes, options, families,
    categories, channels, locales, currencies, units, records) come from ``reads``;
    products and product models, which a preview shows, are always read from Akeneo
    (the models :func:`read_akeneo_metadata` lists are kept with its metadata)."""

    def __init__(self, client: AkeneoClient, reads: StructureReads) -> None:
        super().__init__(client)
        self._reads = reads

    def _pages(
        self, key: tuple[str, ...], read: Callable[[], Iterator[list[SourceRecord[T]]]]
    ) -> Iterator[list[SourceRecord[T]]]:
        return iter(self._reads.get(("akeneo pages", *key), lambda: list(read())))

    def attributes(self) -> Iterator[list[SourceRecord[Attribute]]]:
        return self._pages(("attributes",), super().attributes)

    def attribute_options(self, attribute: str) -> Iterator[list[SourceRecord[AttributeOption]]]:
        read = super().attribute_options
        return self._pages(("attribute options", attribute), lambda: read(attribute))

    def families(self) -> Iterator[list[SourceRecord[Family]]]:
        return self._pages(("families",), super().families)

    def family_variants(self, family: str) -> Iterator[list[SourceRecord[FamilyVariant]]]:
        read = super().family_variants
        return self._pages(("family variants", family), lambda: read(family))

    def categories(self) -> Iterator[list[SourceRecord[Category]]]:
        return self._pages(("categories",), super().categories)

    def channels(self) -> Iterator[list[SourceRecord[Channel]]]:
        return self._pages(("channels",), super().channels)

    def locales(self) -> Iterator[list[SourceRecord[Locale]]]:
        return self._pages(("locales",), super().locales)

    def currencies(self) -> Iterator[list[SourceRecord[Currency]]]:
        return self._pages(("currencies",), super().currencies)

    def measurement_families(self) -> Iterator[list[SourceRecord[MeasurementFamily]]]:
        return self._pages(("measurement families",), super().measurement_families)

    def records(self, entity: str) -> Iterator[list[SourceRecord[ReferenceEntityRecord]]]:
        read = super().records
        return self._pages(("records", entity), lambda: read(entity))


@dataclass(frozen=True, slots=True)
class MappingLine:
    """One Akeneo attribute → one destination field (Oro product field, SFCC system
    attribute); ``extras`` are an Oro mapping's optional keys that are set."""

    akeneo: str
    field: str
    extras: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {"akeneo": self.akeneo, "field": self.field, **self.extras}


@dataclass(frozen=True, slots=True)
class MappingDraft:
    """A job's mapping as an editor holds it: lines, and the category table (the
    options model's own shape: Oro ``categories``; SFCC ``trees`` and
    ``classification_catalog``)."""

    lines: tuple[MappingLine, ...] = ()
    categories: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MappingPreview:
    """One record as the destination would receive it: (field, value, source) rows, or
    why the destination would reject it."""

    sku: str
    rows: tuple[tuple[str, str, str], ...] = ()
    rejected: str | None = None


@dataclass(slots=True)
class MappingCheck:
    """What checking a draft found: ``problems`` by input (``attributes.N.akeneo``,
    ``attributes.N.field``, ``attributes.N``, ``categories.KEY``, ``sku``; ``""`` for
    the whole mapping), warnings, the job's options with the draft applied (to store when
    there is no problem), the codes both sides offer (for the editor's suggestions), and
    the preview."""

    options: dict[str, Any]
    problems: dict[str, str] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    akeneo_attributes: dict[str, str] = dataclasses.field(default_factory=dict)  # code → type
    destination_fields: dict[str, str] = dataclasses.field(default_factory=dict)  # name → type
    category_trees: tuple[str, ...] = ()
    preview: MappingPreview | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        """Record a problem; the first one found for an input is the one shown."""
        self.problems.setdefault(where, message)


def destination_kind(job: JobConfig) -> str | None:
    """``oro`` or ``sfcc`` for the products jobs whose mapping the editor handles."""
    if job.flow == "oro.products":
        return "oro"
    flow = FLOWS.get(job.flow)
    if job.flow.startswith(_SFCC_FLOWS_PREFIX) and flow is not None:
        return "sfcc" if flow.options is SfccJobOptions else None
    return None


def mapping_jobs(project: ProjectConfig) -> list[str]:
    """The jobs with a mapping to edit: Oro products jobs and SFCC jobs reading Akeneo."""
    found = []
    for name, job in sorted(project.jobs.items()):
        source = project.connections.get(job.source)
        if source is not None and source.kind == "akeneo" and destination_kind(job):
            found.append(name)
    return found


def _job(project: ProjectConfig, name: str) -> tuple[JobConfig, str]:
    job = project.jobs.get(name)
    kind = destination_kind(job) if job is not None else None
    if job is None or kind is None or name not in mapping_jobs(project):
        known = ", ".join(mapping_jobs(project)) or "none"
        raise ConfigError(
            f"job {name!r} has no mapping to edit: choose an Oro or SFCC job reading from "
            f"Akeneo (known: {known})"
        )
    return job, kind


def draft_of_job(project: ProjectConfig, name: str) -> MappingDraft:
    """Job ``name``'s stored mapping as a draft; :class:`ConfigError` for a job without
    one (unknown, or not an Oro / SFCC job reading Akeneo)."""
    job, kind = _job(project, name)
    options = get_flow(job.flow).parse_options(name, job.options)
    if kind == "oro":
        assert isinstance(options, OroJobOptions)
        lines = tuple(
            MappingLine(
                m.akeneo,
                m.oro,
                {k: v for k in ORO_EXTRAS if (v := getattr(m, k)) is not None},
            )
            for m in options.attributes
        )
        categories = options.categories.model_dump(mode="json", exclude_defaults=True)
        return MappingDraft(lines, {"mode": options.categories.mode, **categories})
    assert isinstance(options, SfccJobOptions)
    system = options.mapping.system_attributes.codes()
    return MappingDraft(
        tuple(MappingLine(code, name_) for name_, code in system.items()),
        {
            "trees": list(options.trees),
            "classification_catalog": options.mapping.classification_catalog,
        },
    )


def _options_with(
    kind: str, options: Mapping[str, Any], draft: MappingDraft, check: MappingCheck
) -> dict[str, Any]:
    """The job's raw options with ``draft`` applied; problems of shape go to ``check``."""
    result = dict(options)
    seen: dict[str, int] = {}
    kept: list[tuple[int, MappingLine]] = []
    for n, line in enumerate(draft.lines):
        if not line.akeneo and not line.field and not line.extras:
            continue  # a blank line: nothing to map
        if not line.akeneo:
            check.add(f"attributes.{n}.akeneo", "choose the Akeneo attribute")
        if not line.field:
            check.add(f"attributes.{n}.field", "choose the destination field")
        elif line.field in seen:
            check.add(
                f"attributes.{n}.field",
                f"{line.field!r} is already mapped on line {seen[line.field] + 1}",
            )
        else:
            seen[line.field] = n
        kept.append((n, line))
    if kind == "oro":
        result["attributes"] = [
            {"akeneo": line.akeneo, "oro": line.field, **line.extras} for _, line in kept
        ]
        result["categories"] = {
            k: v for k, v in draft.categories.items() if v not in ("", None, {}, [])
        }
        return result
    mapping = dict(result.get("mapping") or {})
    system: dict[str, str | None] = dict.fromkeys(SystemAttributes.model_fields)
    for n, line in kept:
        if line.field and line.field not in system:
            check.add(
                f"attributes.{n}.field",
                f"SFCC has no system attribute {line.field!r} "
                f"(one of {', '.join(SystemAttributes.model_fields)})",
            )
    system.update({line.field: line.akeneo for _, line in kept if line.field in system})
    mapping["system_attributes"] = system
    catalog = draft.categories.get("classification_catalog")
    mapping["classification_catalog"] = catalog or None
    result["mapping"] = mapping
    result["trees"] = list(draft.categories.get("trees") or ())
    return result


def _shape_problems(
    kind: str, options: Mapping[str, Any], draft: MappingDraft, check: MappingCheck
) -> BaseModel | None:
    """The options validated by the job's options model; each error tied to its input."""
    model = OroJobOptions if kind == "oro" else SfccJobOptions
    try:
        return model.model_validate(options)
    except ValidationError as exc:
        for error in exc.errors():
            check.add(_input_of(kind, tuple(error["loc"]), draft), str(error["msg"]))
        return None


def _input_of(kind: str, loc: tuple[Any, ...], draft: MappingDraft) -> str:
    """The editor input a validation error's location points at."""
    if kind == "sfcc" and loc[:2] == ("mapping", "system_attributes"):
        field_ = str(loc[2]) if len(loc) > 2 else ""
        n = next((i for i, line in enumerate(draft.lines) if line.field == field_), None)
        return f"attributes.{n}.akeneo" if n is not None else ""
    if kind == "sfcc" and loc and loc[0] in ("trees",):
        return "categories.trees"
    if kind == "sfcc" and loc[:2] == ("mapping", "classification_catalog"):
        return "categories.classification_catalog"
    if loc and loc[0] == "attributes" and len(loc) > 1:
        key = {"oro": "field"}.get(str(loc[2]), str(loc[2])) if len(loc) > 2 else ""
        return f"attributes.{_line_number(loc[1], draft)}" + (f".{key}" if key else "")
    if loc and loc[0] == "categories":
        return "categories." + str(loc[1]) if len(loc) > 1 else "categories"
    return ""


def _line_number(index: Any, draft: MappingDraft) -> int:
    """The draft line of the ``index``-th non-blank line."""
    kept = [n for n, line in enumerate(draft.lines) if line.akeneo or line.field or line.extras]
    return kept[index] if isinstance(index, int) and index < len(kept) else 0


def check_mapping(
    runner: LocalRunner,
    project: ProjectConfig,
    name: str,
    draft: MappingDraft,
    sku: str = "",
    *,
    reads: ReadsOf = _fresh,
) -> MappingCheck:
    """Check ``draft`` as job ``name``'s mapping against Akeneo (and Oro) and preview
    product ``sku`` (default: Akeneo's first product) with it when it passes.

    The systems' structure is what ``reads`` gives for each connection (by default
    everything is read now); the previewed product is always read now.

    Raises :class:`ConfigError` for a job without a mapping to edit, and the connectors'
    errors (:class:`~pimsync.errors.PimsyncError`) when a system cannot be read.
    """
    job, kind = _job(project, name)
    check = MappingCheck(options={})
    check.options = _options_with(kind, job.options, draft, check)
    parsed = _shape_problems(kind, check.options, draft, check)
    source = runner.endpoint(project, job.source, "source")
    akeneo_reads = reads(source)
    with connect_akeneo(source.settings, source.secrets) as akeneo:
        catalog = _RememberedCatalog(akeneo, akeneo_reads)
        metadata = akeneo_reads.get(("akeneo metadata",), lambda: _akeneo_metadata(catalog))
        check.akeneo_attributes = {code: a.type for code, a in metadata.attributes.items()}
        check.category_trees = tuple(c for c, p in metadata.categories.items() if p is None)
        for n, line in enumerate(draft.lines):
            if line.akeneo and line.akeneo not in metadata.attributes:
                check.add(f"attributes.{n}.akeneo", f"Akeneo has no attribute {line.akeneo!r}")
        if kind == "oro":
            destination = runner.endpoint(project, job.destination, "destination")
            oro_reads = reads(destination)
            with connect_oro(destination.settings, destination.secrets) as oro:
                mapper = _oro_mapper(oro, oro_reads, catalog, metadata, draft, parsed, check)
                if mapper is not None:
                    check.preview = _preview(catalog, sku, check, _oro_rows(mapper))
        else:
            mapping = _sfcc_mapping(metadata, draft, parsed, check)
            if mapping is not None:
                check.preview = _preview(catalog, sku, check, _sfcc_rows(metadata, mapping))
    return check


def _akeneo_metadata(catalog: AkeneoCatalog) -> AkeneoMetadata:
    """Akeneo's structure with the options of every select attribute."""
    attributes = [r.data for page in catalog.attributes() for r in page if r.data]
    return read_akeneo_metadata(catalog, {a.code for a in attributes if "select" in str(a.type)})


def _oro_mapper(
    oro: OroClient,
    reads: StructureReads,
    catalog: AkeneoCatalog,
    metadata: AkeneoMetadata,
    draft: MappingDraft,
    parsed: BaseModel | None,
    check: MappingCheck,
) -> Mapper | None:
    structure = reads.get(("oro metadata",), lambda: read_oro_metadata(oro))
    check.destination_fields = {
        name: f.type
        for name, f in sorted(structure.product_fields.items())
        if name not in MANAGED_FIELDS and name not in ("id", "type", "createdAt", "updatedAt")
    }
    for n, line in enumerate(draft.lines):
        if not line.field:
            continue
        if line.field in MANAGED_FIELDS:
            check.add(
                f"attributes.{n}.field", f"Oro field {line.field!r} is filled by the mapping itself"
            )
        elif line.field not in structure.product_fields:
            check.add(f"attributes.{n}.field", f"Oro product has no field {line.field!r}")
    if parsed is None or not check.ok:
        return None
    assert isinstance(parsed, OroJobOptions)
    plan = _structure_plan(catalog, oro, reads, structure, parsed)
    for blocker in plan.blockers:
        check.add("", f"Oro is not ready for these products: {blocker}")
    if not check.ok:
        return None
    oro_metadata = oro_mapping_metadata(structure, plan)
    report = validate(parsed, metadata, oro_metadata)
    by_field = {line.field: n for n, line in enumerate(draft.lines)}
    for problem in report.errors:
        check.add(_oro_subject(problem.subject, by_field), problem.message)
    check.warnings = [str(w) for w in report.warnings]
    return Mapper(parsed, metadata, oro_metadata) if report.ok else None


def _structure_plan(
    catalog: AkeneoCatalog,
    oro: OroClient,
    reads: StructureReads,
    structure: OroMetadata,
    options: OroJobOptions,
) -> StructurePlan:
    """The structure job's plan for ``options``, with Oro's metadata and enum options from
    ``reads`` instead of read again."""
    return structure_plan(
        catalog,
        oro,
        options,
        oro_metadata=structure,
        enum_options=lambda enum_type: reads.get(
            ("oro enum options", enum_type),
            functools.partial(read_enum_options, oro, enum_type),
        ),
    )


def _oro_subject(subject: str, by_field: Mapping[str, int]) -> str:
    """The input of a :func:`~pimsync.mapping.validate` problem (``attributes.<oro>``)."""
    head, _, rest = subject.partition(".")
    if head == "attributes" and rest in by_field:
        return f"attributes.{by_field[rest]}"
    if head == "categories":
        key = rest.split(".")[0] or "mode"
        return f"categories.{key}"
    return ""


def _oro_rows(mapper: Mapper) -> RowsOf:
    def rows(record: Product | ProductModel) -> tuple[str, list[tuple[str, str, str]]]:
        return preview_rows(mapper, record)

    return rows


def _sfcc_mapping(
    metadata: AkeneoMetadata, draft: MappingDraft, parsed: BaseModel | None, check: MappingCheck
) -> SfccMapping | None:
    if isinstance(parsed, SfccJobOptions):
        roots = set(check.category_trees)
        unknown = [t for t in parsed.trees if t not in roots]
        if unknown:
            check.add("categories.trees", f"not category trees of Akeneo: {', '.join(unknown)}")
    if parsed is None or not check.ok:
        return None
    assert isinstance(parsed, SfccJobOptions)
    try:
        return parsed.mapping.check(metadata)
    except ConfigError as exc:
        check.add("", str(exc))
        return None


def _sfcc_rows(metadata: AkeneoMetadata, mapping: SfccMapping) -> RowsOf:
    def rows(record: Product | ProductModel) -> tuple[str, list[tuple[str, str, str]]]:
        if not isinstance(record, Product):
            raise RejectedRecord(record.code, "the SFCC preview shows products, not models")
        mapped = sfcc_product(record, metadata, mapping)
        found = []
        for name, value in dataclasses.asdict(mapped).items():
            if value in (None, "", (), [], {}):
                continue
            found.append((name, _text(value), _sfcc_source(name, mapping)))
        return mapped.product_id, found

    return rows


def _sfcc_source(name: str, mapping: SfccMapping) -> str:
    system = mapping.system_attributes.codes()
    key = {"display_name": "name", "long_description": "long_description"}.get(name, name)
    return system.get(key, "")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _preview(
    catalog: AkeneoCatalog, sku: str, check: MappingCheck, rows: RowsOf
) -> MappingPreview | None:
    """Product ``sku`` (or the first) through ``rows``; an unknown ``sku`` is a problem."""
    try:
        record = find_record(catalog, sku) if sku else first_product(catalog)
    except ConfigError as exc:
        check.add("sku", str(exc))
        return None
    key = record.identifier or "" if isinstance(record, Product) else record.code
    try:
        shown, found = rows(record)
    except RejectedRecord as exc:
        return MappingPreview(key, rejected=exc.reason)
    return MappingPreview(shown, tuple(found))


def find_record(catalog: AkeneoCatalog, sku: str) -> Product | ProductModel:
    """The Akeneo product with identifier ``sku``, else the product model with that code.

    Raises :class:`ConfigError` when Akeneo has neither.
    """
    for page in catalog.products(ProductSearch(identifiers=(sku,))):
        for record in page:
            if record.data is not None:
                return record.data
    for models in catalog.product_models():
        for model in models:
            if model.data is not None and model.data.code == sku:
                return model.data
    raise ConfigError(f"no product or product model {sku!r} in Akeneo")


def first_product(catalog: AkeneoCatalog) -> Product:
    """Akeneo's first product (its first page only is read); :class:`ConfigError` when
    there is none."""
    for page in catalog.products(ProductSearch()):
        for record in page:
            if record.data is not None:
                return record.data
    raise ConfigError("Akeneo has no product to preview")


def save_mapping(runner: LocalRunner, name: str, check: MappingCheck) -> None:
    """Store ``check``'s options as job ``name``'s (only a check without problem)."""
    if not check.ok:
        raise ConfigError(f"job {name!r}: the mapping has problems and was not saved")
    project = runner.project()
    stored = project.jobs[name].model_copy(update={"options": check.options})
    JobConfig.model_validate(stored.model_dump())  # the job as a whole stays valid
    row = stored.model_dump(mode="json", exclude={"flow", "source", "destination", "schedule"})
    with runner.db.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.name == name)
            .values(options=row, updated_at=datetime.now(UTC))
        )
