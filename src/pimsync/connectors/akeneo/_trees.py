"""Product model trees: a root model with its sub-models and variant products.

Destinations that describe a configurable product in one place (an SFCC variation
master lists its variation attributes, variants and variation groups) need the whole
tree at once. :class:`AkeneoModelTreeSource` reads root models a page at a time and, for
each page, their sub-models and variants with two searches (``parent IN``). Variants are
read with only the ``attributes`` given (the variation axes), since their own values
travel with the products.

A differential read finds the trees that changed: root models updated since the
watermark, and the roots of the sub-models and variants updated since. A variant that
moved, appeared or changed an axis value thus brings its master again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pimsync.connectors.base import SourceRecord, Window
from pimsync.model import Product, ProductModel

from ._client import AkeneoClient
from ._readers import AkeneoCatalog
from ._search import ProductSearch

__all__ = ["AkeneoModelTreeSource", "ModelTree"]

_SECOND = timedelta(seconds=1)
_BATCH = 100  # codes per "IN" condition


@dataclass(frozen=True, slots=True)
class ModelTree:
    """A root product model, its sub-models and its variant products (any level)."""

    model: ProductModel
    sub_models: tuple[ProductModel, ...] = ()
    variants: tuple[Product, ...] = ()


def _chunks(codes: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(codes), _BATCH):
        yield list(codes[start : start + _BATCH])


class AkeneoModelTreeSource:
    """Root product models as :class:`ModelTree` records, keyed by model code.

    ``families`` narrows the models read; ``axes`` are the attributes read on variants.
    """

    def __init__(
        self,
        client: AkeneoClient,
        *,
        families: Sequence[str] = (),
        axes: Sequence[str] = (),
        legacy: bool = False,
    ) -> None:
        self.client = client
        self.catalog = AkeneoCatalog(client)
        self.families = tuple(families)
        self.axes = tuple(dict.fromkeys(axes))
        self.legacy = legacy

    def clock(self) -> datetime:
        return self.client.server_time()

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[ModelTree]]]:
        """Pages of trees changed after ``window.since`` (all of them without it)."""
        if window.since is None:
            for page in self.catalog.product_models(ProductSearch(families=self.families)):
                roots = [r.data for r in page if r.data is not None and r.data.is_root]
                broken: list[SourceRecord[ModelTree]] = [
                    SourceRecord(r.key, None, error=r.error) for r in page if r.error is not None
                ]
                yield [*broken, *self._trees(roots)]
            return
        since = window.since - _SECOND
        codes = self._changed_roots(since)
        for chunk in _chunks(sorted(codes)):
            yield list(self.read(chunk))

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[ModelTree]]:
        """The trees of root models ``keys``; a model that is gone (or no longer a root,
        or outside ``families``) is reported deleted."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, ProductModel] = {}
        for chunk in _chunks(wanted):
            search = self._models(extra={"identifier": [{"operator": "IN", "value": chunk}]})
            for page in self.catalog.product_models(search):
                found.update((r.data.code, r.data) for r in page if r.data is not None)
        roots = [m for code in wanted if (m := found.get(code)) is not None and m.is_root]
        trees = {r.key: r for r in self._trees(roots)}
        for code in wanted:
            yield trees.get(code) or SourceRecord(code, None, deleted=True)

    # -- helpers -------------------------------------------------------------------

    def _models(self, **changes: object) -> ProductSearch:
        return ProductSearch(families=self.families).where(**changes)

    def _trees(self, roots: Sequence[ProductModel]) -> list[SourceRecord[ModelTree]]:
        """Each root with its sub-models and variants (two searches per 100 roots)."""
        if not roots:
            return []
        codes = [m.code for m in roots]
        subs: dict[str, list[ProductModel]] = {}
        sub_root: dict[str, str] = {}
        for chunk in _chunks(codes):
            parent = {"parent": [{"operator": "IN", "value": chunk}]}
            for page in self.catalog.product_models(ProductSearch(extra=parent)):
                for record in page:
                    model = record.data
                    if model is not None and model.parent is not None:
                        subs.setdefault(model.parent, []).append(model)
                        sub_root[model.code] = model.parent
        variants: dict[str, dict[str, Product]] = {}
        parents = [*codes, *sub_root]
        for chunk in _chunks(parents):
            search = ProductSearch(
                attributes=self.axes, extra={"parent": [{"operator": "IN", "value": chunk}]}
            )
            for products in self.catalog.products(search, legacy=self.legacy):
                for found in products:
                    product = found.data
                    if product is None or product.parent is None:
                        continue
                    root = sub_root.get(product.parent, product.parent)
                    variants.setdefault(root, {})[found.key] = product
        return [
            SourceRecord(
                m.code,
                ModelTree(
                    m,
                    tuple(sorted(subs.get(m.code, ()), key=lambda s: s.code)),
                    tuple(sorted(variants.get(m.code, {}).values(), key=_product_key)),
                ),
            )
            for m in roots
        ]

    def _changed_roots(self, since: datetime) -> set[str]:
        """Codes of the root models whose tree changed after ``since``."""
        roots: set[str] = set()
        parents: set[str] = set()
        changed = self._models(updated_after=since)
        for page in self.catalog.product_models(changed):
            for record in page:
                model = record.data
                if model is None:
                    continue
                roots.add(model.parent if model.parent is not None else model.code)
        moved = ProductSearch(
            updated_after=since,
            attributes=self.axes,
            extra={"parent": [{"operator": "NOT EMPTY"}]},
        )
        for products in self.catalog.products(moved, legacy=self.legacy):
            parents.update(p.data.parent for p in products if p.data is not None and p.data.parent)
        return roots | self._roots_of(parents - roots)

    def _roots_of(self, codes: Iterable[str]) -> set[str]:
        """The root model of each model code (itself for a root)."""
        found: set[str] = set()
        for chunk in _chunks(sorted(codes)):
            search = ProductSearch(extra={"identifier": [{"operator": "IN", "value": chunk}]})
            for page in self.catalog.product_models(search):
                for record in page:
                    model = record.data
                    if model is not None:
                        found.add(model.parent if model.parent is not None else model.code)
        return found


def _product_key(product: Product) -> str:
    return product.identifier or product.uuid or ""
