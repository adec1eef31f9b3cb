"""Akeneo reference entity records → SFCC library content assets (jobs 4 and 5, B2).

The cartridge writes one content asset per entity and one custom attribute per record,
which needs a ``Content`` attribute definition per record and grows without bound (B10).
pimsync writes one content asset per record instead, ``<prefix>entity_<entity>_<record>``,
whose single custom attribute ``<prefix>entity_<entity>`` holds the record as the same
JSON (``{"code": …, "values": …}`` in Akeneo's format); one definition per entity
(:func:`entity_definition`) covers all its records.
"""

from __future__ import annotations

import orjson

from pimsync.connectors.sfcc._model import SfccAttributeDefinition, SfccContentAsset
from pimsync.model import ReferenceEntity, ReferenceEntityRecord

from ._config import SfccMapping, sfcc_locale

__all__ = ["content_asset", "entity_definition"]


def _attribute_id(entity: str, mapping: SfccMapping) -> str:
    return f"{mapping.custom_prefix}entity_{entity}"


def entity_definition(entity: ReferenceEntity, mapping: SfccMapping) -> SfccAttributeDefinition:
    """The ``Content`` custom attribute (``text``) holding the records of ``entity``."""
    labels = entity.labels
    names = {sfcc_locale(loc): labels[loc] for loc in mapping.locales if labels.get(loc)}
    return SfccAttributeDefinition(
        attribute_id=_attribute_id(entity.code, mapping),
        type="text",
        display_name={"x-default": labels.get(mapping.default) or entity.code, **names},
    )


def content_asset(
    record: ReferenceEntityRecord, entity: ReferenceEntity, mapping: SfccMapping
) -> SfccContentAsset:
    """One online, unsearchable content asset for ``record``, named by its ``label``
    values. Raises nothing; the writer rejects text XML cannot carry."""
    names: dict[str, str] = {}
    for locale in mapping.locales:
        label = record.values.get("label", locale)
        if isinstance(label, str) and label.strip():
            if locale == mapping.default:
                names["x-default"] = label
            names[sfcc_locale(locale)] = label
    document = {"code": record.code, "values": record.values.to_akeneo(scope_key="channel")}
    return SfccContentAsset(
        content_id=f"{_attribute_id(entity.code, mapping)}_{record.code}",
        display_name=names or {"x-default": record.code},
        online=True,
        searchable=False,
        custom_attributes={
            _attribute_id(entity.code, mapping): orjson.dumps(
                document, option=orjson.OPT_SORT_KEYS
            ).decode()
        },
    )
