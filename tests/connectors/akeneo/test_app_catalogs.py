"""Catalogs for Apps through pimsync's client and source, against the sandbox over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from pimsync.connectors.akeneo import (
    AkeneoAppCatalogs,
    AkeneoAppClient,
    AkeneoCatalogProductSource,
    CatalogDisabled,
)
from pimsync.connectors.base import Window
from pimsync.errors import ConfigError
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from tests.sandbox._apps import CALLBACK, app_token

FAMILIES = ["chairs", "tshirts", "shoes"]
CRITERIA = [
    {"field": "enabled", "operator": "=", "value": True},
    {"field": "family", "operator": "IN", "value": FAMILIES},
]
READ = "read_products read_catalogs"
ALL = "read_products read_catalogs write_catalogs delete_catalogs"


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=80, seed=3)


@pytest.fixture(scope="module")
def base_url(pim: AkeneoSandbox) -> Iterator[str]:
    with serve(pim) as url:
        yield url


def app(pim: AkeneoSandbox, base_url: str, scope: str = ALL, page_size: int = 7) -> AkeneoAppClient:
    """A client holding the token of a freshly activated App (pages of ``page_size``)."""
    registered = pim.register_app(CALLBACK)
    token = app_token(base_url, registered, scope)
    client = AkeneoAppClient(base_url, token, page_size=page_size)
    OWNERS[id(client)] = registered.client_id
    return client


OWNERS: dict[int, str] = {}  # id of a client → its App's client id


def in_families(pim: AkeneoSandbox, families: list[str]) -> list[str]:
    """The uuids the catalog should select, from the raw store."""
    return sorted(
        u for u, p in pim.store.products.items() if p["family"] in families and p["enabled"]
    )


def enabled_catalog(pim: AkeneoSandbox, client: AkeneoAppClient, name: str = "Web") -> str:
    created = AkeneoAppCatalogs(client).create(name)
    pim.catalogs_api.configure(created.id, criteria=CRITERIA, enabled=True)
    return created.id


def test_create_list_and_get(pim: AkeneoSandbox, base_url: str) -> None:
    with app(pim, base_url) as client:
        catalogs = AkeneoAppCatalogs(client)
        created = catalogs.create("Store FR")
        assert (created.name, created.enabled) == ("Store FR", False)
        assert catalogs.list() == [created]
        assert catalogs.get(created.id) == created
        assert catalogs.page_of(created.id) == f"{base_url}/connect/apps/v1/catalogs/{created.id}"


def test_products_follow_next_links_across_pages(pim: AkeneoSandbox, base_url: str) -> None:
    with app(pim, base_url) as client:
        catalog_id = enabled_catalog(pim, client)
        pages = list(AkeneoAppCatalogs(client).products(catalog_id))
        expected = in_families(pim, FAMILIES)
        assert len(expected) > 14  # at least three pages of 7
        assert len(pages) == len(expected) // 7 + 1
        assert [item["uuid"] for page in pages for item in page.items] == expected
        uuids = AkeneoAppCatalogs(client).product_uuids(catalog_id)
        assert [u for page in uuids for u in page.items] == expected


def test_updated_after_narrows_to_changed_products(pim: AkeneoSandbox, base_url: str) -> None:
    with app(pim, base_url) as client:
        catalog_id = enabled_catalog(pim, client)
        since = pim.now() - timedelta(seconds=1)  # Akeneo compares whole seconds
        changed = in_families(pim, FAMILIES)[3]
        pim.update_product(changed, {"categories": ["master"]})
        pages = AkeneoAppCatalogs(client).products(catalog_id, updated_after=since)
        assert [item["uuid"] for page in pages for item in page.items] == [changed]


def test_a_disabled_catalog_is_an_error_not_an_empty_page(
    pim: AkeneoSandbox, base_url: str
) -> None:
    with app(pim, base_url) as client:
        catalogs = AkeneoAppCatalogs(client)
        catalog_id = catalogs.create("Off").id
        for read in (catalogs.products, catalogs.product_uuids):
            with pytest.raises(CatalogDisabled) as disabled:
                list(read(catalog_id))
            assert f"{base_url}/connect/apps/v1/catalogs/{catalog_id}" in str(disabled.value)
            assert "disabled on the PIM side" in str(disabled.value)
        with pytest.raises(CatalogDisabled):
            catalogs.product(catalog_id, next(iter(pim.store.products)))


def test_an_unknown_or_another_apps_catalog_names_the_id(pim: AkeneoSandbox, base_url: str) -> None:
    with app(pim, base_url) as owner, app(pim, base_url) as other:
        catalog_id = enabled_catalog(pim, owner)
        for missing in (catalog_id, "0b0f6c1c-7d66-4cbb-9d6a-1f5e1d9d0c11"):
            with pytest.raises(ConfigError, match="akeneo_catalog") as refused:
                list(AkeneoAppCatalogs(other).products(missing))
            assert missing in str(refused.value)
            assert "another App" in str(refused.value)
            with pytest.raises(ConfigError, match=missing):
                AkeneoAppCatalogs(other).get(missing)


@pytest.mark.parametrize(
    ("scope", "call", "needed"),
    [
        ("read_products", "list", "read_catalogs"),
        ("read_catalogs", "products", "read_products"),
        (READ, "create", "write_catalogs"),
    ],
)
def test_a_missing_scope_names_it_and_asks_for_a_new_activation(
    pim: AkeneoSandbox, base_url: str, scope: str, call: str, needed: str
) -> None:
    with app(pim, base_url, scope) as client:
        catalog_id = enabled_catalog_of(pim, client)  # its own: only the scope is missing
        catalogs = AkeneoAppCatalogs(client)
        calls: dict[str, Callable[[], Any]] = {
            "list": catalogs.list,
            "products": lambda: list(catalogs.products(catalog_id)),
            "create": lambda: catalogs.create("Nope"),
        }
        with pytest.raises(ConfigError) as refused:
            calls[call]()
    assert f"scope {needed}" in str(refused.value)
    assert "activate the App again" in str(refused.value)


def enabled_catalog_of(pim: AkeneoSandbox, client: AkeneoAppClient) -> str:
    """A catalog owned by ``client``'s App, made as a PIM admin would (no write scope)."""
    catalog = pim.catalogs_api.create(OWNERS[id(client)], "Given")
    pim.catalogs_api.configure(catalog.id, criteria=CRITERIA, enabled=True)
    return catalog.id


def test_the_source_reads_products_and_reports_leavers_deleted(
    pim: AkeneoSandbox, base_url: str
) -> None:
    # read_catalog_structure: the source finds the identifier attribute.
    with app(pim, base_url, f"{READ} read_catalog_structure") as client:
        catalog_id = enabled_catalog_of(pim, client)
        source = AkeneoCatalogProductSource(client, catalog_id)
        full = [r for page in source.extract(Window(since=None)) for r in page]
        expected = in_families(pim, FAMILIES)
        assert [r.key for r in full] == expected
        assert all(r.data is not None and r.data.identifier for r in full)
        raw = pim.store.products[expected[0]]
        assert full[0].data is not None and full[0].data.identifier == raw["identifier"]

        # The source reads from one second before the watermark: let earlier tests'
        # changes fall out of that second first.
        time.sleep(1.1)
        since = pim.now()
        leaver, stayer = expected[1], expected[2]
        outsider = next(u for u in pim.store.products if u not in expected)
        pim.update_product(leaver, {"enabled": False})
        pim.update_product(stayer, {"categories": ["master"]})
        pim.update_product(outsider, {"categories": ["master"]})
        diff = [r for page in source.extract(Window(since=since)) for r in page]
        assert sorted((r.key, r.deleted) for r in diff) == sorted(
            [(stayer, False), (leaver, True), (outsider, True)]
        )

        read = {r.key: r for r in source.read([stayer, leaver])}
        assert not read[stayer].deleted and read[stayer].data is not None
        assert read[leaver].deleted
