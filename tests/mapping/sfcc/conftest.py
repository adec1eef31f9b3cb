"""The generated demo catalog as canonical records, its metadata, and the SFCC XSDs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pimsync.mapping import AkeneoMetadata
from pimsync.mapping.sfcc import SfccMapping
from pimsync.model import (
    Attribute,
    AttributeGroup,
    Category,
    Product,
    ProductModel,
    ReferenceEntity,
    ReferenceEntityRecord,
)
from pimsync.sandbox.akeneo._catalogs_api import store_metadata
from pimsync.sandbox.akeneo._demo import build_demo
from pimsync.sandbox.akeneo._enterprise import add_enterprise_entities
from pimsync.sandbox.akeneo._store import CatalogStore

# /work/shared/reference: "shared" sits beside the repository root.
XSD = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "sfcc" / "xsd"
).resolve()


@dataclass
class Demo:
    """The demo catalog read into canonical records, as the Akeneo readers give them."""

    store: CatalogStore
    metadata: AkeneoMetadata
    attributes: list[Attribute]
    groups: list[AttributeGroup]
    categories: list[Category]
    products: list[Product]
    models: list[ProductModel]
    entities: list[ReferenceEntity]
    records: list[ReferenceEntityRecord]


@pytest.fixture(scope="session")
def xsd_folder() -> Path:
    """The folder of SFCC's import schemas; tests using it skip when it is absent."""
    if not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC XSDs not found at {XSD} (../shared/reference absent)")
    return XSD


@pytest.fixture(scope="session")
def demo() -> Demo:
    store = CatalogStore()
    build_demo(store, products=120, seed=7)
    add_enterprise_entities(store)
    attributes = [Attribute.from_akeneo(a) for a in store.attributes.values()]
    categories = [Category.from_akeneo(c) for c in store.categories.values()]
    models = [ProductModel.from_akeneo(m) for m in store.product_models.values()]
    metadata = store_metadata(store)
    return Demo(
        store=store,
        metadata=metadata,
        attributes=attributes,
        groups=[AttributeGroup.from_akeneo(g) for g in store.attribute_groups.values()],
        categories=categories,
        products=[Product.from_akeneo(p) for p in store.products.values()],
        models=models,
        entities=[ReferenceEntity.from_akeneo(e) for e in store.reference_entities.values()],
        records=[
            ReferenceEntityRecord.from_akeneo(r, reference_entity=entity)
            for entity, records in store.records.items()
            for r in records.values()
        ],
    )


@pytest.fixture(scope="session")
def mapping(demo: Demo) -> SfccMapping:
    return SfccMapping(channel="ecommerce", default_locale="en_US").check(demo.metadata)
