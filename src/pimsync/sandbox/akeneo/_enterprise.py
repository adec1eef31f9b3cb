"""Enterprise-only entities: reference entities with records, asset families with assets."""

from __future__ import annotations

from pimsync.sandbox.akeneo._demo import labels, media_file, png
from pimsync.sandbox.akeneo._store import CatalogStore

_STAMP = "2026-01-01T00:00:00+00:00"
_BRANDS = ("acme", "northwind", "contoso", "globex", "initech", "umbrella")
_DESIGNERS = ("dieter_rams", "ray_eames", "jasper_morrison")


def _label_values(text: str) -> dict[str, list[dict[str, str | None]]]:
    return {
        "label": [{"locale": loc, "channel": None, "data": t} for loc, t in labels(text).items()]
    }


def add_enterprise_entities(store: CatalogStore) -> None:
    """A few reference entities and asset families, as an Enterprise Edition would have;
    each asset's main media (``media``) is an asset media file."""
    for entity, codes in (("brand", _BRANDS), ("designer", _DESIGNERS)):
        store.reference_entities[entity] = {
            "code": entity,
            "labels": labels(entity.title()),
            "image": None,
        }
        store.records[entity] = {
            code: {
                "code": code,
                "values": _label_values(code.replace("_", " ").title()),
                "created": _STAMP,
                "updated": _STAMP,
            }
            for code in codes
        }
    for family in ("packshots", "user_guides"):
        store.asset_families[family] = {
            "code": family,
            "labels": labels(family.replace("_", " ").title()),
            "attribute_as_main_media": "media",
            "naming_convention": {},
            "product_link_rules": [],
            "transformations": [],
        }
        store.assets[family] = {
            f"{family}_{n}": {
                "code": f"{family}_{n}",
                "asset_family_code": family,
                "values": {
                    **_label_values(f"{family} {n}"),
                    "media": [{"locale": None, "channel": None, "data": f"{family}/{n}.png"}],
                },
                "created": _STAMP,
                "updated": _STAMP,
            }
            for n in range(1, 6)
        }
        for n in range(1, 6):
            code = f"{family}/{n}.png"
            store.asset_media_files[code] = media_file(code, f"{n}.png", png(code))
