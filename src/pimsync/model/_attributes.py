"""Attributes, their options and their groups: what a value means and how it may look."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pimsync.model._raw import (
    InvalidRecord,
    MissingField,
    codes,
    labels,
    optional_bool,
    optional_datetime,
    optional_decimal,
    optional_int,
    optional_str,
    required_str,
)

__all__ = ["Attribute", "AttributeGroup", "AttributeOption", "AttributeType"]


class AttributeType(StrEnum):
    """Akeneo's attribute type names, kept verbatim so they compare equal to the raw text."""

    IDENTIFIER = "pim_catalog_identifier"
    TEXT = "pim_catalog_text"
    TEXTAREA = "pim_catalog_textarea"
    NUMBER = "pim_catalog_number"
    BOOLEAN = "pim_catalog_boolean"
    DATE = "pim_catalog_date"
    PRICE_COLLECTION = "pim_catalog_price_collection"
    METRIC = "pim_catalog_metric"
    SIMPLESELECT = "pim_catalog_simpleselect"
    MULTISELECT = "pim_catalog_multiselect"
    IMAGE = "pim_catalog_image"
    FILE = "pim_catalog_file"
    REFERENCE_DATA_SIMPLESELECT = "pim_reference_data_simpleselect"
    REFERENCE_DATA_MULTISELECT = "pim_reference_data_multiselect"
    ASSET_COLLECTION = "pim_catalog_asset_collection"
    REFERENCE_ENTITY = "akeneo_reference_entity"
    REFERENCE_ENTITY_COLLECTION = "akeneo_reference_entity_collection"
    TABLE = "pim_catalog_table"
    PRODUCT_LINK = "pim_catalog_product_link"

    @classmethod
    def parse(cls, name: str) -> AttributeType | str:
        """Return the member named by ``name``; an unknown type is kept as the raw text.

        Unknown types come from newer PIM versions and extensions; refusing them would stop
        a sync over an attribute the destination may not even use.
        """
        member = cls._value2member_map_.get(name) or _SPEC_SPELLINGS.get(name)
        return member if isinstance(member, AttributeType) else name


# The REST API spec's enum spells the reference data types differently from the PIM itself.
_SPEC_SPELLINGS = {
    "pim_catalog_reference_data_simple_select": AttributeType.REFERENCE_DATA_SIMPLESELECT,
    "pim_catalog_reference_data_multi_select": AttributeType.REFERENCE_DATA_MULTISELECT,
}

_SELECT_TYPES = frozenset(
    {
        AttributeType.SIMPLESELECT,
        AttributeType.MULTISELECT,
        AttributeType.REFERENCE_DATA_SIMPLESELECT,
        AttributeType.REFERENCE_DATA_MULTISELECT,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribute:
    """An attribute definition; type-specific settings are None or empty when they do not apply.

    ``type`` is an :class:`AttributeType`, or the raw text for a type this version does not
    know. ``number_min``/``number_max`` bound numbers, metrics and prices; ``max_file_size``
    is in megabytes; ``table_columns`` is the raw ``table_configuration`` of a table attribute.
    """

    code: str
    type: AttributeType | str
    group: str
    labels: Mapping[str, str] = field(default_factory=dict)
    localizable: bool = False
    scopable: bool = False
    unique: bool = False
    sort_order: int = 0
    available_locales: tuple[str, ...] = ()
    is_main_identifier: bool = False
    max_characters: int | None = None
    validation_rule: str | None = None
    validation_regexp: str | None = None
    decimals_allowed: bool = False
    negative_allowed: bool = False
    number_min: Decimal | None = None
    number_max: Decimal | None = None
    metric_family: str | None = None
    default_metric_unit: str | None = None
    date_min: datetime | None = None
    date_max: datetime | None = None
    allowed_extensions: tuple[str, ...] = ()
    max_file_size: Decimal | None = None
    reference_data_name: str | None = None
    table_columns: tuple[Mapping[str, Any], ...] = ()

    @property
    def is_locale_specific(self) -> bool:
        """True when the attribute only exists for ``available_locales``."""
        return bool(self.available_locales)

    @property
    def has_options(self) -> bool:
        """True for simple and multi selects, including reference data selects."""
        return self.type in _SELECT_TYPES

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Attribute:
        """Read an attribute; raises :class:`MissingField` without ``code``, ``type``, ``group``."""
        code = required_str(raw, "code", "Attribute")
        record = f"Attribute {code!r}"
        return cls(
            code=code,
            type=AttributeType.parse(required_str(raw, "type", record)),
            group=required_str(raw, "group", record),
            labels=labels(raw, record),
            localizable=optional_bool(raw, "localizable", default=False),
            scopable=optional_bool(raw, "scopable", default=False),
            unique=optional_bool(raw, "unique", default=False),
            sort_order=optional_int(raw, "sort_order", record) or 0,
            available_locales=codes(raw, "available_locales", record),
            is_main_identifier=optional_bool(raw, "is_main_identifier", default=False),
            max_characters=optional_int(raw, "max_characters", record),
            validation_rule=optional_str(raw, "validation_rule", record),
            validation_regexp=optional_str(raw, "validation_regexp", record),
            decimals_allowed=optional_bool(raw, "decimals_allowed", default=False),
            negative_allowed=optional_bool(raw, "negative_allowed", default=False),
            number_min=optional_decimal(raw, "number_min", record),
            number_max=optional_decimal(raw, "number_max", record),
            metric_family=optional_str(raw, "metric_family", record),
            default_metric_unit=optional_str(raw, "default_metric_unit", record),
            date_min=optional_datetime(raw, "date_min", record),
            date_max=optional_datetime(raw, "date_max", record),
            allowed_extensions=codes(raw, "allowed_extensions", record),
            max_file_size=optional_decimal(raw, "max_file_size", record),
            reference_data_name=optional_str(raw, "reference_data_name", record),
            table_columns=_table_columns(raw, record),
        )


def _table_columns(raw: Mapping[str, Any], record: str) -> tuple[Mapping[str, Any], ...]:
    columns = raw.get("table_configuration") or ()
    if not isinstance(columns, list | tuple) or not all(isinstance(c, Mapping) for c in columns):
        raise InvalidRecord(
            record, "table_configuration must be a list of columns", field="table_configuration"
        )
    return tuple(dict(column) for column in columns)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeOption:
    """An option of a simple or multi select attribute."""

    code: str
    attribute: str
    sort_order: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_akeneo(
        cls, raw: Mapping[str, Any], *, attribute: str | None = None
    ) -> AttributeOption:
        """Read an option; ``attribute`` fills in the attribute code when the payload lacks it.

        Raises :class:`MissingField` without ``code`` or without any attribute code.
        """
        code = required_str(raw, "code", "AttributeOption")
        record = f"AttributeOption {code!r}"
        attribute = optional_str(raw, "attribute", record) or attribute
        if attribute is None:
            raise MissingField(record, "attribute")
        return cls(
            code=code,
            attribute=attribute,
            sort_order=optional_int(raw, "sort_order", record) or 0,
            labels=labels(raw, record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeGroup:
    """A group of attributes, as shown together in the PIM (sorted attribute codes)."""

    code: str
    sort_order: int = 0
    attributes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> AttributeGroup:
        """Read an attribute group; raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "AttributeGroup")
        record = f"AttributeGroup {code!r}"
        return cls(
            code=code,
            sort_order=optional_int(raw, "sort_order", record) or 0,
            attributes=codes(raw, "attributes", record),
            labels=labels(raw, record),
        )
