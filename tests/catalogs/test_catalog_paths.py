"""Both ways of reading a catalog's products must select the same products.

For random criteria, an Akeneo catalog (Catalogs for Apps) configured with them is read
through :class:`AkeneoCatalogProductSource`, and the same criteria are pushed down to
the REST search of :class:`AkeneoProductSource` with the residual checked locally. Both
read the same sandbox PIM over HTTP, with the same App token.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimsync.catalogs import CatalogSpec, Criterion, matches, push_down
from pimsync.connectors.akeneo import (
    AkeneoAppClient,
    AkeneoCatalogProductSource,
    AkeneoProductSource,
)
from pimsync.connectors.base import Window
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from tests.catalogs.test_pushdown import CRITERIA, METADATA, REQUIREMENTS, _sandbox
from tests.sandbox._apps import CALLBACK, app_token

SCOPES = "read_products read_catalogs read_catalog_structure"


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    # The varied 60-product demo the push-down tests generate their criteria for.
    return _sandbox()


@pytest.fixture(scope="module")
def client(pim: AkeneoSandbox) -> Iterator[tuple[AkeneoAppClient, str]]:
    """An App client (pages of 25) and the id of a catalog its App owns."""
    with serve(pim) as url:
        app = pim.register_app(CALLBACK)
        token = app_token(url, app, SCOPES)
        catalog = pim.catalogs_api.create(app.client_id, "Property")
        with AkeneoAppClient(url, token, page_size=25) as akeneo:
            yield akeneo, catalog.id


def through_the_catalog(akeneo: AkeneoAppClient, catalog_id: str) -> set[str]:
    source = AkeneoCatalogProductSource(akeneo, catalog_id, identifier_attribute="sku")
    return {r.key for page in source.extract(Window(since=None)) for r in page if r.data}


def pushed_down(akeneo: AkeneoAppClient, spec: CatalogSpec) -> set[str]:
    search, residual = push_down(spec, METADATA)
    local = CatalogSpec(criteria=residual)
    source = AkeneoProductSource(akeneo, search=search)
    return {
        r.key
        for page in source.extract(Window(since=None))
        for r in page
        if r.data is not None and matches(local, r.data, METADATA, requirements=REQUIREMENTS)
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CRITERIA, max_size=4).map(tuple))
def test_an_akeneo_catalog_and_push_down_select_the_same_products(
    pim: AkeneoSandbox, client: tuple[AkeneoAppClient, str], criteria: tuple[Criterion, ...]
) -> None:
    akeneo, catalog_id = client
    pim.catalogs_api.configure(
        catalog_id, criteria=[c.model_dump(mode="json") for c in criteria], enabled=True
    )
    spec = CatalogSpec(criteria=criteria)
    assert through_the_catalog(akeneo, catalog_id) == pushed_down(akeneo, spec)


def test_the_two_paths_agree_on_a_catalog_that_selects_some(
    pim: AkeneoSandbox, client: tuple[AkeneoAppClient, str]
) -> None:
    # Guards the property test against two reads that both return nothing.
    akeneo, catalog_id = client
    criteria = (
        Criterion(field="enabled", operator="=", value=True),
        Criterion(field="color", operator="NOT IN", value=("black",)),
    )
    pim.catalogs_api.configure(
        catalog_id, criteria=[c.model_dump(mode="json") for c in criteria], enabled=True
    )
    found = through_the_catalog(akeneo, catalog_id)
    assert 0 < len(found) < len(pim.store.products)
    assert found == pushed_down(akeneo, CatalogSpec(criteria=criteria))
