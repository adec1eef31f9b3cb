"""Akeneo → OroCommerce end to end: both sandboxes over HTTP, the structure and products jobs.

Expected values are read from the Akeneo sandbox's own records (the raw catalog), never
from what pimsync mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, Mode, RunStatus
from pimsync.mapping import option_id
from pimsync.state import create_state_engine, upgrade
from pimsync.state._runs import list_failed
from tests.flows._oro_systems import Systems, oro_systems

PRODUCTS = 90


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Systems]:
    """The demo catalog in Akeneo, an Oro with the companion config, a state store."""
    with oro_systems(tmp_path, products=PRODUCTS) as systems:
        yield systems


def _ready(s: Systems) -> None:
    """Structure job: refused until the admin imports the attributes, then in step."""
    first = s.run("oro.structure", "structure")
    assert first.status is RunStatus.PARTIAL
    assert first.streams["structure"].rejected == 1
    s.admin_imports_attributes()
    second = s.run("oro.structure", "structure")
    assert second.status is RunStatus.SUCCEEDED, second.error


def _value(raw: dict[str, Any], attribute: str, locale: str | None = None) -> Any:
    for entry in raw["values"].get(attribute, []):
        if entry["locale"] == locale:
            return entry["data"]
    return None


def _localization_ids(s: Systems) -> dict[str, str]:
    return {r["attributes"]["name"]: r["id"] for r in s.shop.store.all("localizations")}


def _root(s: Systems, model: str) -> str:
    parent = s.pim.store.product_models[model]["parent"]
    return model if parent is None else _root(s, parent)


def _deepest_title(s: Systems, codes: list[str]) -> str | None:
    in_tree = [c for c in codes if _tree_of(s, c) == "master" and c != "master"]
    if not in_tree:
        return None
    deepest = max(in_tree, key=lambda c: _depth(s, c))
    label: str = s.pim.store.categories[deepest]["labels"]["en_US"]
    return label


def _tree_of(s: Systems, code: str) -> str:
    parent = s.pim.store.categories[code]["parent"]
    return code if parent is None else _tree_of(s, parent)


def _depth(s: Systems, code: str) -> int:
    parent = s.pim.store.categories[code]["parent"]
    return 0 if parent is None else 1 + _depth(s, parent)


def _check_product(s: Systems, sku: str) -> None:
    raw = s.pim.store.product(sku)
    assert raw is not None
    stored = s.shop.product_by_sku(sku)
    assert stored is not None, sku
    attributes, links = stored["attributes"], stored["relationships"]
    assert attributes["status"] == ("enabled" if raw["enabled"] else "disabled")
    locs = _localization_ids(s)
    names = s.shop.product_names(stored["id"])
    assert names[None] == _value(raw, "name", "en_US")
    for locale in ("en_US", "fr_FR", "de_DE"):
        assert names[locs[locale]] == _value(raw, "name", locale)
    # prices: one per configured currency, on the "Akeneo <currency>" price lists
    lists = {r["id"]: r["attributes"]["name"] for r in s.shop.store.all("pricelists")}
    expected_prices = {
        p["currency"]: Decimal(p["amount"])
        for p in _value(raw, "price") or []
        if p["currency"] in ("EUR", "USD")
    }
    got = {
        row["currency"]: (Decimal(str(row["value"])), lists[row["price_list"]])
        for row in s.shop.product_prices(sku)
    }
    assert got == {c: (v, f"Akeneo {c}") for c, v in expected_prices.items()}
    # image: the family's image attribute as main + listing, file named after the media
    picture = _value(raw, "picture")
    images = s.shop.product_images(sku)
    if picture is None:
        assert images == []
    else:
        assert [(i["filename"], i["types"]) for i in images] == [
            (picture.rsplit("/", 1)[-1], ["listing", "main"])
        ]
        assert images[0]["size"] == len(s.pim.store.media_files[picture].content)
    # category: the deepest category of the channel's tree, by its Akeneo label
    category = links.get("category")
    title = _deepest_title(s, raw["categories"])
    titles = s.shop.category_titles()
    assert (titles[category["id"]] if category else None) == title  # None: unclassified
    # brand: the Oro brand whose externalId is the Akeneo option code
    brand = links.get("brand")
    assert brand is not None
    stored_brand = s.shop.get("brands", brand["id"])
    assert stored_brand is not None
    assert stored_brand["attributes"]["externalId"] == _value(raw, "brand")
    # custom attributes through the mapping
    assert links["color"]["id"] == option_id(_value(raw, "color"))
    assert attributes["eco_label"] is _value(raw, "eco_label")
    assert attributes["release_date"] == _value(raw, "release_date")[:10]
    weight = _value(raw, "weight")
    assert Decimal(str(attributes["weight_g"])) == Decimal(weight["amount"]) * 1000
    # variants: linked to the root product model
    if raw.get("parent"):
        root = _root(s, raw["parent"])
        assert sku in s.shop.variant_links(root)


def test_full_sync_then_nothing_then_changes_clears_relinks_and_deletes(s: Systems) -> None:
    _ready(s)
    full = s.run("oro.products", "products")
    assert full.status is RunStatus.SUCCEEDED, full.error

    # every product and every root model, each checked against the Akeneo record
    roots = sorted(c for c, m in s.pim.store.product_models.items() if m["parent"] is None)
    skus = s.pim.store.identifier_order()
    assert s.shop.count("products") == len(skus) + len(roots)
    assert full.streams["products"].created == len(skus)
    assert full.streams["product_models"].created == len(roots)
    for sku in skus:
        _check_product(s, sku)
    for code in roots:
        parent = s.shop.product_by_sku(code)
        assert parent is not None
        assert parent["attributes"]["productType"] == "configurable"
        family = s.pim.store.product_models[code]["family"]
        expected_fields = ["color", "size"] if family == "tshirts" else ["color"]
        assert parent["attributes"]["variantFields"] == expected_fields
        children = sorted(
            p["identifier"]
            for p in s.pim.store.products.values()
            if p.get("parent") and _root(s, p["parent"]) == code
        )
        assert s.shop.variant_links(code) == children
    assert sorted(b["attributes"]["externalId"] for b in s.shop.store.all("brands")) == sorted(
        s.pim.store.attribute_options["brand"]
    )

    # a re-run of both jobs writes nothing
    before = s.writes()
    again = s.run("oro.products", "products")
    s.run("oro.structure", "structure")
    assert again.streams["products"].unchanged == len(skus)
    assert s.writes() == before

    # five renamed products: a differential run reads and writes exactly those
    changed = skus[10:15]
    for sku in changed:
        raw = s.pim.store.product(sku)
        assert raw is not None
        renamed = [{**v, "data": v["data"] + " 2027"} for v in raw["values"]["name"]]
        s.pim.update_product(sku, {"values": {"name": renamed}})
    diff = s.run("oro.products", "products", Mode.DIFF)
    assert diff.streams["products"].extracted == 5
    assert diff.streams["products"].updated == 5
    for sku in changed:
        _check_product(s, sku)

    # an emptied value is cleared; a removed category is removed; a moved variant relinks
    simple = next(
        sku
        for sku in skus
        if not s.pim.store.product(sku)["parent"]  # type: ignore[index]
    )
    s.pim.update_product(
        simple,
        {
            "values": {"eco_label": [{"locale": None, "scope": None, "data": None}]},
            "categories": [],
        },
    )
    movers = [
        p for p in s.pim.store.products.values() if (p.get("parent") or "").startswith("shoe_")
    ]
    mover = movers[0]
    target = next(c for c in roots if c.startswith("shoe_") and c != _root(s, mover["parent"]))
    old_root = _root(s, mover["parent"])
    s.pim.update_product(mover["identifier"], {"parent": target})
    diff = s.run("oro.products", "products", Mode.DIFF)
    assert diff.status is RunStatus.SUCCEEDED, diff.error
    cleared = s.shop.product_by_sku(simple)
    assert cleared is not None
    assert cleared["attributes"]["eco_label"] is None
    assert cleared["relationships"]["category"] is None
    assert mover["identifier"] in s.shop.variant_links(target)
    assert mover["identifier"] not in s.shop.variant_links(old_root)

    # a product deleted in Akeneo is disabled in Oro by the next full run
    gone = skus[-1]
    s.pim.delete_product(gone)
    last = s.run("oro.products", "products")
    assert last.streams["products"].disabled == 1
    disabled = s.shop.product_by_sku(gone)
    assert disabled is not None and disabled["attributes"]["status"] == "disabled"


def test_a_product_oro_rejects_is_reported_the_rest_loads_and_the_next_run_retries(
    tmp_path: Path,
) -> None:
    with oro_systems(tmp_path, products=30) as s:
        _ready(s)
        sku = s.pim.store.identifier_order()[3]
        raw = s.pim.store.product(sku)
        assert raw is not None
        bad = "CHA 000003.B"  # Akeneo accepts it; Oro's SKU pattern has no spaces or dots
        s.pim.update_product(raw["uuid"], {"values": {"sku": [_data(bad)]}})

        run = s.run("oro.products", "products")

        assert run.status is RunStatus.PARTIAL
        counts = run.streams["products"]
        assert (counts.rejected, counts.created) == (1, 29)
        with s.db.connect() as conn:
            [failure] = list_failed(conn, "products")
        assert failure.key == raw["uuid"]
        assert "This value is not valid." in failure.last_error and "sku" in failure.last_error
        assert s.shop.product_by_sku(bad) is None

        s.pim.update_product(raw["uuid"], {"values": {"sku": [_data("CHA-000003-B")]}})
        retry = s.run("oro.products", "products", Mode.DIFF)
        assert retry.status is RunStatus.SUCCEEDED, retry.error
        assert retry.streams["products"].created == 1
        assert s.shop.product_by_sku("CHA-000003-B") is not None
        assert s.shop.count("products") == 30 + len(
            [m for m in s.pim.store.product_models.values() if m["parent"] is None]
        )


def _data(value: Any) -> dict[str, Any]:
    return {"locale": None, "scope": None, "data": value}


def test_a_mapping_to_a_missing_oro_field_is_refused_before_any_write(tmp_path: Path) -> None:
    with oro_systems(tmp_path, products=10) as s:
        _ready(s)
        before = s.writes()
        bad = [*s.options["attributes"], {"akeneo": "eco_label", "oro": "no_such_field"}]
        with pytest.raises(ConfigError, match="no_such_field"):
            s.job("oro.products", "products", attributes=bad)
        assert s.writes() == before
        assert s.shop.count("products") == 0


def test_a_locale_without_localization_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    localizations = {"en_US": "en_US", "fr_FR": "fr_FR"}  # no de_DE
    with oro_systems(tmp_path, products=10, localizations=localizations) as s:
        _ready(s)
        with caplog.at_level("WARNING", logger="pimsync.oro"):
            run = s.run("oro.products", "products")
        assert run.status is RunStatus.SUCCEEDED, run.error
        assert any("de_DE" in r.getMessage() for r in caplog.records)
        sku = s.pim.store.identifier_order()[0]
        stored = s.shop.product_by_sku(sku)
        assert stored is not None
        names = s.shop.product_names(stored["id"])
        assert _localization_ids(s)["de_DE"] not in names
        raw = s.pim.store.product(sku)
        assert raw is not None
        assert names[_localization_ids(s)["fr_FR"]] == _value(raw, "name", "fr_FR")


class _Crash(BaseException):
    """Stands for the process dying: raised after Oro took a batch, before pimsync
    committed it."""


class _CrashAfter:
    def __init__(self, writer: Any, batches: int) -> None:
        self.writer, self.left = writer, batches

    def write(self, changes: Any) -> Any:
        results = self.writer.write(changes)
        self.left -= 1
        if self.left == 0:
            raise _Crash
        return results


def _snapshot(shop: Any) -> dict[str, Any]:
    """Oro's products without ids or timestamps: what a shopper and an admin would see."""
    titles = shop.category_titles()
    found = {}
    for product in shop.products():
        sku = product["attributes"]["sku"]
        links = product["relationships"]
        found[sku] = {
            "attributes": {
                k: v
                for k, v in product["attributes"].items()
                if k not in ("createdAt", "updatedAt")
            },
            "names": sorted((str(k), v) for k, v in shop.product_names(product["id"]).items()),
            "prices": [(p["currency"], str(p["value"])) for p in shop.product_prices(sku)],
            "images": [(i["filename"], i["types"]) for i in shop.product_images(sku)],
            "category": titles[links["category"]["id"]] if links.get("category") else None,
            "variants": shop.variant_links(sku),
        }
    return found


def test_a_run_killed_mid_load_ends_identical_to_an_uninterrupted_one(tmp_path: Path) -> None:
    with oro_systems(tmp_path / "a", products=60) as calm:
        _ready(calm)
        assert calm.run("oro.products", "products").status is RunStatus.SUCCEEDED
        expected = _snapshot(calm.shop)
    with oro_systems(tmp_path / "b", products=60) as s:
        _ready(s)
        job = s.job("oro.products", "products")
        models, products = job.streams
        crashing = replace(products, destination=_CrashAfter(products.destination, 2))
        crashing_job = replace(job, streams=[models, crashing], batch_size=10, load_concurrency=1)
        with pytest.raises(_Crash):
            JobEngine(s.db).run(crashing_job, Mode.FULL)
        assert 0 < s.shop.count("products") < len(expected)

        rerun = s.run("oro.products", "products")

        assert rerun.status is RunStatus.SUCCEEDED, rerun.error
        assert _snapshot(s.shop) == expected
        assert s.shop.count("products") == len(expected)  # no duplicates


def test_categories_follow_akeneo_renamed_in_place_and_deleted_when_gone(s: Systems) -> None:
    _ready(s)
    before = s.shop.category_titles()
    laptops = next(i for i, t in before.items() if t == "Laptops")
    audio = next(i for i, t in before.items() if t == "Audio")
    mine = s.shop.create(  # an Oro user's own category under the same root
        "categories",
        {
            "data": {
                "type": "categories",
                "relationships": {
                    "titles": {"data": [{"type": "localizedfallbackvalues", "id": "t"}]},
                    "parentCategory": {"data": {"type": "categories", "id": "1"}},
                },
            },
            "included": [
                {
                    "type": "localizedfallbackvalues",
                    "id": "t",
                    "attributes": {"fallback": None, "string": "Seasonal"},
                    "relationships": {"localization": {"data": None}},
                }
            ],
        },
    )["id"]
    # in Akeneo: Laptops becomes Notebooks, Audio is deleted (and leaves its products)
    s.pim.store.categories["laptops"]["labels"]["en_US"] = "Notebooks"
    del s.pim.store.categories["audio"]
    for product in s.pim.store.products.values():
        product["categories"] = [c for c in product["categories"] if c != "audio"]

    assert s.run("oro.structure", "structure").status is RunStatus.SUCCEEDED
    after = s.shop.category_titles()
    assert after[laptops] == "Notebooks"  # the same Oro category, retitled
    assert audio not in after  # gone from Akeneo: deleted
    assert after[mine] == "Seasonal"  # never placed by pimsync: kept
    assert sorted(t for t in after.values() if t) == sorted(
        [t for i, t in before.items() if t and i != audio and i != laptops]
        + ["Notebooks", "Seasonal"]
    )
    writes = s.writes()
    assert s.run("oro.structure", "structure").status is RunStatus.SUCCEEDED
    assert s.writes() == writes  # in step: nothing more to do


def test_with_its_state_lost_pimsync_finds_its_products_in_oro_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    with oro_systems(tmp_path, products=30) as s:
        _ready(s)
        assert s.run("oro.products", "products").status is RunStatus.SUCCEEDED
        expected = _snapshot(s.shop)
        prices = s.shop.count("productprices")
        s.db.dispose()  # a new state store: every product looks new to pimsync
        s.db = create_state_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        upgrade(s.db)

        again = s.run("oro.products", "products")

        assert again.status is RunStatus.SUCCEEDED, again
        assert _snapshot(s.shop) == expected
        assert s.shop.count("productprices") == prices  # written as updates, not again
