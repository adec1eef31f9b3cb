"""What a catalog's criteria can select on, read from its Akeneo source.

Seed 001's product selection builder lists the system fields first, then the attributes
by attribute group; each field offers the operators of its type and the inputs its
operator needs (a value, a channel when the attribute is scopable, a locale when it is
localizable). All of that comes from the catalog's Akeneo source, read once into a
:class:`SourceStructure` and kept for a minute (:class:`StructureCache`) so that working
in the editor does not re-read the PIM's structure at every change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from pimsync.catalogs import EMPTY_OPERATORS, OPERATORS, Operator
from pimsync.config import ProjectConfig
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.errors import ConfigError, PimsyncError
from pimsync.mapping import AkeneoMetadata
from pimsync.runners._oro import read_akeneo_metadata
from pimsync.runners.local import LocalRunner
from pimsync.web._ttl_cache import DEFAULT_SECONDS, TtlCache

_OPERATOR_ORDER: tuple[str, ...] = get_args(Operator)
_CODE_KINDS = frozenset(
    {"categories", "family", "pim_catalog_simpleselect", "pim_catalog_multiselect"}
)
_BOOLEAN_KINDS = frozenset({"enabled", "pim_catalog_boolean"})
_IDENTIFIER_KINDS = frozenset({"identifier", "pim_catalog_identifier"})


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """A field a criterion can select on: a system field or an attribute of a type that
    can select products (prices, images… cannot)."""

    code: str
    label: str
    kind: str
    scopable: bool = False
    localizable: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    units: tuple[str, ...] = ()
    system: bool = False

    @property
    def operators(self) -> tuple[str, ...]:
        allowed = OPERATORS.get(self.kind, frozenset())
        return tuple(op for op in _OPERATOR_ORDER if op in allowed)

    def input_for(self, operator: str) -> str:
        """The value input an operator needs: ``none``, ``boolean``, ``codes`` (several
        from :attr:`choices`), ``list`` (codes typed, comma-separated), ``text``,
        ``number``, ``metric`` (amount and unit), ``date``, ``dates`` or ``percent``."""
        if operator in EMPTY_OPERATORS:
            return "none"
        if self.kind in _BOOLEAN_KINDS:
            return "boolean"
        if self.kind in _CODE_KINDS:
            return "codes"
        if self.kind in _IDENTIFIER_KINDS and operator in ("IN", "NOT IN"):
            return "list"
        if self.kind == "completeness":
            return "percent"
        if self.kind == "pim_catalog_number":
            return "number"
        if self.kind == "pim_catalog_metric":
            return "metric"
        if self.kind == "pim_catalog_date":
            return "dates" if operator in ("BETWEEN", "NOT BETWEEN") else "date"
        return "text"

    @property
    def needs_scope(self) -> bool:
        return self.scopable or self.kind == "completeness"

    @property
    def needs_locale(self) -> bool:
        return self.localizable or self.kind == "completeness"


@dataclass(frozen=True, slots=True)
class FieldGroup:
    code: str
    label: str
    fields: tuple[FieldChoice, ...]


@dataclass(frozen=True, slots=True)
class SourceStructure:
    """What the editor offers, read from one Akeneo connection: the fields by group
    (system fields first), channels, locales and currencies, and the metadata the
    criteria are checked against (with every select attribute's options)."""

    source: str
    metadata: AkeneoMetadata
    groups: tuple[FieldGroup, ...]

    @property
    def fields(self) -> dict[str, FieldChoice]:
        return {f.code: f for group in self.groups for f in group.fields}

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self.metadata.channels)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self.metadata.locales)

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(self.metadata.currencies)

    def as_json(self) -> dict[str, Any]:
        """The structure as the API returns it."""
        return {
            "source": self.source,
            "groups": [
                {
                    "code": g.code,
                    "label": g.label,
                    "fields": [
                        {
                            "code": f.code,
                            "label": f.label,
                            "type": f.kind,
                            "operators": list(f.operators),
                            "scopable": f.needs_scope,
                            "localizable": f.needs_locale,
                            "choices": [code for code, _ in f.choices],
                            "units": list(f.units),
                        }
                        for f in g.fields
                    ],
                }
                for g in self.groups
            ],
            "channels": list(self.channels),
            "locales": list(self.locales),
            "currencies": list(self.currencies),
        }


def _label(labels: Mapping[str, str], code: str) -> str:
    return labels.get("en_US") or next(iter(labels.values()), None) or code


def read_structure(runner: LocalRunner, project: ProjectConfig, source: str) -> SourceStructure:
    """Read the editor's structure from Akeneo connection ``source``.

    Raises :class:`ConfigError` when ``source`` is not an Akeneo connection and the
    connector's errors (:class:`~pimsync.errors.PimsyncError`) when Akeneo cannot be read.
    """
    endpoint = runner.endpoint(project, source, "source")
    if endpoint.kind != "akeneo":
        raise ConfigError(f"connection {source!r} is not an akeneo connection")
    with connect_akeneo(endpoint.settings, endpoint.secrets) as akeneo:
        reader = AkeneoCatalog(akeneo)
        attributes = [r.data for page in reader.attributes() for r in page if r.data]
        groups = [r.data for page in reader.attribute_groups() for r in page if r.data]
        selects = {a.code for a in attributes if "select" in str(a.type)}
        metadata = read_akeneo_metadata(reader, selects)
    system = FieldGroup(
        "system",
        "System",
        (
            FieldChoice("enabled", "Status", "enabled", choices=(), system=True),
            FieldChoice(
                "categories",
                "Category",
                "categories",
                choices=tuple((c, c) for c in metadata.categories),
                system=True,
            ),
            FieldChoice("completeness", "Completeness", "completeness", system=True),
            FieldChoice(
                "family",
                "Family",
                "family",
                choices=tuple((f, f) for f in metadata.families),
                system=True,
            ),
            FieldChoice("identifier", "Identifier", "identifier", system=True),
        ),
    )
    by_group: dict[str, list[FieldChoice]] = {}
    for attribute in sorted(attributes, key=lambda a: (a.sort_order, a.code)):
        kind = str(attribute.type)
        if kind not in OPERATORS:
            continue
        known = metadata.attributes.get(attribute.code)
        options = known.options if known is not None else {}
        family = metadata.measurement_families.get(attribute.metric_family or "")
        by_group.setdefault(attribute.group, []).append(
            FieldChoice(
                attribute.code,
                _label(attribute.labels, attribute.code),
                kind,
                scopable=attribute.scopable,
                localizable=attribute.localizable,
                choices=tuple((code, _label(labels, code)) for code, labels in options.items()),
                units=tuple(family.units) if family is not None else (),
            )
        )
    ordered = sorted(groups, key=lambda g: (g.sort_order, g.code))
    labels = {g.code: _label(g.labels, g.code) for g in ordered}
    codes = [g.code for g in ordered if g.code in by_group]
    codes += sorted(code for code in by_group if code not in labels)
    attribute_groups = tuple(
        FieldGroup(code, labels.get(code, code), tuple(by_group[code])) for code in codes
    )
    return SourceStructure(source, metadata, (system, *attribute_groups))


class StructureCache:
    """Each source's structure, read at most once a minute (per web app)."""

    def __init__(self, seconds: float = DEFAULT_SECONDS) -> None:
        self._held: TtlCache[str, SourceStructure] = TtlCache(seconds)

    def get(self, runner: LocalRunner, project: ProjectConfig, source: str) -> SourceStructure:
        """The structure of ``source``; errors as :func:`read_structure`."""
        return self._held.get(source, lambda: read_structure(runner, project, source))


def source_problem(exc: PimsyncError, source: str) -> str:
    """What the editor says when the source's structure cannot be read."""
    return f"cannot read Akeneo connection {source!r}: {exc}"
