"""Akeneo attributes → SFCC ``Product`` custom attribute definitions and groups (job 1, B7).

| Akeneo type | SFCC type | value sent |
|---|---|---|
| identifier, text, file, reference data / entity single link | ``string`` | text, path, code |
| textarea | ``text`` | text (the canonical attribute does not keep ``wysiwyg_enabled``) |
| number | ``int`` (``double`` when decimals are allowed) | number |
| metric | ``double`` in the default unit, named "Label (UNIT)" | converted amount |
| boolean, date | ``boolean``, ``date`` | ``true``/``false``, ``YYYY-MM-DD`` |
| simple / multi select | ``enum-of-string`` (multi: select-multiple) | option code(s) |
| reference data multi, reference entity collection, asset collection | ``set-of-string`` | codes |
| image (only when listed in ``custom_attributes``) | ``image`` | media path |
| price collection, table, product link, other | ``text`` | JSON |

A variation axis (any family variant's) is a plain ``string`` holding the option code or
``"<amount> <unit>"``, as the cartridge's ``akeneo_<axis>`` attribute is; its labels
travel as the variation values' display values, so no ``_custom`` enum twin is defined.
"""

from __future__ import annotations

from collections.abc import Iterable

from pimsync.connectors.sfcc._model import (
    AttributeType as SfccType,
)
from pimsync.connectors.sfcc._model import (
    SfccAttributeDefinition,
    SfccAttributeGroup,
    SfccValueDefinition,
)
from pimsync.mapping._metadata import AkeneoAttribute, AkeneoMetadata
from pimsync.model import Attribute, AttributeGroup, AttributeType

from ._config import SfccMapping, sfcc_locale

__all__ = ["attribute_definitions", "axis_codes", "definition_type"]

_TYPES: dict[str, SfccType] = {
    AttributeType.IDENTIFIER: "string",
    AttributeType.TEXT: "string",
    AttributeType.FILE: "string",
    AttributeType.REFERENCE_DATA_SIMPLESELECT: "string",
    AttributeType.REFERENCE_ENTITY: "string",
    AttributeType.TEXTAREA: "text",
    AttributeType.NUMBER: "double",
    AttributeType.METRIC: "double",
    AttributeType.BOOLEAN: "boolean",
    AttributeType.DATE: "date",
    AttributeType.SIMPLESELECT: "enum-of-string",
    AttributeType.MULTISELECT: "enum-of-string",
    AttributeType.REFERENCE_DATA_MULTISELECT: "set-of-string",
    AttributeType.REFERENCE_ENTITY_COLLECTION: "set-of-string",
    AttributeType.ASSET_COLLECTION: "set-of-string",
    AttributeType.IMAGE: "image",
}


def axis_codes(metadata: AkeneoMetadata) -> frozenset[str]:
    """Every attribute that is an axis of some family variant."""
    return frozenset(axis for v in metadata.family_variants.values() for axis in v.axes)


def definition_type(
    attribute: AkeneoAttribute, *, axis: bool = False, decimals: bool = True
) -> SfccType:
    """The SFCC type of ``attribute`` (``decimals``: a number may hold decimals)."""
    if axis and attribute.type != AttributeType.BOOLEAN:
        return "string"
    if attribute.type == AttributeType.NUMBER and not decimals:
        return "int"
    return _TYPES.get(attribute.type, "text")


def _labels(labels: dict[str, str] | None, fallback: str, mapping: SfccMapping) -> dict[str, str]:
    labels = labels or {}
    names = {sfcc_locale(loc): labels[loc] for loc in mapping.locales if labels.get(loc)}
    return {"x-default": labels.get(mapping.default) or fallback, **names}


def attribute_definitions(
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    *,
    attributes: Iterable[Attribute] = (),
    groups: Iterable[AttributeGroup] = (),
) -> tuple[list[SfccAttributeDefinition], list[SfccAttributeGroup]]:
    """The custom attribute definitions of ``mapping.custom_attributes`` and the groups
    holding them (one per Akeneo attribute group, id ``custom_prefix + group``).

    ``attributes`` and ``groups`` (the canonical records) add labels and tell integer
    numbers from decimal ones; without them names are codes and numbers ``double``.
    Raises :class:`ConfigError` for a mapping not returned by :meth:`SfccMapping.check`
    (which checked the ids).
    """
    mapping.require_checked()
    details = {a.code: a for a in attributes}
    group_labels = {g.code: g for g in groups}
    axes = axis_codes(metadata)
    definitions: list[SfccAttributeDefinition] = []
    members: dict[str, list[str]] = {}
    for code in mapping.custom_attributes or ():
        attribute = metadata.attributes.get(code)
        if attribute is None:
            continue
        detail = details.get(code)
        axis = code in axes
        kind = definition_type(
            attribute, axis=axis, decimals=detail is None or detail.decimals_allowed
        )
        names = _labels(dict(detail.labels) if detail else None, code, mapping)
        if kind == "double" and attribute.type == AttributeType.METRIC:
            unit = attribute.default_metric_unit
            names = {loc: f"{name} ({unit})" for loc, name in names.items()} if unit else names
        values: list[SfccValueDefinition] = []
        if kind == "enum-of-string":
            values = [
                SfccValueDefinition(value=option, display=_labels(dict(labels), option, mapping))
                for option, labels in attribute.options.items()
            ]
        attribute_id = mapping.custom_id(code)
        definitions.append(
            SfccAttributeDefinition(
                attribute_id=attribute_id,
                type=kind,
                display_name=names,
                localizable=attribute.localizable,
                multi_value=attribute.type == AttributeType.MULTISELECT,
                values=values,
            )
        )
        members.setdefault(attribute.group or "other", []).append(attribute_id)
    result_groups = []
    for group, attribute_ids in members.items():
        found = group_labels.get(group)
        result_groups.append(
            SfccAttributeGroup(
                group_id=mapping.custom_id(group),
                attribute_ids=attribute_ids,
                display_name=_labels(dict(found.labels) if found else None, group, mapping),
            )
        )
    return definitions, result_groups
