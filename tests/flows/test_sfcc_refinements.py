"""Job 6 end to end: a merchant's search refinements, set on the SFCC sandbox, saved in
the hub from an export of the storefront catalog, and kept or restored by the
storefront import."""

from __future__ import annotations

from pimsync.runners._sfcc_refinements import saved_refinements
from pimsync.sandbox.sfcc import Refinement
from tests.flows.test_sfcc_chain import (
    STOREFRONT,
    Systems,
    systems,  # noqa: F401 - the sandboxes' fixture
)

STOREFRONT_JOB = ("3-2-4-full-import-storefront", "sfcc.full-import-storefront")
SAVE_JOB = ("6-save-catalog-refinements", "sfcc.save-catalog-refinements")
SIZE = Refinement(
    type="attribute",
    attribute_id="akeneo_size",
    bucket_type="values",
    display_names=(("x-default", "Size"), ("fr-FR", "Taille")),
    sort_mode="value-name",
    cutoff_threshold=8,
)
COLOR = Refinement(type="attribute", attribute_id="akeneo_color", sort_mode="value-count")


def leaves(s: Systems) -> list[str]:
    """Categories without children, in code order."""
    categories = s.store.categories
    parents = {c.get("parent") for c in categories.values()}
    return sorted(code for code in categories if code not in parents)


def rename(s: Systems, code: str, label: str) -> None:
    s.store.categories[code]["labels"]["en_US"] = label


def test_refinements_saved_by_job_6_survive_storefront_imports(systems: Systems) -> None:  # noqa: F811
    instance = systems.shop.instance
    systems.run(*STOREFRONT_JOB)
    edited, unsaved = leaves(systems)[:2]
    instance.set_refinements(STOREFRONT, edited, [SIZE])

    # Job 6 reads the catalog back from the instance and keeps the merchant's block.
    report = systems.run(*SAVE_JOB)
    assert report.streams["refinements"].created == 1
    assert any("saved the refinements of 1 category" in note for note in report.notes)
    hub = saved_refinements(systems.db, "shop", STOREFRONT)
    assert set(hub) == {edited}
    assert 'attribute-id="akeneo_size"' in hub[edited] and "Taille" in hub[edited]
    left = [name for name, _ in systems.shop.files.children("Impex/src/instance")]
    assert not [name for name in left if "export" in name]  # the export was removed
    # Nothing changed on the instance: the next run saves nothing again.
    again = systems.run(*SAVE_JOB)
    assert again.streams["refinements"].unchanged == 1
    assert again.streams["refinements"].created == again.streams["refinements"].updated == 0

    # A refinement edited after job 6 ran, on a category without saved ones: the
    # storefront import sends no refinements for it, so the instance keeps them.
    instance.set_refinements(STOREFRONT, unsaved, [COLOR])
    rename(systems, unsaved, "Renamed in Akeneo")
    systems.run(*STOREFRONT_JOB)
    assert instance.refinements(STOREFRONT, edited) == [SIZE]
    assert instance.refinements(STOREFRONT, unsaved) == [COLOR]

    # Refinements lost on the instance come back from the hub with the next write.
    instance.set_refinements(STOREFRONT, edited, [])
    rename(systems, edited, "Renamed too")
    systems.run(*STOREFRONT_JOB)
    assert instance.refinements(STOREFRONT, edited) == [SIZE]

    # A category pimsync deletes and creates again gets them back as well.
    record = systems.store.categories.pop(edited)
    systems.run(*STOREFRONT_JOB)
    assert edited not in instance.categories(STOREFRONT)
    systems.store.categories[edited] = record
    systems.run(*STOREFRONT_JOB)
    assert edited in instance.categories(STOREFRONT)
    assert instance.refinements(STOREFRONT, edited) == [SIZE]


def test_refinements_the_merchant_removed_leave_the_hub(systems: Systems) -> None:  # noqa: F811
    instance = systems.shop.instance
    systems.run(*STOREFRONT_JOB)
    edited = leaves(systems)[0]
    instance.set_refinements(STOREFRONT, edited, [SIZE])
    systems.run(*SAVE_JOB)
    assert set(saved_refinements(systems.db, "shop", STOREFRONT)) == {edited}

    # Removed in Business Manager: the export shows the category without any.
    category = instance.catalogs[STOREFRONT].categories[edited]
    category.refinements = None
    report = systems.run(*SAVE_JOB)
    assert report.streams["refinements"].deleted == 1
    assert saved_refinements(systems.db, "shop", STOREFRONT) == {}
    # The storefront import then sends none: nothing comes back.
    rename(systems, edited, "Renamed in Akeneo")
    systems.run(*STOREFRONT_JOB)
    assert instance.refinements(STOREFRONT, edited) is None
