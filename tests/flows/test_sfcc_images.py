"""Images end to end: the binaries the master catalog references reach the instance's
static folder with the bytes Akeneo serves, asset collections become image groups, and
with ``image_base_url`` the catalog points at an external location instead."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pimsync.jobs import JobEngine, Mode, RunStatus
from pimsync.runners.flows import Endpoint
from pimsync.state._runs import list_items
from tests.flows.test_sfcc_chain import (
    MASTER,
    Systems,
    systems,  # noqa: F401 - the sandboxes' fixture
)

FULL_MASTER = ("3-2-1-full-import-master", "sfcc.full-import-master")
IMAGES = ("3-2-3-full-master-image", "sfcc.full-master-image")


def referenced(s: Systems) -> set[str]:
    """Every image path of the instance's master catalog."""
    instance = s.shop.instance
    return {
        path
        for product_id in instance.products(MASTER)
        for group in (instance.product(MASTER, product_id) or _none()).images
        for path in group.images
    }


def _none() -> object:
    raise AssertionError("a listed product is missing")


def test_the_master_import_sends_every_referenced_image_once(systems: Systems) -> None:  # noqa: F811
    store, instance = systems.store, systems.shop.instance
    broken = next(p for p in store.products.values() if p["values"].get("picture"))["identifier"]
    systems.pim.update_product(broken, {"values": {"picture": [
        {"locale": None, "scope": None, "data": "0/0/0/0/gone.png"}]}})  # fmt: skip

    report = JobEngine(systems.db).run(systems.job(*FULL_MASTER), Mode.FULL)

    assert report.status is RunStatus.PARTIAL, report.error
    assert report.streams["products"].rejected == 1
    with systems.db.connect() as conn:
        messages = [i.message or "" for i in list_items(conn, report.run_id) if i.message]
    assert any("0/0/0/0/gone.png" in m and "does not serve" in m for m in messages), messages
    assert broken not in instance.products(MASTER)
    paths = referenced(systems)
    assert paths and "0/0/0/0/gone.png" not in paths
    for path in paths:
        assert instance.static(MASTER, path) == store.media_files[path].content, path
    assert set(instance.static_paths(MASTER)) == paths  # nothing unreferenced


def test_images_split_over_archives_still_reach_the_static_folder(systems: Systems) -> None:  # noqa: F811
    settings = systems.destination.settings.model_copy(update={"max_archive_mb": 0.01})
    systems.destination = dataclasses.replace(systems.destination, settings=settings)
    report = systems.run(*IMAGES)
    assert sum("SFCC: imported" in note for note in report.notes) > 1, report.notes
    paths = referenced(systems)
    assert paths
    for path in paths:
        assert systems.shop.instance.static(MASTER, path) == systems.store.media_files[path].content


def test_asset_collections_become_image_groups(systems: Systems) -> None:  # noqa: F811
    store = systems.store
    store.attributes["packshots"] = {
        "code": "packshots",
        "type": "pim_catalog_asset_collection",
        "group": next(iter(store.attributes.values()))["group"],
        "reference_data_name": "packshots",
        "localizable": False,
        "scopable": False,
        "labels": {"en_US": "Packshots"},
    }
    simple = sorted(p["identifier"] for p in store.products.values() if not p.get("parent"))[0]
    listed = ["packshots_2", "packshots_1", "nope"]  # "nope" is no asset: left out
    systems.pim.update_product(simple, {"values": {"packshots": [
        {"locale": None, "scope": None, "data": listed}]}})  # fmt: skip
    mapping = {"asset_images": [{"attribute": "packshots", "view_type": "small"}]}

    report = JobEngine(systems.db).run(systems.job(*IMAGES, mapping=mapping), Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error

    found = systems.shop.instance.product(MASTER, simple)
    assert found is not None
    small = [g for g in found.images if g.view_type == "small"]
    assert [g.images for g in small] == [["assets/packshots/2.png", "assets/packshots/1.png"]]
    for code in ("packshots/1.png", "packshots/2.png"):
        content = systems.shop.instance.static(MASTER, f"assets/{code}")
        assert content == store.asset_media_files[code].content


def test_an_image_base_url_sends_no_binary(systems: Systems, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "out"
    settings = systems.destination.settings.model_copy(
        update={
            "image_base_url": "https://cdn.example.com/pim",
            "deliver": False,
            "output_dir": out,
        }
    )
    systems.destination = Endpoint("shop", "sfcc", settings, systems.destination.secrets)
    systems.run(*IMAGES)
    catalogs = list(out.glob(f"*/catalogs/{MASTER}/catalog.xml"))
    assert len(catalogs) == 1
    xml = catalogs[0].read_text(encoding="utf-8")
    assert "<http-url>https://cdn.example.com/pim</http-url>" in xml
    assert "internal-location" not in xml and "<image path=" in xml
    assert not list(out.rglob("static"))
