"""Evaluate a catalog's criteria on one product, locally.

The rules follow Akeneo's product query builder where the reference documents them:
a negated attribute condition (``!=``, ``NOT IN``, ``DOES NOT CONTAIN``, ``NOT BETWEEN``)
only matches a product that has a value, while ``NOT IN`` on ``family`` or ``categories``
also matches a product without family or category. The substring operators ignore case.
The spec is expected to be valid (see :func:`~pimsync.catalogs.validate`).
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

from pimsync.catalogs._spec import CatalogSpec, Criterion
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoAttribute, AkeneoMetadata
from pimsync.model import Metric, Product

__all__ = ["Requirements", "category_descendants", "completeness", "criterion_matches", "matches"]

Requirements: TypeAlias = Mapping[str, Mapping[str, Sequence[str]]]
"""Family code → channel code → the attributes required for completeness."""

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": op.eq,
    "!=": op.ne,
    "<": op.lt,
    "<=": op.le,
    ">": op.gt,
    ">=": op.ge,
}


def matches(
    spec: CatalogSpec,
    product: Product,
    metadata: AkeneoMetadata,
    *,
    requirements: Requirements | None = None,
) -> bool:
    """True when ``product`` meets every criterion of ``spec`` (no criteria: every product).

    ``requirements`` (the families' attribute requirements) is needed only to evaluate a
    ``completeness`` criterion; without it such a criterion raises :class:`ConfigError`.
    """
    return all(
        criterion_matches(c, product, metadata, requirements=requirements) for c in spec.criteria
    )


def criterion_matches(
    criterion: Criterion,
    product: Product,
    metadata: AkeneoMetadata,
    *,
    requirements: Requirements | None = None,
) -> bool:
    """True when ``product`` meets ``criterion``."""
    field = criterion.field
    if field == "enabled":
        return _COMPARE[criterion.operator](product.enabled, criterion.value)
    if field == "categories":
        return _categories(criterion, set(product.categories), metadata)
    if field == "family":
        return _family(criterion, product.family)
    if field == "identifier":
        return _string(criterion, product.identifier)
    if field == "completeness":
        if requirements is None:
            raise ConfigError(
                f"{criterion.describe()}: completeness needs the families' attribute requirements"
            )
        percent = completeness(product, requirements, criterion.scope or "", criterion.locale)
        return _COMPARE[criterion.operator](percent, criterion.value)
    return _attribute(criterion, product, metadata.attributes[field], metadata)


def category_descendants(metadata: AkeneoMetadata, codes: Iterable[str]) -> set[str]:
    """``codes`` and every category below them in the metadata's category trees."""
    children: dict[str, list[str]] = {}
    for code, parent in metadata.categories.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found: set[str] = set()
    todo = list(codes)
    while todo:
        code = todo.pop()
        if code not in found:
            found.add(code)
            todo.extend(children.get(code, ()))
    return found


def completeness(
    product: Product, requirements: Requirements, channel: str, locale: str | None
) -> int:
    """Percentage (rounded down) of the family's required attributes for ``channel`` that
    have a value in ``locale``; 0 without a family, 100 when nothing is required.

    This is how the Akeneo sandbox computes it; Akeneo itself also checks that every
    currency of a price is filled, which this does not.
    """
    if product.family is None:
        return 0
    required = requirements.get(product.family, {}).get(channel, ())
    if not required:
        return 100
    filled = sum(_has_data(product.values.get(code, locale, channel)) for code in required)
    return filled * 100 // len(required)


def _categories(criterion: Criterion, categories: set[str], metadata: AkeneoMetadata) -> bool:
    operator = criterion.operator
    if operator == "UNCLASSIFIED":
        return not categories
    codes = set(criterion.value)
    if operator in ("IN CHILDREN", "NOT IN CHILDREN"):
        codes = category_descendants(metadata, codes)
    if operator in ("IN", "IN CHILDREN"):
        return not codes.isdisjoint(categories)
    if operator in ("NOT IN", "NOT IN CHILDREN"):
        return codes.isdisjoint(categories)
    return not categories or not codes.isdisjoint(categories)  # IN OR UNCLASSIFIED


def _family(criterion: Criterion, family: str | None) -> bool:
    if criterion.operator == "EMPTY":
        return family is None
    if criterion.operator == "NOT EMPTY":
        return family is not None
    inside = family in criterion.value
    return inside if criterion.operator == "IN" else not inside


def _attribute(
    criterion: Criterion, product: Product, attribute: AkeneoAttribute, metadata: AkeneoMetadata
) -> bool:
    data = product.values.get(attribute.code, criterion.locale, criterion.scope)
    if criterion.operator == "EMPTY":
        return not _has_data(data)
    if criterion.operator == "NOT EMPTY":
        return _has_data(data)
    if not _has_data(data):
        return False  # Akeneo: a condition on a value needs the value, negations included
    kind = attribute.type
    if kind in ("pim_catalog_simpleselect", "pim_catalog_multiselect"):
        return _options(criterion, data)
    if kind == "pim_catalog_number":
        return _COMPARE[criterion.operator](_decimal(data), _decimal(criterion.value))
    if kind == "pim_catalog_metric":
        return _metric(criterion, data, attribute, metadata)
    if kind == "pim_catalog_boolean":
        return _COMPARE[criterion.operator](data, criterion.value)
    if kind == "pim_catalog_date":
        return _date(criterion, str(data)[:10])
    return _string(criterion, data if isinstance(data, str) else str(data))


def _has_data(data: Any) -> bool:
    if isinstance(data, Metric):
        return data.amount is not None
    return data is not None and data not in ("", ())


def _string(criterion: Criterion, text: str | None) -> bool:
    operator, wanted = criterion.operator, criterion.value
    if operator in ("IN", "NOT IN"):
        inside = text is not None and text in set(wanted)
        return inside if operator == "IN" else not inside
    if operator == "=":
        return text == str(wanted)
    if operator == "!=":
        return text != str(wanted)
    folded, part = (text or "").casefold(), str(wanted).casefold()
    if operator == "CONTAINS":
        return part in folded
    if operator == "DOES NOT CONTAIN":
        return part not in folded
    return folded.startswith(part)  # STARTS WITH


def _options(criterion: Criterion, data: Any) -> bool:
    chosen = {data} if isinstance(data, str) else set(data)
    inside = not chosen.isdisjoint(criterion.value)
    return inside if criterion.operator == "IN" else not inside


def _decimal(number: Any) -> Decimal:
    return number if isinstance(number, Decimal) else Decimal(str(number))


def _metric(
    criterion: Criterion, data: Any, attribute: AkeneoAttribute, metadata: AkeneoMetadata
) -> bool:
    """Compare in the family's standard unit when its conversions are known, else only
    amounts of the same unit (another unit never matches)."""
    wanted = criterion.value
    have = _decimal(data.amount)
    want = _decimal(wanted["amount"])
    family = metadata.measurement_families.get(attribute.metric_family or "")
    if data.unit != wanted["unit"]:
        if family is None or data.unit not in family.units or wanted["unit"] not in family.units:
            return False
        have = family.units[data.unit].to_standard(have)
        want = family.units[wanted["unit"]].to_standard(want)
    return _COMPARE[criterion.operator](have, want)


def _date(criterion: Criterion, day: str) -> bool:
    operator = criterion.operator
    if operator in ("BETWEEN", "NOT BETWEEN"):
        low, high = criterion.value
        inside = low <= day <= high
        return inside if operator == "BETWEEN" else not inside
    return _COMPARE[operator](day, criterion.value)
