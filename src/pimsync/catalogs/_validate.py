"""Check a catalog against the PIM's structure before it selects anything.

A criterion that names an unknown code would silently select nothing (or everything, for
a negation), so every problem is reported up front, naming the criterion and what to fix.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.catalogs._spec import (
    EMPTY_OPERATORS,
    OPERATORS,
    SYSTEM_FIELDS,
    CatalogSpec,
    Criterion,
    ValueFilters,
)
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoAttribute, AkeneoMetadata

__all__ = ["check", "criterion_problems", "validate", "value_filter_problems"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# System field → (the metadata mapping listing its codes, what one code is called).
_CODE_LISTS = {"family": ("families", "family"), "categories": ("categories", "category")}


def validate(spec: CatalogSpec, metadata: AkeneoMetadata) -> list[str]:
    """Every problem of ``spec`` against ``metadata``, one sentence each (empty: valid)."""
    problems: list[str] = []
    for number, criterion in enumerate(spec.criteria, start=1):
        name = f"criterion {number} ({criterion.describe()})"
        problems.extend(f"{name}: {problem}" for problem in criterion_problems(criterion, metadata))
    problems.extend(_value_filters(spec, metadata))
    return problems


def check(spec: CatalogSpec, metadata: AkeneoMetadata) -> None:
    """Raise :class:`ConfigError` listing every problem of ``spec``, if it has any."""
    problems = validate(spec, metadata)
    if problems:
        raise ConfigError("invalid catalog: " + "; ".join(problems))


def value_filter_problems(filters: ValueFilters, metadata: AkeneoMetadata) -> dict[str, list[str]]:
    """Unknown codes in the value filters, by filter (``channels``, ``locales``,
    ``currencies``); a filter without problems is left out."""
    checks = (
        ("channels", "channel", filters.channels, metadata.channels),
        ("locales", "locale", filters.locales, metadata.locales),
        ("currencies", "currency", filters.currencies, metadata.currencies),
    )
    found: dict[str, list[str]] = {}
    for key, what, codes, known in checks:
        unknown = [f"unknown {what} {code!r}" for code in codes if known and code not in known]
        if unknown:
            found[key] = unknown
    return found


def criterion_problems(criterion: Criterion, metadata: AkeneoMetadata) -> list[str]:
    """The problems of one criterion, without the criterion's name (an editor shows them
    next to the criterion's line)."""
    if criterion.field in SYSTEM_FIELDS:
        kind = criterion.field
        attribute = None
    else:
        attribute = metadata.attributes.get(criterion.field)
        if attribute is None:
            return [f"unknown attribute {criterion.field!r}"]
        kind = attribute.type
    allowed = OPERATORS.get(kind)
    if allowed is None:
        return [f"attributes of type {kind} cannot select products"]
    if criterion.operator not in allowed:
        return [
            f"operator {criterion.operator!r} is not valid for {kind}; "
            f"use one of {', '.join(sorted(allowed))}"
        ]
    if criterion.operator in EMPTY_OPERATORS:
        if criterion.value not in (None, "", [], ()):
            return [f"operator {criterion.operator!r} takes no value"]
    elif criterion.value in (None, "", [], ()):
        return [f"operator {criterion.operator!r} needs a value"]
    problems = _context(criterion, attribute, metadata)
    if criterion.operator not in EMPTY_OPERATORS:
        problems.extend(_value(criterion, kind, attribute, metadata))
    return problems


def _context(
    criterion: Criterion, attribute: AkeneoAttribute | None, metadata: AkeneoMetadata
) -> list[str]:
    """Scope and locale: required exactly when the attribute (or completeness) has them."""
    if criterion.field == "completeness":
        scoped = localized = True
    elif attribute is None:
        scoped = localized = False
    else:
        scoped, localized = attribute.scopable, attribute.localizable
    problems = []
    if scoped and not criterion.scope:
        problems.append("a scope (channel) is required")
    elif not scoped and criterion.scope:
        problems.append(f"{criterion.field!r} is not scopable: remove the scope")
    elif criterion.scope and metadata.channels and criterion.scope not in metadata.channels:
        problems.append(f"unknown channel {criterion.scope!r}")
    if localized and not criterion.locale:
        problems.append("a locale is required")
    elif not localized and criterion.locale:
        problems.append(f"{criterion.field!r} is not localizable: remove the locale")
    elif criterion.locale and metadata.locales and criterion.locale not in metadata.locales:
        problems.append(f"unknown or disabled locale {criterion.locale!r}")
    return problems


def _value(
    criterion: Criterion, kind: str, attribute: AkeneoAttribute | None, metadata: AkeneoMetadata
) -> list[str]:
    value = criterion.value
    if kind in ("enabled", "pim_catalog_boolean"):
        return [] if isinstance(value, bool) else ["the value must be true or false"]
    if kind == "completeness":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        return [] if ok else ["the value must be an integer from 0 to 100"]
    if kind in _CODE_LISTS:
        listing, what = _CODE_LISTS[kind]
        return _codes(value, getattr(metadata, listing), what)
    if kind in ("pim_catalog_simpleselect", "pim_catalog_multiselect"):
        assert attribute is not None
        return _codes(value, attribute.options, f"option of {attribute.code!r}")
    if kind in ("identifier", "pim_catalog_identifier") and criterion.operator in ("IN", "NOT IN"):
        return _strings(value)
    if kind in ("identifier", "pim_catalog_identifier", "pim_catalog_text", "pim_catalog_textarea"):
        return [] if isinstance(value, str) else ["the value must be text"]
    if kind == "pim_catalog_number":
        return [] if _is_number(value) else ["the value must be a number"]
    if kind == "pim_catalog_metric":
        assert attribute is not None
        return _metric(value, attribute, metadata)
    if kind == "pim_catalog_date":
        return _dates(criterion.operator, value)
    return []


def _codes(value: Any, known: Any, what: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return ["the value must be a list of codes"]
    if not known:  # the metadata does not list them: nothing to check against
        return []
    return [f"unknown {what} {code!r}" for code in value if code not in known]


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value):
        return []
    return ["the value must be a list of non-empty strings"]


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    return False


def _metric(value: Any, attribute: AkeneoAttribute, metadata: AkeneoMetadata) -> list[str]:
    if not isinstance(value, dict) or set(value) != {"amount", "unit"}:
        return ['the value must be {"amount": <number>, "unit": "<unit code>"}']
    problems = [] if _is_number(value["amount"]) else ["the amount must be a number"]
    family = metadata.measurement_families.get(attribute.metric_family or "")
    if family is not None and value["unit"] not in family.units:
        problems.append(f"unknown unit {value['unit']!r} of measurement family {family.code!r}")
    return problems


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(_DATE.match(value))


def _dates(operator: str, value: Any) -> list[str]:
    if operator in ("BETWEEN", "NOT BETWEEN"):
        if isinstance(value, list | tuple) and len(value) == 2 and all(map(_is_date, value)):
            return []
        return ['the value must be two dates, ["YYYY-MM-DD", "YYYY-MM-DD"]']
    return [] if _is_date(value) else ['the value must be a date, "YYYY-MM-DD"']


def _value_filters(spec: CatalogSpec, metadata: AkeneoMetadata) -> list[str]:
    problems = value_filter_problems(spec.value_filters, metadata)
    return [f"value filters: {problem}" for found in problems.values() for problem in found]
