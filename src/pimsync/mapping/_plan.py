"""Checking a mapping against both systems, and precomputing how each field is filled.

One pass over the configuration does both: every check that fails is recorded in the
:class:`Report` (errors refuse the run, warnings are printed), and what passes becomes a
:class:`Plan` the :class:`~pimsync.mapping.Mapper` follows per product without looking
anything up again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pimsync.errors import ConfigError
from pimsync.model import AttributeType

from ._config import INVENTORY_STATUSES, MappingConfig
from ._metadata import AkeneoMetadata, OroMetadata, option_id
from ._transforms import ENUM_TYPES, Converter, MappingProblem, converter, empty_value

__all__ = ["Plan", "Problem", "Report", "validate"]

# Product fields the mapping fills itself: an attribute mapping may not name them.
MANAGED_FIELDS = frozenset(
    {
        "id",
        "sku",
        "status",
        "productType",
        "names",
        "descriptions",
        "shortDescriptions",
        "slugPrototypes",
        "attributeFamily",
        "category",
        "brand",
        "images",
        "inventory_status",
        "primaryUnitPrecision",
        "unitPrecisions",
        "variantLinks",
        "parentVariantLinks",
        "variantFields",
        "prices",
    }
)
_TEXT_SOURCES = frozenset({AttributeType.TEXT, AttributeType.TEXTAREA, AttributeType.IDENTIFIER})
_IMAGE_SOURCES = frozenset({AttributeType.IMAGE, AttributeType.FILE})
_CODE_SOURCES = frozenset(
    {
        AttributeType.SIMPLESELECT,
        AttributeType.REFERENCE_DATA_SIMPLESELECT,
        AttributeType.REFERENCE_ENTITY,
        AttributeType.TEXT,
    }
)
_VARIANT_FIELD_TYPES = frozenset({"enum", "boolean"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding; ``subject`` names the config key, field or attribute concerned."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass(slots=True)
class Report:
    """The outcome of :func:`validate`: errors refuse the run, warnings do not."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def error(self, subject: str, message: str) -> None:
        self.errors.append(Problem(subject, message))

    def warn(self, subject: str, message: str) -> None:
        self.warnings.append(Problem(subject, message))

    def raise_for_errors(self) -> None:
        """Raises :class:`~pimsync.errors.ConfigError` listing every error, if any."""
        if self.errors:
            listed = "; ".join(str(p) for p in self.errors)
            raise ConfigError(f"the Oro mapping cannot be used: {listed}")

    def __str__(self) -> str:
        lines = [f"error: {p}" for p in self.errors] + [f"warning: {p}" for p in self.warnings]
        return "\n".join(lines) or "mapping OK"


@dataclass(frozen=True, slots=True)
class TextPlan:
    """A localized text field: the attribute, and (localization id or None, locale) pairs."""

    attribute: str
    scope: str
    targets: tuple[tuple[str | None, str], ...]


@dataclass(frozen=True, slots=True)
class AttributePlan:
    """One custom field: where the value is read and how it is written."""

    oro: str
    relationship: bool
    akeneo: str
    locale: str | None
    scope: str | None
    convert: Converter
    empty: Any


@dataclass(frozen=True, slots=True)
class PricePlan:
    attribute: str
    scope: str
    price_lists: Mapping[str, str]  # currency → price list id


@dataclass(frozen=True, slots=True)
class ImagePlan:
    attribute: str
    locale: str | None
    scope: str
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CodePlan:
    """A single code read from an attribute (brand, inventory status)."""

    attribute: str
    locale: str | None
    scope: str


@dataclass(slots=True)
class Plan:
    """Everything the mapper needs, resolved to Oro ids."""

    names: TextPlan | None = None
    descriptions: TextPlan | None = None
    short_descriptions: TextPlan | None = None
    slugs: TextPlan | None = None
    generate_slugs: bool = False
    attributes: list[AttributePlan] = field(default_factory=list)
    prices: list[PricePlan] = field(default_factory=list)
    images: list[ImagePlan] | None = None  # None: each family's attribute_as_image
    family_images: dict[str, list[ImagePlan]] = field(default_factory=dict)
    brand: CodePlan | None = None
    inventory: CodePlan | None = None
    attribute_families: dict[str, str] = field(default_factory=dict)
    default_attribute_family: str = ""
    categories: dict[str, tuple[int, str]] = field(default_factory=dict)
    variant_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variant_problems: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def validate(config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> Report:
    """Check ``config`` against both systems' metadata.

    Errors (each naming the key, field or attribute) mean the run must not start: an Oro
    field, localization, price list or attribute family that does not exist, an Akeneo
    attribute that does not exist, a type that cannot be converted. Warnings: values that
    will be skipped (locales without localization, options without Oro enum option…).
    """
    return plan(config, akeneo, oro)[1]


def plan(config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> tuple[Plan, Report]:
    """The plan and the report of :func:`validate` (the plan is usable when report.ok)."""
    return _Planner(config, akeneo, oro).run()


class _Planner:
    def __init__(self, config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
        self.config, self.akeneo, self.oro = config, akeneo, oro
        self.report = Report()
        self.plan = Plan()
        self.localizations: list[tuple[str | None, str]] = []

    def run(self) -> tuple[Plan, Report]:
        self._scope_and_locales()
        self._texts()
        self._attributes()
        self._prices()
        self._images()
        self._brand_and_inventory()
        self._families()
        self._categories()
        self._variants()
        return self.plan, self.report

    # --- helpers -------------------------------------------------------------------

    def _attribute(self, key: str, code: str, *, explicit: bool = True) -> Any:
        attribute = self.akeneo.attributes.get(code)
        if attribute is None:
            if explicit:
                self.report.error(key, f"Akeneo has no attribute {code!r}")
            else:
                self.report.warn(key, f"Akeneo has no attribute {code!r}; not mapped")
        return attribute

    def _scope_for(self, scope: str | None) -> str:
        return scope or self.config.scope

    # --- checks --------------------------------------------------------------------

    def _scope_and_locales(self) -> None:
        config, akeneo, oro = self.config, self.akeneo, self.oro
        if akeneo.channels and config.scope not in akeneo.channels:
            self.report.error("scope", f"Akeneo has no channel {config.scope!r}")
        if akeneo.locales and config.default_locale not in akeneo.locales:
            self.report.error(
                "default_locale", f"locale {config.default_locale!r} is not enabled in Akeneo"
            )
        self.localizations = [(None, config.default_locale)]
        for locale, name in config.localizations.items():
            localization = oro.localizations.get(name)
            if localization is None:
                self.report.error(
                    f"localizations.{locale}", f"Oro has no localization named {name!r}"
                )
                continue
            if akeneo.locales and locale not in akeneo.locales:
                self.report.warn(
                    f"localizations.{locale}", f"locale {locale!r} is not enabled in Akeneo"
                )
            self.localizations.append((localization, locale))
        for locale in akeneo.locales:
            if locale != config.default_locale and locale not in config.localizations:
                self.report.warn(
                    f"localizations.{locale}",
                    f"Akeneo locale {locale!r} has no Oro localization; its values are skipped",
                )

    def _text(self, key: str, code: str) -> TextPlan | None:
        if not code:
            return None
        explicit = not self.config.is_default(key)
        attribute = self._attribute(key, code, explicit=explicit or key == "names")
        if attribute is None:
            return None
        if attribute.type not in _TEXT_SOURCES:
            self.report.error(key, f"Akeneo attribute {code!r} is a {attribute.type}, not text")
            return None
        targets = tuple(self.localizations) if attribute.localizable else ((None, ""),)
        scope = self.config.scope if attribute.scopable else ""
        where = ", ".join(f"{loc or 'any'} → {lid or 'default'}" for lid, loc in targets)
        self.plan.sources[key] = f"{code} ({where})"
        return TextPlan(code, scope, targets)

    def _texts(self) -> None:
        config, plan = self.config, self.plan
        plan.names = self._text("names", config.names)
        plan.descriptions = self._text("descriptions", config.descriptions)
        plan.short_descriptions = self._text("short_descriptions", config.short_descriptions)
        plan.slugs = self._text("slugs", config.slugs)
        if plan.slugs is None and config.generate_slugs and plan.names is not None:
            plan.generate_slugs = True
            plan.sources["slugs"] = f"generated from {plan.names.attribute}"

    def _attributes(self) -> None:
        config, oro = self.config, self.oro
        for mapping in config.attributes:
            key = f"attributes.{mapping.oro}"
            attribute = self._attribute(key, mapping.akeneo)
            target = oro.product_fields.get(mapping.oro)
            if target is None:
                self.report.error(key, f"Oro product has no field {mapping.oro!r}")
                continue
            if mapping.oro in MANAGED_FIELDS:
                self.report.error(key, f"Oro field {mapping.oro!r} is filled by the mapping itself")
                continue
            if attribute is None:
                continue
            if mapping.locale and not attribute.localizable:
                self.report.warn(key, f"{attribute.code!r} is not localizable; locale ignored")
            if mapping.scope and not attribute.scopable:
                self.report.warn(key, f"{attribute.code!r} is not scopable; scope ignored")
            locale = (mapping.locale or config.default_locale) if attribute.localizable else None
            if locale and self.akeneo.locales and locale not in self.akeneo.locales:
                self.report.error(key, f"locale {locale!r} is not enabled in Akeneo")
            enum_ids = oro.enum_options.get(mapping.oro, frozenset())
            try:
                convert = converter(
                    attribute,
                    target,
                    mapping,
                    default_locale=config.default_locale,
                    measurement_families=self.akeneo.measurement_families,
                    enum_options=enum_ids,
                )
            except MappingProblem as problem:
                self.report.error(problem.subject, problem.message)
                continue
            if target.type in ENUM_TYPES and attribute.options:
                missing = [
                    code
                    for code in attribute.options
                    if code not in enum_ids and option_id(code) not in enum_ids
                ]
                if missing:
                    self.report.warn(
                        key,
                        f"{len(missing)} option(s) of {attribute.code!r} have no Oro enum option "
                        f"(products with them are rejected): {', '.join(missing[:5])}",
                    )
            scope = self._scope_for(mapping.scope) if attribute.scopable else None
            self.plan.attributes.append(
                AttributePlan(
                    oro=mapping.oro,
                    relationship=target.type in ENUM_TYPES,
                    akeneo=attribute.code,
                    locale=locale,
                    scope=scope,
                    convert=convert,
                    empty=empty_value(target),
                )
            )
            where = "/".join(part for part in (locale, scope) if part)
            self.plan.sources[key] = (
                f"{attribute.code}{f' [{where}]' if where else ''} ({attribute.type} → "
                f"{target.type})"
            )

    def _prices(self) -> None:
        for n, mapping in enumerate(self.config.prices):
            key = f"prices[{n}]"
            attribute = self._attribute(key, mapping.attribute)
            if attribute is None:
                continue
            if attribute.type != AttributeType.PRICE_COLLECTION:
                self.report.error(key, f"{mapping.attribute!r} is not a price collection")
                continue
            currencies = mapping.currencies or tuple(mapping.price_lists) or self.akeneo.currencies
            if not currencies:
                self.report.error(key, "no currency: give currencies or price_lists")
            lists: dict[str, str] = {}
            for currency in currencies:
                if self.akeneo.currencies and currency not in self.akeneo.currencies:
                    self.report.warn(key, f"currency {currency!r} is not enabled in Akeneo")
                name = mapping.price_lists.get(currency) or mapping.price_list.replace(
                    "{currency}", currency
                )
                price_list = self.oro.price_lists.get(name)
                if price_list is None:
                    self.report.error(key, f"Oro has no price list named {name!r} ({currency})")
                    continue
                if price_list.currencies and currency not in price_list.currencies:
                    self.report.error(key, f"Oro price list {name!r} does not accept {currency}")
                    continue
                lists[currency] = price_list.id
            scope = self._scope_for(mapping.scope) if attribute.scopable else ""
            self.plan.prices.append(PricePlan(attribute.code, scope, lists))
            self.plan.sources[f"prices.{attribute.code}"] = ", ".join(
                f"{c} → price list {i}" for c, i in lists.items()
            )

    def _image_plan(self, key: str, code: str, types: tuple[str, ...], **where: Any) -> Any:
        attribute = self._attribute(key, code)
        if attribute is None:
            return None
        if attribute.type not in _IMAGE_SOURCES:
            self.report.error(key, f"{code!r} is a {attribute.type}, not an image or file")
            return None
        locale = (
            (where.get("locale") or self.config.default_locale) if attribute.localizable else None
        )
        scope = self._scope_for(where.get("scope")) if attribute.scopable else ""
        return ImagePlan(code, locale, scope, types)

    def _images(self) -> None:
        images = self.config.images
        if images is None:
            for family, code in self.akeneo.families.items():
                if code:
                    image = self._image_plan(f"families.{family}", code, ("main", "listing"))
                    self.plan.family_images[family] = [image] if image else []
            self.plan.sources["images"] = "each family's attribute_as_image (main, listing)"
            return
        plans = []
        for n, mapping in enumerate(images):
            image = self._image_plan(
                f"images[{n}]",
                mapping.attribute,
                mapping.types,
                locale=mapping.locale,
                scope=mapping.scope,
            )
            if image:
                plans.append(image)
        for kind in ("main", "listing"):
            if sum(kind in m.types for m in images) > 1:
                self.report.warn("images", f"several attributes give the {kind} image; first wins")
        self.plan.images = plans
        self.plan.sources["images"] = ", ".join(
            f"{p.attribute} ({'/'.join(p.types)})" for p in plans
        )

    def _code_plan(self, key: str, code: str) -> CodePlan | None:
        if not code:
            return None
        attribute = self._attribute(key, code)
        if attribute is None:
            return None
        allowed = _CODE_SOURCES | ({AttributeType.BOOLEAN} if key == "inventory_status" else set())
        if attribute.type not in allowed:
            self.report.error(key, f"{code!r} is a {attribute.type}, not a simple select")
            return None
        locale = self.config.default_locale if attribute.localizable else None
        return CodePlan(code, locale, self.config.scope if attribute.scopable else "")

    def _brand_and_inventory(self) -> None:
        config = self.config
        self.plan.brand = self._code_plan("brand", config.brand)
        if self.plan.brand:
            self.plan.sources["brand"] = f"{config.brand} (code → Oro brand)"
        self.plan.inventory = self._code_plan(
            "inventory_status_attribute", config.inventory_status_attribute
        )
        attribute = self.akeneo.attributes.get(config.inventory_status_attribute)
        if self.plan.inventory and attribute is not None:
            unknown = [c for c in attribute.options if option_id(c) not in INVENTORY_STATUSES]
            if unknown:
                self.report.warn(
                    "inventory_status_attribute",
                    f"options {', '.join(unknown[:5])} are not Oro inventory statuses "
                    f"({', '.join(INVENTORY_STATUSES)}); products with them are rejected",
                )
        self.plan.sources["inventory_status"] = (
            config.inventory_status_attribute or f"fixed: {config.inventory_status}"
        )

    def _families(self) -> None:
        config, known = self.config, self.oro.attribute_families
        default = known.get(config.attribute_family)
        if default is None:
            self.report.error(
                "attribute_family", f"Oro has no attribute family {config.attribute_family!r}"
            )
        self.plan.default_attribute_family = default or ""
        for family, code in config.attribute_families.items():
            if self.akeneo.families and family not in self.akeneo.families:
                self.report.warn(f"attribute_families.{family}", "Akeneo has no such family")
            if code not in known:
                self.report.error(
                    f"attribute_families.{family}", f"Oro has no attribute family {code!r}"
                )
            else:
                self.plan.attribute_families[family] = known[code]
        if self.oro.units and config.unit not in self.oro.units:
            self.report.error("unit", f"Oro has no product unit {config.unit!r}")

    def _depth(self, code: str, tree: str | None) -> int | None:
        """Depth of ``code`` below ``tree`` (0 for ``tree`` itself; ``tree`` None: below its
        tree root), None when ``code`` is outside ``tree`` or unknown."""
        parents, depth, current = self.akeneo.categories, 0, code
        seen: set[str] = set()
        while current != tree:
            if current not in parents or current in seen:
                return None
            seen.add(current)
            parent = parents[current]
            if parent is None:
                return depth if tree is None else None
            current, depth = parent, depth + 1
        return depth

    def _categories(self) -> None:
        config = self.config.categories
        parents = self.akeneo.categories
        if config.mode == "none":
            self.plan.sources["category"] = "none (cleared)"
            return
        if config.mode == "explicit":
            for code, oro_id in config.map.items():
                if parents and code not in parents:
                    self.report.warn(f"categories.map.{code}", "Akeneo has no such category")
                self.plan.categories[code] = (self._depth(code, None) or 0, oro_id)
            self.plan.sources["category"] = "deepest category of categories.map"
            return
        tree = config.tree or self.akeneo.channels.get(self.config.scope)
        if tree is None:
            self.report.error("categories.tree", "no tree given and the channel's tree is unknown")
            return
        if parents and tree not in parents:
            self.report.error("categories.tree", f"Akeneo has no category {tree!r}")
            return
        known, root = self.oro.categories, config.root or ""
        for code in parents:
            depth = self._depth(code, tree)
            if depth is None:
                continue
            # Not yet in Oro: the nearest ancestor that is (the tree itself is the root).
            current = code
            while current != tree and current not in known:
                current = parents[current] or tree
            target = root if current == tree else known[current]
            self.plan.categories[code] = (depth, target)
        missing = [c for c in self.plan.categories if c != tree and c not in known]
        if missing:
            self.report.warn(
                "categories",
                f"{len(missing)} Akeneo categories are not in Oro yet (products go to the "
                f"nearest one that is): {', '.join(sorted(missing)[:5])}",
            )
        self.plan.sources["category"] = f"deepest category under {tree!r} → Oro (root {root})"

    def _variants(self) -> None:
        # An axis may be mapped to several fields (an enum and a label): take the enum.
        targets: dict[str, list[str]] = {}
        for mapping in self.config.attributes:
            if mapping.oro in self.oro.product_fields:
                targets.setdefault(mapping.akeneo, []).append(mapping.oro)
        for code, variant in self.akeneo.family_variants.items():
            names, problems = [], []
            for axis in variant.axes:
                fields = targets.get(axis, [])
                usable = [
                    name
                    for name in fields
                    if self.oro.product_fields[name].type in _VARIANT_FIELD_TYPES
                ]
                if usable:
                    names.append(usable[0])
                elif fields:
                    problems.append(
                        f"axis {axis!r} maps to {', '.join(fields)}; Oro variant fields must "
                        "be enum or boolean"
                    )
                else:
                    problems.append(f"axis {axis!r} is not mapped to an Oro field")
            if problems:
                message = "; ".join(problems)
                self.plan.variant_problems[code] = message
                self.report.warn(
                    f"family_variants.{code}", f"{message} (its product models are rejected)"
                )
            else:
                self.plan.variant_fields[code] = tuple(names)
