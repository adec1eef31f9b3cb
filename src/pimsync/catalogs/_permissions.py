"""Per-destination permissions: the category trees, locales and attribute groups it may get.

They mirror Akeneo Enterprise's permissions for apps (View on categories, locales and
attribute groups): a product is visible when it is unclassified or has a category in a
permitted tree; values of a locale or attribute group that is not permitted are absent.
On each dimension ``None`` means no restriction and an empty list means nothing of it
(unclassified products stay visible whatever the trees, as in Akeneo).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from pimsync.catalogs._match import criterion_matches
from pimsync.catalogs._spec import Criterion
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoMetadata
from pimsync.model import Product, ProductModel, Values

__all__ = [
    "Permissions",
    "PermittedTrees",
    "PermittedValues",
    "check_permissions",
    "permission_problems",
    "tree_criterion",
]

_IDENTIFIER = "pim_catalog_identifier"


class Permissions(BaseModel):
    """What one destination may receive; a dimension left out (None) is not restricted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category_trees: tuple[str, ...] | None = None
    locales: tuple[str, ...] | None = None
    attribute_groups: tuple[str, ...] | None = None

    @property
    def restricts_values(self) -> bool:
        """Whether some values may have to be removed."""
        return self.locales is not None or self.attribute_groups is not None


def check_permissions(
    permissions: Permissions, metadata: AkeneoMetadata, attribute_groups: Iterable[str] = ()
) -> None:
    """Raise :class:`ConfigError` naming every tree (root category), enabled locale or
    attribute group (among ``attribute_groups``, Akeneo's) that ``permissions`` names and
    Akeneo lacks."""
    problems = permission_problems(permissions, metadata, attribute_groups)
    if problems:
        raise ConfigError("; ".join(m for found in problems.values() for m in found))


def permission_problems(
    permissions: Permissions, metadata: AkeneoMetadata, attribute_groups: Iterable[str] = ()
) -> dict[str, list[str]]:
    """What :func:`check_permissions` refuses, by dimension (``category_trees``,
    ``locales``, ``attribute_groups``), so a form can show each problem at its field; a
    dimension without problem is left out."""
    roots = {code for code, parent in metadata.categories.items() if parent is None}
    groups = set(attribute_groups)
    found = {
        "category_trees": [
            f"unknown category tree {code!r}"
            + (" (a category, but not the root of a tree)" if code in metadata.categories else "")
            for code in permissions.category_trees or ()
            if code not in roots
        ],
        "locales": [
            f"unknown or disabled locale {code!r}"
            for code in permissions.locales or ()
            if code not in metadata.locales
        ],
        "attribute_groups": [
            f"unknown attribute group {code!r}"
            for code in permissions.attribute_groups or ()
            if code not in groups
        ],
    }
    return {dimension: messages for dimension, messages in found.items() if messages}


def tree_criterion(permissions: Permissions, metadata: AkeneoMetadata) -> Criterion | None:
    """The product criterion for the permitted trees: in one of their categories, or
    unclassified (``None`` when the trees are not restricted)."""
    if permissions.category_trees is None:
        return None
    codes = sorted(_in_trees(metadata.categories, set(permissions.category_trees)))
    if not codes:
        return Criterion(field="categories", operator="UNCLASSIFIED")
    return Criterion(field="categories", operator="IN OR UNCLASSIFIED", value=tuple(codes))


def _in_trees(parents: Mapping[str, str | None], trees: set[str]) -> set[str]:
    """Every category whose root is one of ``trees``."""
    roots: dict[str, str] = {}

    def root(code: str) -> str:
        seen: list[str] = []
        while code not in roots:
            parent = parents.get(code)
            if parent is None or parent in seen or len(seen) > len(parents):
                roots[code] = code
                break
            seen.append(code)
            code = parent
        for step in seen:
            roots[step] = roots[code]
        return roots[code]

    return {code for code in parents if root(code) in trees}


@dataclasses.dataclass(frozen=True, slots=True)
class PermittedTrees:
    """Whether a record is in a permitted tree (``criterion``, see :func:`tree_criterion`).

    A variant product is permitted only when its root model is too: the destination
    cannot hold a variant without the product that groups its variants.
    """

    criterion: Criterion
    metadata: AkeneoMetadata

    def _in(self, code: str, categories: tuple[str, ...]) -> bool:
        stand_in = Product(identifier=code, categories=categories)
        return criterion_matches(self.criterion, stand_in, self.metadata)

    def model(self, model: ProductModel) -> bool:
        """Whether a root model may be sent (its own categories)."""
        return self._in(model.code, model.categories)

    def product(self, product: Product) -> bool:
        """Whether a product may be sent (its categories, and its root model's)."""
        if not self._in(product.identifier or "", product.categories):
            return False
        root = product.parent
        parents = self.metadata.model_parents
        for _ in range(len(parents)):  # bounded: a cycle in broken data cannot loop
            parent = parents.get(root) if root is not None else None
            if parent is None:
                break
            root = parent
        if root is None:
            return True
        return self._in(root, tuple(self.metadata.model_categories.get(root, ())))


@dataclasses.dataclass(frozen=True, slots=True)
class PermittedValues:
    """Removes the values of locales and attribute groups a destination may not receive.

    The identifier attribute's values are always kept: a product must keep its SKU. An
    attribute ``metadata`` does not know has no known group, so it is removed when the
    groups are restricted.
    """

    permissions: Permissions
    metadata: AkeneoMetadata

    def values(self, values: Values) -> Values:
        locales = self.permissions.locales
        groups = self.permissions.attribute_groups
        attributes = self.metadata.attributes
        kept = []
        for value in values:
            attribute = attributes.get(value.attribute)
            if attribute is not None and attribute.type == _IDENTIFIER:
                kept.append(value)
                continue
            if locales is not None and value.locale is not None and value.locale not in locales:
                continue
            if groups is not None and (attribute is None or attribute.group not in groups):
                continue
            kept.append(value)
        return Values.of(kept)

    def product(self, product: Product) -> Product:
        """``product`` without the values it may not carry."""
        return dataclasses.replace(product, values=self.values(product.values))

    def model(self, model: ProductModel) -> ProductModel:
        """``model`` without the values it may not carry."""
        return dataclasses.replace(model, values=self.values(model.values))
