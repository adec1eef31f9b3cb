"""The catalog structure: families, family variants, category trees, association types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pimsync.model._raw import (
    InvalidRecord,
    MissingField,
    codes,
    labels,
    mapping,
    optional_bool,
    optional_datetime,
    optional_int,
    optional_str,
    required_str,
)

__all__ = ["AssociationType", "Category", "Family", "FamilyVariant", "VariantAttributeSet"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    """A family: the attributes its products have and which are required per channel."""

    code: str
    attributes: tuple[str, ...] = ()
    attribute_as_label: str
    attribute_as_image: str | None = None
    requirements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def required_attributes(self, channel: str) -> tuple[str, ...]:
        """Return the attributes a product must fill to be complete on ``channel``."""
        return self.requirements.get(channel, ())

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Family:
        """Read a family; raises :class:`MissingField` without ``code``, ``attribute_as_label``."""
        code = required_str(raw, "code", "Family")
        record = f"Family {code!r}"
        requirements = mapping(raw, "attribute_requirements", record)
        return cls(
            code=code,
            attributes=codes(raw, "attributes", record),
            attribute_as_label=required_str(raw, "attribute_as_label", record),
            attribute_as_image=optional_str(raw, "attribute_as_image", record),
            requirements={
                channel: codes(requirements, channel, record) for channel in requirements
            },
            labels=labels(raw, record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantAttributeSet:
    """The attributes set at one level of a family variant; ``axes`` tell the variants apart.

    Level 1 is the sub product model (or the variant product with one level), level 2 the
    variant product. ``axes`` keep Akeneo's order, which shapes variant labels.
    """

    level: int
    axes: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyVariant:
    """How a family's products vary: one or two levels of variant attribute sets.

    Attributes of the family in no set are common ones, held by the root product model.
    """

    code: str
    family: str
    variant_attribute_sets: tuple[VariantAttributeSet, ...]
    common_attributes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def levels(self) -> int:
        """The number of variant levels, 1 or 2."""
        return len(self.variant_attribute_sets)

    @property
    def axes(self) -> tuple[str, ...]:
        """The axes of every level, level 1 first."""
        return tuple(axis for level in self.variant_attribute_sets for axis in level.axes)

    def attribute_set(self, level: int) -> VariantAttributeSet | None:
        """Return the set of ``level``, or None when the variant has no such level."""
        for attribute_set in self.variant_attribute_sets:
            if attribute_set.level == level:
                return attribute_set
        return None

    def level_of(self, attribute: str) -> int:
        """Return the level where ``attribute`` is set: 0 (root model) unless a set lists it."""
        for attribute_set in self.variant_attribute_sets:
            if attribute in attribute_set.attributes or attribute in attribute_set.axes:
                return attribute_set.level
        return 0

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any], *, family: str | None = None) -> FamilyVariant:
        """Read a family variant.

        The API serves variants under their family's URL and leaves ``family`` out of the
        body: pass it as ``family``. Raises :class:`MissingField` without ``code``,
        ``variant_attribute_sets`` or a family code, :class:`InvalidRecord` for a set
        without a level.
        """
        code = required_str(raw, "code", "FamilyVariant")
        record = f"FamilyVariant {code!r}"
        family = optional_str(raw, "family", record) or family
        if family is None:
            raise MissingField(record, "family", hint="pass family= for the variants endpoint")
        raw_sets = raw.get("variant_attribute_sets")
        if not raw_sets:
            raise MissingField(record, "variant_attribute_sets")
        if not isinstance(raw_sets, list):
            raise InvalidRecord(record, "variant_attribute_sets must be a list")
        sets = []
        for raw_set in raw_sets:
            if not isinstance(raw_set, Mapping):
                raise InvalidRecord(record, "a variant attribute set is not an object")
            level = optional_int(raw_set, "level", record)
            if level is None:
                raise InvalidRecord(record, "a variant attribute set has no level", field="level")
            sets.append(
                VariantAttributeSet(
                    level=level,
                    axes=codes(raw_set, "axes", record, keep_order=True),
                    attributes=codes(raw_set, "attributes", record),
                )
            )
        return cls(
            code=code,
            family=family,
            variant_attribute_sets=tuple(sorted(sets, key=lambda s: s.level)),
            common_attributes=codes(raw, "common_attributes", record),
            labels=labels(raw, record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """A category; a tree root (what a channel publishes) has no parent.

    ``position`` is the rank among siblings, from 1 (sent by Akeneo 7 and later only).
    """

    code: str
    parent: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    position: int | None = None
    updated: datetime | None = None

    @property
    def is_root(self) -> bool:
        """True for the root of a category tree."""
        return self.parent is None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Category:
        """Read a category; raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "Category")
        record = f"Category {code!r}"
        return cls(
            code=code,
            parent=optional_str(raw, "parent", record),
            labels=labels(raw, record),
            position=optional_int(raw, "position", record),
            updated=optional_datetime(raw, "updated", record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AssociationType:
    """A kind of link between products (cross-sell, pack…), maybe with quantities."""

    code: str
    labels: Mapping[str, str] = field(default_factory=dict)
    is_quantified: bool = False
    is_two_way: bool = False

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> AssociationType:
        """Read an association type; raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "AssociationType")
        record = f"AssociationType {code!r}"
        return cls(
            code=code,
            labels=labels(raw, record),
            is_quantified=optional_bool(raw, "is_quantified", default=False),
            is_two_way=optional_bool(raw, "is_two_way", default=False),
        )
