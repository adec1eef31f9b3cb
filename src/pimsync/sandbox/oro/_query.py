"""List queries: ``filter[...]``, ``sort``, ``page[...]`` and ``fields[...]`` as Oro parses them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pimsync.sandbox.oro._documents import ApiError
from pimsync.sandbox.oro._schema import ResourceType
from pimsync.sandbox.oro._store import INDEXED, Record, Store

DEFAULT_PAGE_SIZE = 10
_FILTER = re.compile(r"^filter\[([A-Za-z_]+)\](?:\[([a-z_]+)\])?$")
_OPERATORS = {"eq", "neq", "lt", "lte", "gt", "gte", "exists"}
Predicate = Callable[[Record], bool]


def filter_error(parameter: str, detail: str) -> ApiError:
    return ApiError(400, "filter constraint", detail, parameter=parameter)


def field_value(record: Record, name: str) -> Any:
    """An attribute, or a to-one relationship's id, or the ids of a to-many one."""
    if name == "id":
        return record["id"]
    if name in record["attributes"]:
        return record["attributes"][name]
    linkage = record["relationships"].get(name)
    if isinstance(linkage, dict):
        return linkage["id"]
    if isinstance(linkage, list):
        return [item["id"] for item in linkage]
    return None


def _comparable(value: Any) -> Any:
    """Numbers compare as numbers, ISO datetimes as instants, anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return text


def _test(op: str, wanted: str) -> Callable[[Any], bool]:
    """Whether a field value passes ``filter[...][op]=wanted``; the wanted values are
    parsed once per request, not once per record."""
    if op == "exists":
        present_wanted = wanted.lower() in ("1", "true", "yes")
        return lambda actual: (actual not in (None, [])) == present_wanted
    if op in ("eq", "neq"):
        exact: set[Any] = set()
        ranges: list[tuple[Any, Any]] = []
        for option in wanted.split(","):
            low, sep, high = option.partition("..")
            if sep:
                ranges.append((_comparable(low), _comparable(high)))
            else:
                exact.add(_comparable(option))

        def equal(actual: Any) -> bool:
            if actual is None:
                return op == "neq"
            hit = False
            for value in actual if isinstance(actual, list) else [actual]:
                got = _comparable(value)
                try:
                    hit = hit or got in exact
                except TypeError:  # unhashable: compare one by one
                    hit = hit or any(got == e for e in exact)
                for low, high in ranges:
                    with contextlib.suppress(TypeError):  # a number against text: no match
                        hit = hit or low <= got <= high
            return hit if op == "eq" else not hit

        return equal
    bound = _comparable(wanted)

    def compare(value: Any) -> bool:
        got = _comparable(value)
        if op == "lt":
            return bool(got < bound)
        if op == "lte":
            return bool(got <= bound)
        if op == "gt":
            return bool(got > bound)
        return bool(got >= bound)

    def ordered(actual: Any) -> bool:
        if actual is None:
            return op == "neq"
        try:
            return any(compare(v) for v in (actual if isinstance(actual, list) else [actual]))
        except TypeError:
            return False

    return ordered


def predicate(rtype: ResourceType, params: Iterable[tuple[str, str]]) -> Predicate:
    """The AND of every ``filter[...]`` in ``params``. Raises ApiError (400)."""
    tests: list[tuple[str, str, str]] = []
    for key, value in params:
        if not key.startswith("filter"):
            continue
        match = _FILTER.match(key)
        if match is None:
            raise filter_error(key, f'Filter "{key}" is not supported.')
        name, op = match.group(1), match.group(2) or "eq"
        if name not in rtype.filters:
            raise filter_error(key, f'Filter "{key}" is not supported.')
        if op not in _OPERATORS:
            raise filter_error(key, f'The operator "{op}" is not supported.')
        tests.append((name, op, value))
    present = {name for name, _, _ in tests}
    # an id names the record outright (a productprices id carries its price list)
    for name in sorted(rtype.required_filters - present if "id" not in present else ()):
        raise filter_error(f"filter[{name}]", "The filter is required.")

    checks = [(name, _test(op, value)) for name, op, value in tests]

    def check(record: Record) -> bool:
        return all(test(field_value(record, name)) for name, test in checks)

    return check


def candidates(store: Store, type_: str, params: Iterable[tuple[str, str]]) -> list[Record]:
    """The records an equality filter on the id or an indexed field narrows a query to
    (every record when there is none); callers still apply the full predicate."""
    for key, value in params:
        match = _FILTER.match(key)
        if match is None or (match.group(2) or "eq") != "eq" or ".." in value:
            continue
        name, wanted = match.group(1), value.split(",")
        if name == "id":
            found = (store.get(type_, id_) for id_ in dict.fromkeys(wanted))
            return [r for r in found if r is not None]
        if name in INDEXED.get(type_, ()):
            return store.find(type_, name, wanted)
    return store.all(type_)


def sort(rtype: ResourceType, records: list[Record], spec: str | None) -> list[Record]:
    """Sort by ``sort=a,-b`` (default: id ascending). Raises ApiError (400)."""
    keys = [k for k in (spec or "id").split(",") if k]
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in rtype.sorters:
            raise ApiError(
                400,
                "sort constraint",
                f'Sorting by "{name}" field is not supported.',
                parameter="sort",
            )
        records = sorted(records, key=_sorter(name), reverse=key.startswith("-"))
    return records


def _sorter(name: str) -> Callable[[Record], tuple[bool, tuple[int, Any]]]:
    def key(record: Record) -> tuple[bool, tuple[int, Any]]:
        value = field_value(record, name)
        return value is None, _sort_key(value)

    return key


def _sort_key(value: Any) -> tuple[int, Any]:
    got = _comparable(value) if value is not None else ""
    return (0, got) if isinstance(got, (int, float)) else (1, str(got))


@dataclass(frozen=True)
class Page:
    number: int
    size: int  # -1: no paging

    @classmethod
    def parse(cls, params: dict[str, str]) -> Page:
        number = _integer(params, "page[number]", 1)
        size = _integer(params, "page[size]", DEFAULT_PAGE_SIZE)
        if number < 1 or (size < 1 and size != -1):
            raise filter_error("page", "Expected a positive integer.")
        return cls(number, size)

    def slice(self, records: list[Record]) -> tuple[list[Record], bool]:
        """The records of this page and whether more follow."""
        if self.size == -1:
            return records, False
        start = (self.number - 1) * self.size
        chunk = records[start : start + self.size + 1]
        return chunk[: self.size], len(chunk) > self.size


def _integer(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise filter_error(name, f'Expected integer value. Given "{raw}".') from None


def sparse_fields(params: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for key, value in params:
        if key.startswith("fields[") and key.endswith("]"):
            found[key[7:-1]] = frozenset(f for f in value.split(",") if f)
    return found


# an id no record has: what an unknown SKU stands for in a filter
_NO_RECORD = "\0"


def sku_filters(
    rtype: ResourceType,
    params: Iterable[tuple[str, str]],
    db_id: Callable[[str], str | None],
) -> list[tuple[str, str]]:
    """``params`` with SKUs turned into product DB ids, for ext_id mode (brief §1.13).

    There ``filter[id]`` on products and every filter on a relationship to products
    name products by SKU, while the records keep DB ids; an unknown SKU matches nothing.
    """
    out: list[tuple[str, str]] = []
    for key, value in params:
        match = _FILTER.match(key)
        name = match.group(1) if match is not None and match.group(2) != "exists" else ""
        rel = rtype.relationships.get(name)
        if (name == "id" and rtype.name == "products") or (
            rel is not None and rel.target == "products"
        ):
            out.append((key, ",".join(db_id(sku) or _NO_RECORD for sku in value.split(","))))
        else:
            out.append((key, value))
    return out
