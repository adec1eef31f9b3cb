"""Filters pushed down to Akeneo: the ``search`` JSON and the value-trimming parameters.

Akeneo's filter language is a JSON object mapping a property to a list of conditions,
``{"updated": [{"operator": ">", "value": "2024-01-31 12:00:00"}]}``; dates are
``Y-m-d H:i:s`` in the PIM's time zone (UTC for the API). ``attributes``, ``locales``
and ``scope`` are separate query parameters that trim the values returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from pimsync.errors import ConfigError

__all__ = ["Completeness", "ProductSearch", "akeneo_datetime"]

CompletenessOperator = Literal["<", "<=", "=", "!=", ">", ">="]


def akeneo_datetime(moment: datetime) -> str:
    """``moment`` as Akeneo's filters expect it: ``Y-m-d H:i:s`` in UTC.

    Raises :class:`ConfigError` for a naive datetime (its zone would be a guess).
    """
    if moment.utcoffset() is None:
        raise ConfigError(f"a search datetime must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Completeness:
    """Completeness on ``scope`` compared to ``value`` (0-100), for any of ``locales``."""

    operator: CompletenessOperator
    value: int
    scope: str
    locales: tuple[str, ...] = ()

    def condition(self) -> dict[str, Any]:
        condition: dict[str, Any] = {
            "operator": self.operator,
            "value": self.value,
            "scope": self.scope,
        }
        if self.locales:
            condition["locales"] = list(self.locales)
        return condition


@dataclass(frozen=True, slots=True)
class ProductSearch:
    """What to ask Akeneo for, as one immutable value; empty fields filter nothing.

    ``updated_after`` becomes ``updated >`` (differential reads); ``families``,
    ``categories``, ``uuids`` and ``identifiers`` become ``IN`` conditions. ``attributes``,
    ``locales`` and ``scope`` trim the values of each product.
    """

    updated_after: datetime | None = None
    enabled: bool | None = None
    families: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    completeness: Completeness | None = None
    uuids: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    scope: str | None = None
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def where(self, **changes: Any) -> ProductSearch:
        """A copy with ``changes`` applied (lists become tuples)."""
        fixed: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list | set) else v for k, v in changes.items()
        }
        return replace(self, **fixed)

    def filters(self) -> dict[str, list[dict[str, Any]]]:
        """The ``search`` object: property → conditions."""
        search: dict[str, list[dict[str, Any]]] = {}

        def add(prop: str, operator: str, value: Any) -> None:
            search.setdefault(prop, []).append({"operator": operator, "value": value})

        if self.updated_after is not None:
            add("updated", ">", akeneo_datetime(self.updated_after))
        if self.enabled is not None:
            add("enabled", "=", self.enabled)
        for prop, codes in (
            ("family", self.families),
            ("categories", self.categories),
            ("uuid", self.uuids),
            ("identifier", self.identifiers),
        ):
            if codes:
                add(prop, "IN", _unique(codes))
        if self.completeness is not None:
            search.setdefault("completeness", []).append(self.completeness.condition())
        for prop, conditions in self.extra.items():
            search.setdefault(prop, []).extend(conditions)
        return search

    def params(self) -> dict[str, str | int]:
        """The query parameters: ``search`` (JSON) and ``attributes``/``locales``/``scope``."""
        params: dict[str, str | int] = {}
        search = self.filters()
        if search:
            params["search"] = orjson.dumps(search).decode()
        if self.attributes:
            params["attributes"] = ",".join(_unique(self.attributes))
        if self.locales:
            params["locales"] = ",".join(_unique(self.locales))
        if self.scope:
            params["scope"] = self.scope
        return params


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))
