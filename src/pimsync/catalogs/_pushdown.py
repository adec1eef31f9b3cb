"""Split a catalog's criteria into what Akeneo's ``search`` can do and what stays local.

Only criteria whose Akeneo filter means exactly what :func:`~pimsync.catalogs.matches`
computes are pushed down:

* status, family, categories and completeness (one locale);
* simple and multi select ``IN``, ``NOT IN`` and ``NOT EMPTY``, and boolean ``=`` and
  ``!=``, on the criterion's locale and channel. Akeneo compares option codes and
  booleans as stored, and like ``matches`` its negations (``NOT IN``, ``!=``) need a
  value: a product without one is not selected.

These stay local:

* ``EMPTY`` on an attribute: Akeneo's only matches products whose family has the
  attribute, while ``matches`` takes any product without a value (no family included).
* numbers and metrics: Akeneo's index compares them as floating-point numbers (metrics
  converted to the standard unit), ``matches`` as decimals, so values with many digits
  could fall on different sides of a bound.
* text, identifier attributes and dates: Akeneo's text matching (analyzers, case,
  accents) and its handling of dates' time zones are not documented precisely enough.

``identifier`` ``IN`` and ``=`` are pushed down to narrow the read but also kept local,
as Akeneo may compare identifiers without regard to case.
"""

from __future__ import annotations

from typing import Any, cast

from pimsync.catalogs._spec import EMPTY_OPERATORS, SYSTEM_FIELDS, CatalogSpec, Criterion
from pimsync.connectors.akeneo import Completeness, ProductSearch
from pimsync.mapping import AkeneoMetadata

__all__ = ["push_down"]

_EXACT = {
    "enabled": frozenset({"=", "!="}),
    "family": frozenset({"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "categories": frozenset(
        {"IN", "NOT IN", "IN CHILDREN", "NOT IN CHILDREN", "UNCLASSIFIED", "IN OR UNCLASSIFIED"}
    ),
    "completeness": frozenset({"=", "!=", "<", ">"}),
}
_NARROWING = {"identifier": frozenset({"IN", "="})}
_SELECT = frozenset({"IN", "NOT IN", "NOT EMPTY"})
_EXACT_ATTRIBUTES = {
    "pim_catalog_simpleselect": _SELECT,
    "pim_catalog_multiselect": _SELECT,
    "pim_catalog_boolean": frozenset({"=", "!="}),
}


def push_down(
    spec: CatalogSpec, metadata: AkeneoMetadata
) -> tuple[ProductSearch, tuple[Criterion, ...]]:
    """The search Akeneo can run for ``spec`` and the criteria left to check locally.

    A product is in the catalog when Akeneo's search returns it and it meets every
    residual criterion. ``metadata`` gives the attributes' types; a criterion on an
    attribute it does not have stays local.
    """
    search = ProductSearch()
    residual: list[Criterion] = []
    for criterion in spec.criteria:
        if criterion.operator in _exact_operators(criterion.field, metadata):
            search = _add(search, criterion)
        elif criterion.operator in _NARROWING.get(criterion.field, ()):
            search = _add(search, criterion)
            residual.append(criterion)
        else:
            residual.append(criterion)
    return search, tuple(residual)


def _exact_operators(field: str, metadata: AkeneoMetadata) -> frozenset[str]:
    if field in SYSTEM_FIELDS:
        return _EXACT.get(field, frozenset())
    attribute = metadata.attributes.get(field)
    return frozenset() if attribute is None else _EXACT_ATTRIBUTES.get(attribute.type, frozenset())


def _add(search: ProductSearch, criterion: Criterion) -> ProductSearch:
    """``search`` with ``criterion`` added: in a typed field when it is free, else in
    ``extra`` (two ``IN`` conditions must stay two conditions, not one union)."""
    field, operator, value = criterion.field, criterion.operator, criterion.value
    if field == "enabled" and search.enabled is None:
        return search.where(enabled=value if operator == "=" else not value)
    if field == "completeness" and search.completeness is None:
        return search.where(
            completeness=Completeness(
                cast(Any, operator), value, criterion.scope or "", (criterion.locale or "",)
            )
        )
    if operator == "IN" and field == "family" and not search.families:
        return search.where(families=list(value))
    if operator == "IN" and field == "categories" and not search.categories:
        return search.where(categories=list(value))
    if operator in ("IN", "=") and field == "identifier" and not search.identifiers:
        return search.where(identifiers=list(value) if operator == "IN" else [value])
    extra = {prop: list(conditions) for prop, conditions in search.extra.items()}
    extra.setdefault(field, []).append(_condition(criterion))
    return search.where(extra=extra)


def _condition(criterion: Criterion) -> dict[str, Any]:
    condition: dict[str, Any] = {"operator": criterion.operator}
    if criterion.operator not in EMPTY_OPERATORS:
        condition["value"] = (
            list(criterion.value) if isinstance(criterion.value, tuple) else criterion.value
        )
    if criterion.field == "completeness":
        condition["scope"] = criterion.scope
        condition["locales"] = [criterion.locale]
        return condition
    if criterion.locale:
        condition["locale"] = criterion.locale
    if criterion.scope:
        condition["scope"] = criterion.scope
    return condition
