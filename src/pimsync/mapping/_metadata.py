"""What the mapping needs to know about both systems, as plain data.

The runner reads these once per run (Akeneo's structure endpoints; Oro's
``entitystructures``, localizations, price lists…) and hands them over, so the mapping
itself never does I/O and tests build them by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

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
    ProductModel,
)

__all__ = [
    "AkeneoAttribute",
    "AkeneoMetadata",
    "OroField",
    "OroMetadata",
    "OroPriceList",
    "VariantAxes",
    "option_id",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_NOT_ID = re.compile(r"[^a-z0-9]+")


def option_id(text: str) -> str:
    """The id Oro gives an enum option made from ``text``: lowercased, every run of other
    characters than ``[a-z0-9]`` replaced by ``_`` (``"Navy Blue"`` → ``navy_blue``)."""
    return _NOT_ID.sub("_", text.lower())


@dataclass(frozen=True, slots=True)
class AkeneoAttribute:
    """An Akeneo attribute as the mapping sees it; ``options`` is option code → locale →
    label (selects only, in Akeneo's option order); ``group`` its attribute group;
    ``reference_data_name`` the asset family of an asset collection (the reference
    entity of a record link)."""

    code: str
    type: str
    localizable: bool = False
    scopable: bool = False
    metric_family: str | None = None
    default_metric_unit: str | None = None
    options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    group: str | None = None
    reference_data_name: str | None = None


@dataclass(frozen=True, slots=True)
class VariantAxes:
    """A family variant: its family and the axes of each level (level 1 first)."""

    family: str
    levels: tuple[tuple[str, ...], ...]

    @property
    def axes(self) -> tuple[str, ...]:
        """The axes of every level, level 1 first."""
        return tuple(axis for level in self.levels for axis in level)


@dataclass(frozen=True, slots=True)
class AkeneoMetadata:
    """Akeneo's structure, keyed by code.

    * ``families`` — family code → its ``attribute_as_image`` (or None).
    * ``categories`` — category code → parent code (None for a tree root).
    * ``channels`` — channel code → the code of its category tree.
    * ``locales`` / ``currencies`` — the enabled ones.
    * ``model_parents`` — product model code → parent model code (None for a root
      model): how a variant product finds its root model.
    * ``model_categories`` — product model code → its categories.
    * ``family_attributes`` — family code → the attributes its products have.
    """

    attributes: Mapping[str, AkeneoAttribute]
    measurement_families: Mapping[str, MeasurementFamily] = field(default_factory=dict)
    families: Mapping[str, str | None] = field(default_factory=dict)
    family_variants: Mapping[str, VariantAxes] = field(default_factory=dict)
    categories: Mapping[str, str | None] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    locales: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    model_parents: Mapping[str, str | None] = field(default_factory=dict)
    model_categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    family_attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_model(
        cls,
        *,
        attributes: Iterable[Attribute],
        options: Iterable[AttributeOption] = (),
        families: Iterable[Family] = (),
        family_variants: Iterable[FamilyVariant] = (),
        measurement_families: Iterable[MeasurementFamily] = (),
        categories: Iterable[Category] = (),
        channels: Iterable[Channel] = (),
        locales: Iterable[Locale] = (),
        currencies: Iterable[Currency] = (),
        product_models: Iterable[ProductModel] = (),
    ) -> AkeneoMetadata:
        """Build the metadata from canonical model records (as the Akeneo readers give)."""
        labels: dict[str, dict[str, Mapping[str, str]]] = {}
        for option in sorted(options, key=lambda o: (o.attribute, o.sort_order)):
            labels.setdefault(option.attribute, {})[option.code] = option.labels
        return cls(
            attributes={
                a.code: AkeneoAttribute(
                    code=a.code,
                    type=str(a.type),
                    localizable=a.localizable,
                    scopable=a.scopable,
                    metric_family=a.metric_family,
                    default_metric_unit=a.default_metric_unit,
                    options=labels.get(a.code, {}),
                    group=a.group,
                    reference_data_name=a.reference_data_name,
                )
                for a in attributes
            },
            measurement_families={m.code: m for m in measurement_families},
            families={f.code: f.attribute_as_image for f in families},
            family_variants={
                v.code: VariantAxes(
                    family=v.family,
                    levels=tuple(s.axes for s in v.variant_attribute_sets),
                )
                for v in family_variants
            },
            categories={c.code: c.parent for c in categories},
            channels={c.code: c.category_tree for c in channels},
            locales=tuple(sorted(locale.code for locale in locales if locale.enabled)),
            currencies=tuple(sorted(c.code for c in currencies if c.enabled)),
            model_parents={m.code: m.parent for m in product_models},
            model_categories={m.code: m.categories for m in product_models},
            family_attributes={f.code: frozenset(f.attributes) for f in families},
        )


@dataclass(frozen=True, slots=True)
class OroField:
    """A product field as ``entitystructures`` describes it.

    ``enum_type`` is the JSON:API type of the options of an ``enum``/``multiEnum`` field
    (the ``pluralAlias`` of its enum class); ``length`` bounds a ``string`` field.
    """

    name: str
    type: str
    relation_type: str | None = None
    related_entity: str | None = None
    enum_type: str | None = None
    length: int | None = None
    is_attribute: bool = False


@dataclass(frozen=True, slots=True)
class OroPriceList:
    """A price list: its Oro id and the currencies it accepts (empty: not known)."""

    id: str
    currencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OroMetadata:
    """Oro's side, keyed the way a mapping names things.

    * ``product_fields`` — field name → :class:`OroField`.
    * ``localizations`` — localization name (``en_US``) → id.
    * ``price_lists`` — price list name → :class:`OroPriceList`.
    * ``categories`` — Akeneo category code → Oro category id (those already in Oro).
    * ``brands`` — brand code → Oro brand id.
    * ``enum_options`` — enum field name → the ids of its options.
    * ``attribute_families`` — attribute family code → id.
    * ``units`` — product unit codes (empty: not checked).
    """

    product_fields: Mapping[str, OroField]
    localizations: Mapping[str, str] = field(default_factory=dict)
    price_lists: Mapping[str, OroPriceList] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    brands: Mapping[str, str] = field(default_factory=dict)
    enum_options: Mapping[str, frozenset[str]] = field(default_factory=dict)
    attribute_families: Mapping[str, str] = field(default_factory=dict)
    units: tuple[str, ...] = ()

    @staticmethod
    def product_fields_from_entitystructures(
        items: Iterable[Mapping[str, Any]],
    ) -> dict[str, OroField]:
        """The product fields listed by ``GET /admin/api/entitystructures`` (the resource
        objects, or their ``attributes``). Enum fields get their options' JSON:API type
        from the entry of their enum class. Raises ``ValueError`` when no entry is the
        product entity."""
        by_class: dict[str, Mapping[str, Any]] = {}
        for item in items:
            attributes = item.get("attributes", item)
            by_class[str(attributes.get("className", ""))] = attributes
        product = by_class.get("Oro\\Bundle\\ProductBundle\\Entity\\Product")
        if product is None:
            raise ValueError("entitystructures has no Product entity")
        fields: dict[str, OroField] = {}
        for raw in product.get("fields") or ():
            options = raw.get("options") or _EMPTY
            related = raw.get("relatedEntityName")
            enum_type = None
            if raw.get("type") in {"enum", "multiEnum"} and related:
                enum_type = by_class.get(related, _EMPTY).get("pluralAlias")
            length = options.get("length")
            fields[raw["name"]] = OroField(
                name=raw["name"],
                type=str(raw.get("type") or ""),
                relation_type=raw.get("relationType"),
                related_entity=related,
                enum_type=enum_type,
                length=int(length) if isinstance(length, int | str) and str(length) else None,
                is_attribute=bool(options.get("is_attribute")),
            )
        return fields
