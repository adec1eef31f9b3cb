"""A deterministic, realistic demo catalog in Akeneo's standard format.

The same seed and size always give the same products, so the demo and the
benchmarks are repeatable. ``touch`` changes a few products the way a PIM user would.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

LOCALES = ("en_US", "fr_FR", "de_DE")
CURRENCIES = ("EUR", "USD", "GBP")
CHANNELS = ("ecommerce", "mobile", "print")

# family → (category codes, base price, words for names)
_FAMILIES: dict[str, tuple[tuple[str, ...], int, tuple[str, ...]]] = {
    "tshirts": (("men_tshirts", "women_tshirts"), 19, ("Cotton", "Organic", "Striped", "Basic")),
    "shoes": (("sneakers", "boots"), 79, ("Trail", "City", "Leather", "Canvas")),
    "laptops": (("laptops",), 899, ("Ultrabook", "Pro", "Air", "Gaming")),
    "headphones": (("audio",), 129, ("Wireless", "Studio", "Noise-cancelling", "Sport")),
    "chairs": (("office_furniture",), 249, ("Ergonomic", "Mesh", "Executive", "Compact")),
}
_COLORS = ("black", "white", "red", "blue", "green", "grey")
_TRANSLATIONS = {"fr_FR": "FR", "de_DE": "DE"}
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _uuid(rng: random.Random) -> str:
    return str(UUID(int=rng.getrandbits(128), version=4))


def product(index: int, *, seed: int = 7, revision: int = 0) -> dict[str, Any]:
    """Product number ``index`` of the catalog, as the products-uuid endpoint returns it.

    ``revision`` > 0 gives the same product after ``revision`` edits.
    """
    rng = random.Random(seed * 1_000_003 + index)
    family = sorted(_FAMILIES)[index % len(_FAMILIES)]
    categories, base, words = _FAMILIES[family]
    word = words[index % len(words)]
    color = _COLORS[rng.randrange(len(_COLORS))]
    sku = f"{family[:3].upper()}-{index:06d}"
    name = f"{word} {family.rstrip('s')} {color}"
    if revision:
        name = f"{name} (rev {revision})"
    amount = base + rng.randrange(0, base) + 0.99
    rates = {"EUR": 1.0, "USD": 1.08, "GBP": 0.86}
    values: dict[str, list[dict[str, Any]]] = {
        "sku": [{"locale": None, "scope": None, "data": sku}],
        "name": [
            {"locale": loc, "scope": None, "data": f"{name} {_TRANSLATIONS.get(loc, '')}".strip()}
            for loc in LOCALES
        ],
        "description": [
            {
                "locale": loc,
                "scope": ch,
                "data": f"<p>{name}: a {color} {family.rstrip('s')} for every day.</p>",
            }
            for loc in LOCALES
            for ch in CHANNELS[:2]
        ],
        "color": [{"locale": None, "scope": None, "data": color}],
        "price": [
            {
                "locale": None,
                "scope": None,
                "data": [
                    {"amount": f"{amount * rates[cur]:.2f}", "currency": cur} for cur in CURRENCIES
                ],
            }
        ],
        "weight": [
            {
                "locale": None,
                "scope": None,
                "data": {"amount": f"{rng.uniform(0.1, 4):.3f}", "unit": "KILOGRAM"},
            }
        ],
    }
    updated = EPOCH + timedelta(minutes=index, days=revision)
    return {
        "uuid": _uuid(rng),
        "identifier": sku,
        "enabled": rng.random() > 0.05,
        "family": family,
        "categories": [categories[index % len(categories)], "master"],
        "groups": [],
        "parent": None,
        "values": values,
        "created": EPOCH.isoformat(),
        "updated": updated.isoformat(),
        "associations": {},
        "quantified_associations": {},
    }


def products(count: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """The first ``count`` products of the catalog, generated one at a time."""
    for index in range(count):
        yield product(index, seed=seed)
