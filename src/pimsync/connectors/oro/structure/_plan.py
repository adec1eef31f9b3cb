"""The structure plan: what Oro lacks for a job's products, and who can add it.

:func:`plan_structure` compares Akeneo's structure with Oro's metadata; it reads and
writes nothing. Some gaps pimsync closes itself through the API (enum options, price
lists, categories in companion mode, see :mod:`._apply`); custom attributes need the
import file and a schema update by an Oro admin (:mod:`._import_file`); localizations
are created in Oro's UI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pimsync.model import Attribute, AttributeOption

from ._akeneo import AkeneoStructure
from ._categories import (
    CategoryChange,
    CategoryMatch,
    CategoryTitles,
    match_categories,
    plan_category_tree,
)
from ._metadata import EnumOption, OroMetadata, ProductField
from ._settings import StructureSettings
from ._types import OroFieldType, Placement, compatible, field_name_problem, oro_target

__all__ = [
    "AttributeSpec",
    "OptionSpec",
    "StructurePlan",
    "enum_option_id",
    "match_localizations",
    "plan_structure",
]

_NOT_OPTION_ID = re.compile(r"[^a-z0-9_]+")


def enum_option_id(text: str) -> str:
    """The Oro option id pimsync gives an Akeneo option: lowercase ``[a-z0-9_]``."""
    return _NOT_OPTION_ID.sub("_", text.lower()).strip("_") or "option"


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An Akeneo option as an Oro enum option (``id`` is the one pimsync would create)."""

    code: str
    id: str
    label: str
    priority: int = 0


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """A custom product attribute to create in Oro for Akeneo attribute ``akeneo_code``."""

    field: str
    type: OroFieldType
    label: str
    akeneo_code: str
    length: int | None = None
    options: tuple[OptionSpec, ...] = ()


@dataclass(slots=True)
class StructurePlan:
    """What Oro has and lacks for a job. Ids are Oro ids (strings)."""

    settings: StructureSettings
    localizations: dict[str, str] = field(default_factory=dict)
    """Akeneo locale → Oro localization id."""
    missing_localizations: list[str] = field(default_factory=list)
    price_lists: dict[str, str] = field(default_factory=dict)
    """Currency → Oro price list id (existing)."""
    price_lists_to_create: dict[str, str] = field(default_factory=dict)
    """Currency → name of the price list pimsync creates."""
    price_list_currencies_to_add: dict[str, str] = field(default_factory=dict)
    """Currency → id of an existing list (found by name) that lacks the currency."""
    fields: dict[str, ProductField] = field(default_factory=dict)
    """Akeneo attribute code → the existing Oro field it goes to."""
    attributes_to_create: list[AttributeSpec] = field(default_factory=list)
    enum_options: dict[str, dict[str, str]] = field(default_factory=dict)
    """Oro field → Akeneo option code → Oro option id (the options Oro has)."""
    options_to_create: dict[str, list[OptionSpec]] = field(default_factory=dict)
    """Oro field → options pimsync creates (POST to the enum type)."""
    not_attributes: dict[str, str] = field(default_factory=dict)
    """Akeneo attribute code → where its values go instead (sku, prices, images)."""
    categories_writable: bool = False
    category_root: str | None = None
    categories: CategoryMatch = field(default_factory=lambda: CategoryMatch({}))
    """Stock mode: matched and missing categories. Companion mode: those already in step."""
    category_changes: list[CategoryChange] = field(default_factory=list)
    """Companion mode: the writes that bring the tree in step."""
    families: dict[str, str] = field(default_factory=dict)
    """Akeneo family code → Oro attribute family id (same code, else the configured one)."""
    family_id: str | None = None
    """Id of the configured Oro family (``settings.attribute_family``)."""
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def field_named(self, name: str) -> ProductField:
        """The existing Oro field ``name`` (one the plan found). Raises :class:`KeyError`."""
        for found in self.fields.values():
            if found.name == name:
                return found
        raise KeyError(name)

    @property
    def blockers(self) -> list[str]:
        """What stops a product run until someone fixes it in Oro (or in the job)."""
        found = list(self.errors)
        found += [
            f"attribute {a.field} ({a.type}) does not exist in Oro: import the attribute "
            f"file and update the schema"
            for a in self.attributes_to_create
        ]
        return found

    @property
    def pimsync_will_create(self) -> list[str]:
        """What pimsync adds itself when the plan is applied."""
        lines = [
            f"price list {name!r} ({currency})"
            for currency, name in self.price_lists_to_create.items()
        ]
        lines += [
            f"currency {currency} on price list {list_id}"
            for currency, list_id in self.price_list_currencies_to_add.items()
        ]
        lines += [
            f"{len(options)} option(s) of {name}: {', '.join(o.id for o in options)}"
            for name, options in self.options_to_create.items()
        ]
        lines += [change.describe() for change in self.category_changes]
        return lines


def match_localizations(
    locales: Sequence[str], meta: OroMetadata, overrides: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Akeneo locale → Oro localization id, and the locales with none.

    ``overrides`` name the localization by id or name; otherwise the localization whose
    formatting code, language code or name is the locale (case-insensitive) matches.
    """
    ids: dict[str, str] = {}
    missing: list[str] = []
    by_id = {loc.id: loc for loc in meta.localizations}
    for locale in locales:
        wanted = overrides.get(locale)
        found = None
        if wanted is not None:
            found = by_id.get(wanted) or next(
                (loc for loc in meta.localizations if loc.name == wanted), None
            )
        else:
            found = next((loc for loc in meta.localizations if loc.answers_to(locale)), None)
        if found is None:
            missing.append(locale)
        else:
            ids[locale] = found.id
    return ids, missing


def plan_structure(
    akeneo: AkeneoStructure,
    oro: OroMetadata,
    settings: StructureSettings,
    enum_options: Mapping[str, Sequence[EnumOption]] | None = None,
) -> StructurePlan:
    """Compare Akeneo's structure with Oro's; ``enum_options`` are the options Oro has
    per enum field (see :func:`read_enum_options`)."""
    plan = StructurePlan(settings, categories_writable=oro.categories_writable)
    plan.warnings.extend(f"Akeneo: {p}" for p in akeneo.problems)
    _plan_localizations(plan, akeneo, oro)
    _plan_price_lists(plan, akeneo, oro)
    _plan_attributes(plan, akeneo, oro, enum_options or {})
    _plan_families(plan, akeneo, oro)
    _plan_categories(plan, akeneo, oro)
    return plan


def _plan_localizations(plan: StructurePlan, akeneo: AkeneoStructure, oro: OroMetadata) -> None:
    settings = plan.settings
    locales = list(dict.fromkeys([settings.default_locale, *akeneo.locales]))
    plan.localizations, plan.missing_localizations = match_localizations(
        locales, oro, settings.localizations
    )
    for locale in plan.missing_localizations:
        plan.warnings.append(
            f"no Oro localization for Akeneo locale {locale}: its texts are not sent "
            "(add one in System → Localization → Localizations, or map it in the job's "
            "options.localizations)"
        )


def _plan_price_lists(plan: StructurePlan, akeneo: AkeneoStructure, oro: OroMetadata) -> None:
    settings = plan.settings
    by_id = {p.id: p for p in oro.price_lists}
    by_name = {p.name.casefold(): p for p in oro.price_lists}
    for currency in settings.currencies or akeneo.currencies:
        explicit = settings.price_lists.get(currency)
        if explicit is not None:
            chosen = by_id.get(explicit)
            if chosen is None:
                plan.errors.append(f"price list {explicit} (for {currency}) does not exist in Oro")
                continue
        else:
            name = settings.price_list_for(currency)
            chosen = by_name.get(name.casefold())
            if chosen is None:
                plan.price_lists_to_create[currency] = name
                continue
        plan.price_lists[currency] = chosen.id
        if currency not in chosen.currencies:
            plan.price_list_currencies_to_add[currency] = chosen.id


def _plan_attributes(
    plan: StructurePlan,
    akeneo: AkeneoStructure,
    oro: OroMetadata,
    enum_options: Mapping[str, Sequence[EnumOption]],
) -> None:
    settings = plan.settings
    textarea = OroFieldType(settings.textarea)
    for code, field_name in settings.attributes.items():
        attribute = akeneo.attributes.get(code)
        if attribute is None:
            plan.errors.append(f"Akeneo has no attribute {code} (mapped to Oro {field_name})")
            continue
        target = oro_target(attribute, textarea=textarea)
        if target.placement is Placement.UNSUPPORTED:
            plan.warnings.append(f"attribute {code}: {target.reason}; it is not sent")
            continue
        if target.placement is not Placement.ATTRIBUTE:
            plan.not_attributes[code] = target.placement.value
            continue
        assert target.type is not None
        options = _option_specs(attribute, akeneo.options.get(code, ()), settings.default_locale)
        existing = oro.product_fields.get(field_name)
        if existing is None:
            problem = field_name_problem(field_name)
            if problem is not None:
                plan.errors.append(f"attribute {code}: Oro field name {field_name!r} {problem}")
                continue
            label = attribute.labels.get(settings.default_locale) or code
            plan.attributes_to_create.append(
                AttributeSpec(field_name, target.type, label, code, target.length, options)
            )
            continue
        if existing.is_custom and not compatible(target.type, existing.type):
            plan.errors.append(
                f"attribute {code}: Oro field {field_name} is {existing.type}, but Akeneo "
                f"{attribute.type} needs {target.type}"
            )
            continue
        plan.fields[code] = existing
        if target.type.has_options and existing.type in ("enum", "multiEnum"):
            _plan_options(plan, existing, options, enum_options.get(field_name, ()))


def _option_specs(
    attribute: Attribute, options: Sequence[AttributeOption], locale: str
) -> tuple[OptionSpec, ...]:
    specs = []
    for option in sorted(options, key=lambda o: (o.sort_order, o.code)):
        label = option.labels.get(locale) or option.code
        specs.append(OptionSpec(option.code, enum_option_id(option.code), label, option.sort_order))
    return tuple(specs)


def _plan_options(
    plan: StructurePlan,
    existing: ProductField,
    wanted: Sequence[OptionSpec],
    have: Sequence[EnumOption],
) -> None:
    """Match Akeneo options to Oro's by id (from the code, then the label), then name."""
    if existing.enum_type is None:
        plan.errors.append(f"Oro field {existing.name}: its option type cannot be found")
        return
    by_id = {o.id: o for o in have}
    by_name = {o.name.casefold(): o for o in have}
    ids: dict[str, str] = {}
    missing: list[OptionSpec] = []
    for spec in wanted:
        found = (
            by_id.get(spec.id)
            or by_id.get(enum_option_id(spec.label))
            or by_name.get(spec.label.casefold())
        )
        if found is None:
            missing.append(spec)
        else:
            ids[spec.code] = found.id
    plan.enum_options[existing.name] = ids
    if missing:
        plan.options_to_create[existing.name] = missing


def _plan_families(plan: StructurePlan, akeneo: AkeneoStructure, oro: OroMetadata) -> None:
    settings = plan.settings
    plan.family_id = oro.families.get(settings.attribute_family)
    if plan.family_id is None:
        plan.errors.append(f"Oro has no attribute family {settings.attribute_family!r}")
    lowered = {code.casefold(): id_ for code, id_ in oro.families.items()}
    for family in akeneo.families:
        found = lowered.get(family.code.casefold()) or plan.family_id
        if found is not None:
            plan.families[family.code] = found


def _plan_categories(plan: StructurePlan, akeneo: AkeneoStructure, oro: OroMetadata) -> None:
    settings = plan.settings
    titles = CategoryTitles(
        settings.default_locale,
        {
            locale: id_
            for locale, id_ in plan.localizations.items()
            if locale != settings.default_locale
        },
    )
    if not oro.categories_writable:
        plan.categories = match_categories(
            akeneo.categories, oro.categories, titles, settings.categories
        )
        plan.warnings.extend(plan.categories.warnings)
        if plan.categories.missing:
            plan.warnings.append(
                f"{len(plan.categories.missing)} Akeneo categor(y/ies) have no Oro category "
                f"(products keep no category there): {', '.join(plan.categories.missing)}; "
                "create them in Oro, map them in options.categories, or install the "
                "companion API config (docs/oro.md)"
            )
        return
    root = settings.category_root or next((c.id for c in oro.categories if c.parent is None), None)
    if root is None or root not in {c.id for c in oro.categories}:
        plan.errors.append(f"Oro has no root category {root or '(none)'} for the Akeneo tree")
        return
    plan.category_root = root
    ids, changes = plan_category_tree(
        akeneo.categories,
        oro.categories,
        root,
        titles,
        known=settings.categories,
        delete_removed=settings.delete_removed_categories,
    )
    plan.categories = CategoryMatch(ids)
    plan.category_changes = changes
