"""Akeneo categories → SFCC categories and storefront category assignments (B6).

Category ids are Akeneo codes; a tree root hangs under SFCC's ``root``. Products are
assigned in the storefront (site) catalog: a simple product to its categories, a master
to its root model's; a variant only to the categories its models do not already have
(B5: assigned once, on the master), a variation group to none.
"""

from __future__ import annotations

from collections.abc import Collection

from pimsync.connectors.sfcc._model import SfccAssignment, SfccCategory
from pimsync.mapping._metadata import AkeneoMetadata
from pimsync.model import Category, Product, ProductModel

from ._config import SfccMapping, sfcc_locale

__all__ = ["assignments", "category"]


def category(cat: Category, mapping: SfccMapping) -> SfccCategory:
    """``cat`` as an online SFCC category, labelled per locale (``x-default``: the default
    locale's label, else the first one, else the code)."""
    labels = cat.labels
    names = {sfcc_locale(loc): labels[loc] for loc in mapping.locales if labels.get(loc)}
    fallback = labels.get(mapping.default) or next(iter(labels.values()), None) or cat.code
    return SfccCategory(
        category_id=cat.code,
        parent=cat.parent or "root",
        display_name={"x-default": fallback, **names},
        online=True,
        position=float(cat.position) if cat.position is not None else None,
        custom_attributes={"showInMenu": True} if mapping.category_show_in_menu else {},
    )


def assignments(
    record: Product | ProductModel,
    mapping: SfccMapping,
    *,
    catalog_categories: Collection[str],
    metadata: AkeneoMetadata | None = None,
    previous: Collection[str] = (),
) -> list[SfccAssignment]:
    """The storefront assignments of ``record`` to the categories in
    ``catalog_categories``, the first one primary (``primary_assignment``).

    ``metadata`` (its ``model_parents`` and ``model_categories``) lets a variant drop the
    categories of its models; ``previous`` — the categories SFCC holds the product in —
    gives a ``mode="delete"`` assignment for each one the product left, the only
    deletion the cartridge propagates. Raises nothing.
    """
    if isinstance(record, ProductModel):
        if record.parent is not None:
            return []  # a variation group: its master is assigned
        product_id = record.code
        categories: tuple[str, ...] = record.categories
    else:
        if not record.identifier:
            return []
        product_id = record.identifier
        categories = record.categories
        if record.parent is not None and metadata is not None:
            inherited = set(metadata.model_categories.get(record.parent, ()))
            root = metadata.model_parents.get(record.parent)
            if root is not None:
                inherited.update(metadata.model_categories.get(root, ()))
            categories = tuple(c for c in categories if c not in inherited)
    kept = [c for c in categories if c in catalog_categories]
    result = [
        SfccAssignment(
            product_id, code, primary=True if i == 0 and mapping.primary_assignment else None
        )
        for i, code in enumerate(kept)
    ]
    result += [
        SfccAssignment(product_id, code, mode="delete")
        for code in sorted(previous)
        if code not in kept
    ]
    return result
