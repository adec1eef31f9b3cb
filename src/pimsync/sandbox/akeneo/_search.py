"""The ``search`` query parameter: Akeneo's filter language, compiled to a predicate.

Supported filters (others answer 422 like Akeneo): ``updated``/``created`` (<, >,
BETWEEN, NOT BETWEEN, SINCE LAST N DAYS), ``enabled`` (=, !=), ``family`` (IN, NOT IN,
EMPTY, NOT EMPTY), ``categories`` (IN, NOT IN, IN OR UNCLASSIFIED, IN CHILDREN, NOT IN
CHILDREN, UNCLASSIFIED), ``completeness`` (<, <=, =, !=, >, >= on a scope; true if any
of the given locales, default the channel's, matches), ``identifier``/``uuid`` (IN, NOT IN,
=, !=), ``parent`` (IN, EMPTY, NOT EMPTY); on products, attribute values of simple and
multi selects (IN, NOT IN, EMPTY, NOT EMPTY) and booleans (=, !=), with ``locale`` and
``scope`` for localizable and scopable attributes. As in Akeneo, a negated condition
needs a value, and EMPTY only matches products whose family has the attribute.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from pimsync.sandbox.akeneo._store import CatalogStore, Record

Predicate = Callable[[Record], bool]
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": op.lt,
    "<=": op.le,
    "=": op.eq,
    "!=": op.ne,
    ">": op.gt,
    ">=": op.ge,
}
PRODUCT_FILTERS = frozenset(
    {"updated", "created", "enabled", "family", "categories", "completeness", "identifier"}
    | {"uuid", "parent"}
)
MODEL_FILTERS = frozenset({"updated", "created", "family", "categories", "identifier", "parent"})


class SearchError(ValueError):
    """The search parameter is malformed; the message is Akeneo's."""


def stamp(moment: datetime) -> str:
    """How the store writes a timestamp: UTC, seconds, ``+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def has_value(item: Record, attribute: str, channel: str, locale: str) -> bool:
    for value in item["values"].get(attribute, ()):
        if value["locale"] not in (None, locale) or value["scope"] not in (None, channel):
            continue
        if value["data"] not in (None, "", []):
            return True
    return False


def completeness(store: CatalogStore, item: Record, channel: str, locale: str) -> int:
    """Percentage of the family's required attributes for ``channel`` that have a value."""
    family = store.families.get(item.get("family") or "")
    if family is None:
        return 0
    required = family.get("attribute_requirements", {}).get(channel, [])
    if not required:
        return 100
    filled = sum(has_value(item, code, channel, locale) for code in required)
    return filled * 100 // len(required)


def completenesses(store: CatalogStore, item: Record) -> list[dict[str, Any]]:
    """The ``completenesses`` block of a product (``with_completenesses=true``)."""
    return [
        {"scope": ch["code"], "locale": loc, "data": completeness(store, item, ch["code"], loc)}
        for ch in store.channels.values()
        for loc in ch["locales"]
    ]


def _unsupported(field: str, operator: str) -> SearchError:
    return SearchError(
        f'Filter on property "{field}" is not supported or does not support operator "{operator}".'
    )


def _moment(field: str, value: Any) -> str:
    try:
        parsed = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise SearchError(
            f'Property "{field}" expects a string with the format "yyyy-mm-dd H:i:s" as data, '
            f'"{value}" given.'
        ) from None
    return stamp(parsed)


def _codes(field: str, value: Any) -> set[str]:
    if not isinstance(value, list):
        raise SearchError(f'Property "{field}" expects an array as data, "{value}" given.')
    return {str(v) for v in value}


def _date_filter(field: str, operator: str, value: Any, now: datetime) -> Predicate:
    if operator in ("<", ">"):
        bound = _moment(field, value)
        if operator == "<":
            return lambda p: bool(p[field] < bound)
        return lambda p: bool(p[field] > bound)
    if operator in ("BETWEEN", "NOT BETWEEN"):
        if not isinstance(value, list) or len(value) != 2:
            raise SearchError(f'Property "{field}" expects an array with 2 dates as data.')
        low, high = _moment(field, value[0]), _moment(field, value[1])
        if operator == "BETWEEN":
            return lambda p: low <= p[field] <= high
        return lambda p: not low <= p[field] <= high
    if operator == "SINCE LAST N DAYS":
        if not isinstance(value, int) or isinstance(value, bool):
            raise SearchError(f'Property "{field}" expects an integer as data, "{value}" given.')
        since = stamp(now - timedelta(days=value))
        return lambda p: bool(p[field] > since)
    raise _unsupported(field, operator)


def _category_filter(store: CatalogStore, operator: str, value: Any) -> Predicate:
    if operator == "UNCLASSIFIED":
        return lambda p: not p["categories"]
    codes = _codes("categories", value)
    if operator in ("IN CHILDREN", "NOT IN CHILDREN"):
        codes = set().union(*(store.descendants(c) for c in codes))
    if operator in ("IN", "IN CHILDREN"):
        return lambda p: not codes.isdisjoint(p["categories"])
    if operator in ("NOT IN", "NOT IN CHILDREN"):
        return lambda p: codes.isdisjoint(p["categories"])
    if operator == "IN OR UNCLASSIFIED":
        return lambda p: not p["categories"] or not codes.isdisjoint(p["categories"])
    raise _unsupported("categories", operator)


def _completeness_filter(store: CatalogStore, condition: dict[str, Any]) -> Predicate:
    operator, value = condition["operator"], condition.get("value")
    compare = _COMPARE.get(operator)
    if compare is None:
        raise _unsupported("completeness", operator)
    channel = store.channels.get(str(condition.get("scope")))
    if channel is None:
        raise SearchError('Property "completeness" expects a valid scope.')
    if not isinstance(value, int):
        raise SearchError(f'Property "completeness" expects an integer as data, "{value}" given.')
    locales = condition.get("locales") or channel["locales"]
    code = channel["code"]
    return lambda p: any(compare(completeness(store, p, code, loc), value) for loc in locales)


def _field_filter(field: str, key: str, operator: str, value: Any) -> Predicate:
    if operator in ("IN", "NOT IN"):
        codes = _codes(field, value)
        if operator == "IN":
            return lambda p: p.get(key) in codes
        return lambda p: p.get(key) not in codes
    if operator in ("=", "!="):
        if field == "enabled" and not isinstance(value, bool):
            raise SearchError(f'Property "enabled" expects a boolean as data, "{value}" given.')
        if operator == "=":
            return lambda p: p.get(key) == value
        return lambda p: p.get(key) != value
    if operator == "EMPTY":
        return lambda p: not p.get(key)
    if operator == "NOT EMPTY":
        return lambda p: bool(p.get(key))
    raise _unsupported(field, operator)


_ATTRIBUTE_OPERATORS = {
    "pim_catalog_simpleselect": frozenset({"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "pim_catalog_multiselect": frozenset({"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "pim_catalog_boolean": frozenset({"=", "!="}),
}


def _value_data(item: Record, attribute: str, locale: Any, scope: Any) -> Any:
    for value in item["values"].get(attribute, ()):
        if value["locale"] == locale and value["scope"] == scope:
            return value["data"]
    return None


def _attribute_filter(
    store: CatalogStore, attribute: dict[str, Any], condition: dict[str, Any]
) -> Predicate:
    code, kind = str(attribute["code"]), str(attribute["type"])
    operator, value = condition["operator"], condition.get("value")
    if operator not in _ATTRIBUTE_OPERATORS.get(kind, ()):
        raise _unsupported(code, operator)
    locale, scope = condition.get("locale"), condition.get("scope")
    for needed, given, what in (
        (attribute.get("localizable"), locale, "locale"),
        (attribute.get("scopable"), scope, "scope"),
    ):
        if needed and not given:
            raise SearchError(f'Attribute "{code}" expects a {what}, none given.')
        if not needed and given:
            raise SearchError(f'Attribute "{code}" does not expect a {what}, "{given}" given.')

    def data(item: Record) -> Any:
        found = _value_data(item, code, locale, scope)
        return None if found in ("", []) else found

    if operator == "EMPTY":
        return lambda p: (
            data(p) is None
            and code in store.families.get(p.get("family") or "", {}).get("attributes", ())
        )
    if operator == "NOT EMPTY":
        return lambda p: data(p) is not None
    if kind == "pim_catalog_boolean":
        if not isinstance(value, bool):
            raise SearchError(f'Property "{code}" expects a boolean as data, "{value}" given.')
        if operator == "=":
            return lambda p: data(p) is value
        return lambda p: data(p) is not None and data(p) is not value
    codes = _codes(code, value)

    def chosen(item: Record) -> set[str]:
        found = data(item)
        return set() if found is None else {found} if isinstance(found, str) else set(found)

    if operator == "IN":
        return lambda p: not codes.isdisjoint(chosen(p))
    return lambda p: bool(chosen(p)) and codes.isdisjoint(chosen(p))


_OPERATORS: dict[str, frozenset[str]] = {
    "enabled": frozenset({"=", "!="}),
    "family": frozenset({"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "identifier": frozenset({"IN", "NOT IN", "=", "!="}),
    "uuid": frozenset({"IN", "NOT IN", "=", "!="}),
    "parent": frozenset({"IN", "EMPTY", "NOT EMPTY"}),
}


def compile_search(
    raw: str | None, *, store: CatalogStore, now: datetime, models: bool = False
) -> Predicate | None:
    """A predicate for ``raw`` (the search parameter), or None when there is no filter.

    Raises SearchError with Akeneo's message when the search is malformed.
    """
    if not raw:
        return None
    try:
        search = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SearchError("Search query parameter should be valid JSON.") from None
    if not isinstance(search, dict):
        raise SearchError("Search query parameter should be valid JSON.")
    allowed = MODEL_FILTERS if models else PRODUCT_FILTERS
    predicates: list[Predicate] = []
    for field, conditions in search.items():
        if not isinstance(conditions, list) or not all(isinstance(c, dict) for c in conditions):
            raise SearchError(
                f'Structure of filter "{field}" should respect this structure: '
                f'{{"{field}":[{{"operator": "my_operator", "value": "my_value"}}]}}'
            )
        for condition in conditions:
            operator = condition.get("operator")
            if not isinstance(operator, str):
                raise SearchError(f'Operator is missing for the property "{field}".')
            attribute = None if models else store.attributes.get(field)
            if attribute is not None and field not in allowed:
                predicates.append(_attribute_filter(store, attribute, condition))
                continue
            if field not in allowed:
                raise _unsupported(field, operator)
            value = condition.get("value")
            if field in ("updated", "created"):
                predicates.append(_date_filter(field, operator, value, now))
            elif field == "categories":
                predicates.append(_category_filter(store, operator, value))
            elif field == "completeness":
                predicates.append(_completeness_filter(store, condition))
            else:
                if operator not in _OPERATORS[field]:
                    raise _unsupported(field, operator)
                key = "code" if models and field == "identifier" else field
                predicates.append(_field_filter(field, key, operator, value))
    if len(predicates) == 1:
        return predicates[0]
    return lambda p: all(check(p) for check in predicates)
