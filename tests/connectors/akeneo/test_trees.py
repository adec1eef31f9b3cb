"""Product model trees read from the Akeneo sandbox over HTTP: root models with their
sub-models and variants, in full and differential reads. Expected trees come from the
sandbox's raw store (parent pointers)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pimsync.connectors.akeneo import AkeneoClient, AkeneoCredentials
from pimsync.connectors.akeneo._trees import AkeneoModelTreeSource, ModelTree
from pimsync.connectors.base import Window
from pimsync.sandbox.akeneo import AkeneoSandbox, serve


@pytest.fixture(scope="module")
def pim() -> AkeneoSandbox:
    return AkeneoSandbox.demo(products=60, seed=3)


@pytest.fixture(scope="module")
def client(pim: AkeneoSandbox) -> Iterator[AkeneoClient]:
    with serve(pim) as url:
        credentials = AkeneoCredentials.of("pimsync", "pimsync-secret", "admin", "admin")
        with AkeneoClient(url, credentials, page_size=3) as api:
            yield api


def expected_trees(pim: AkeneoSandbox) -> dict[str, tuple[set[str], set[str]]]:
    """root code → (sub-model codes, variant identifiers), from the raw store."""
    models = pim.store.product_models
    trees: dict[str, tuple[set[str], set[str]]] = {
        code: (set(), set()) for code, m in models.items() if not m.get("parent")
    }
    for code, model in models.items():
        if model.get("parent"):
            trees[model["parent"]][0].add(code)
    for product in pim.store.products.values():
        parent = product.get("parent")
        if parent:
            root = models[parent].get("parent") or parent
            trees[root][1].add(product["identifier"])
    return trees


def shape(tree: ModelTree) -> tuple[set[str], set[str]]:
    return {m.code for m in tree.sub_models}, {p.identifier or "" for p in tree.variants}


def test_a_full_read_gives_every_root_with_its_whole_tree(
    pim: AkeneoSandbox, client: AkeneoClient
) -> None:
    expected = expected_trees(pim)
    assert any(subs for subs, _ in expected.values())  # two-level models are covered
    source = AkeneoModelTreeSource(client, axes=("color", "size"))
    records = [r for page in source.extract(Window(since=None)) for r in page]
    got = {r.key: shape(r.data) for r in records if r.data is not None}
    assert got == expected
    one = next(r.data for r in records if r.data is not None and r.data.variants)
    assert all(set(p.values.by_attribute) <= {"color", "size"} for p in one.variants)


def test_a_differential_read_brings_the_trees_of_changed_variants(
    pim: AkeneoSandbox, client: AkeneoClient
) -> None:
    expected = expected_trees(pim)
    with_subs = next(code for code, (subs, _) in expected.items() if subs)
    plain = next(
        code for code, (subs, v) in expected.items() if not subs and v and code != with_subs
    )
    deep = next(
        p for p in pim.store.products.values()
        if p.get("parent") in expected[with_subs][0]
    )  # fmt: skip
    time.sleep(1.1)  # the read starts one second before the watermark
    since = pim.now()
    shallow = next(p for p in pim.store.products.values() if p.get("parent") == plain)
    pim.update_product(deep["uuid"], {"enabled": not deep["enabled"]})
    pim.update_product(shallow["uuid"], {"enabled": not shallow["enabled"]})
    source = AkeneoModelTreeSource(client)
    records = [r for page in source.extract(Window(since=since)) for r in page]
    assert sorted(r.key for r in records) == sorted([with_subs, plain])
    assert {r.key: shape(r.data) for r in records if r.data} == {
        with_subs: expected[with_subs],
        plain: expected[plain],
    }


def test_read_reports_a_missing_model_deleted(pim: AkeneoSandbox, client: AkeneoClient) -> None:
    root = next(iter(expected_trees(pim)))
    records = {r.key: r for r in AkeneoModelTreeSource(client).read([root, "no-such-model"])}
    assert records["no-such-model"].deleted
    assert records[root].data is not None and records[root].data.model.code == root
