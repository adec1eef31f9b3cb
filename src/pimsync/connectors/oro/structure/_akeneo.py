"""The Akeneo structure a plan starts from: attributes and options, families, locales,
currencies, and one channel's category tree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.base import SourceRecord
from pimsync.model import Attribute, AttributeOption, AttributeType, Category, Family, Values

__all__ = ["AkeneoStructure", "read_akeneo_structure", "subtree"]

T = TypeVar("T")
_RECORD_TYPES = (AttributeType.REFERENCE_ENTITY, AttributeType.REFERENCE_ENTITY_COLLECTION)


@dataclass(frozen=True, slots=True)
class AkeneoStructure:
    """Akeneo's side of the plan; ``options`` are keyed by attribute code."""

    attributes: Mapping[str, Attribute]
    options: Mapping[str, tuple[AttributeOption, ...]] = field(default_factory=dict)
    families: tuple[Family, ...] = ()
    locales: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    problems: tuple[str, ...] = ()
    """Items Akeneo sent that could not be read."""


def read_akeneo_structure(
    catalog: AkeneoCatalog, *, attributes: Iterable[str] = (), scope: str | None = None
) -> AkeneoStructure:
    """Read Akeneo's structure; options only for the select ``attributes`` named.

    With ``scope`` the locales, currencies and category tree are the channel's (all
    enabled ones and every tree when the channel does not exist). Reference entity
    attributes get their records as options. Raises what the catalog raises
    (:class:`~pimsync.errors.FatalSourceError` for an unreadable page).
    """
    problems: list[str] = []
    by_code = {a.code: a for a in _items(catalog.attributes(), problems)}
    options: dict[str, tuple[AttributeOption, ...]] = {}
    for code in dict.fromkeys(attributes):
        attribute = by_code.get(code)
        if attribute is None:
            continue
        if attribute.has_options:
            options[code] = tuple(_items(catalog.attribute_options(code), problems))
        elif attribute.type in _RECORD_TYPES and attribute.reference_data_name:
            records = _items(catalog.records(attribute.reference_data_name), problems)
            options[code] = tuple(
                AttributeOption(code=r.code, attribute=code, labels=_record_labels(r.values))
                for r in records
            )
    channel = None
    if scope is not None:
        channel = next((c for c in _items(catalog.channels(), problems) if c.code == scope), None)
    locales = (
        channel.locales
        if channel
        else tuple(loc.code for loc in _items(catalog.locales(), problems) if loc.enabled)
    )
    currencies = (
        channel.currencies
        if channel
        else tuple(c.code for c in _items(catalog.currencies(), problems) if c.enabled)
    )
    categories = tuple(_items(catalog.categories(), problems))
    if channel is not None:
        categories = subtree(categories, channel.category_tree)
    return AkeneoStructure(
        attributes=by_code,
        options=options,
        families=tuple(_items(catalog.families(), problems)),
        locales=tuple(locales),
        currencies=tuple(currencies),
        categories=categories,
        problems=tuple(problems),
    )


def subtree(categories: Iterable[Category], root: str) -> tuple[Category, ...]:
    """``root`` and its descendants, parents before children."""
    children: dict[str | None, list[Category]] = {}
    by_code = {}
    for category in categories:
        children.setdefault(category.parent, []).append(category)
        by_code[category.code] = category
    if root not in by_code:
        return ()
    ordered = [by_code[root]]
    for category in ordered:  # grows while it is walked: breadth first
        ordered.extend(children.get(category.code, ()))
    return tuple(ordered)


def _items(pages: Iterator[list[SourceRecord[T]]], problems: list[str]) -> list[T]:
    found = []
    for page in pages:
        for record in page:
            if record.data is not None:
                found.append(record.data)
            elif record.error:
                problems.append(record.error)
    return found


def _record_labels(values: Values) -> dict[str, str]:
    """A record's ``label`` values by locale (how Akeneo names a record)."""
    return {
        value.locale: value.data
        for value in values.for_attribute("label")
        if value.locale and isinstance(value.data, str)
    }
