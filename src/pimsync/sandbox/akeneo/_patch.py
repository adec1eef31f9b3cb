"""Akeneo's PATCH semantics for products: create or merge, values merged per locale and scope."""

from __future__ import annotations

import copy
import uuid as uuidlib
from datetime import datetime
from typing import Any

from pimsync.sandbox.akeneo._search import stamp
from pimsync.sandbox.akeneo._store import Record

# uuid5 namespace for products that arrive without a uuid (fixtures, legacy endpoint)
PRODUCT_NAMESPACE = uuidlib.UUID("5d1a3b7e-2f4c-4c8e-9a51-7a6b0c1d2e3f")
_FIELDS = ("enabled", "family", "categories", "groups", "parent")


class InvalidProduct(ValueError):
    """The body cannot be applied; the message is Akeneo-like (answered with 422)."""


def product_uuid(identifier: str) -> str:
    """The uuid the sandbox gives a product known only by its identifier."""
    return str(uuidlib.uuid5(PRODUCT_NAMESPACE, identifier))


def _merge_values(current: dict[str, Any], changes: Any) -> None:
    if not isinstance(changes, dict):
        raise InvalidProduct('Property "values" expects an array as data.')
    for attribute, entries in changes.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise InvalidProduct(f'Property "{attribute}" expects an array of values as data.')
        kept = {(v.get("locale"), v.get("scope")): v for v in current.get(attribute, [])}
        for entry in entries:
            if "data" not in entry:
                raise InvalidProduct(f'Property "{attribute}" expects a "data" key.')
            key = (entry.get("locale"), entry.get("scope"))
            kept[key] = {"locale": key[0], "scope": key[1], "data": entry["data"]}
        current[attribute] = list(kept.values())


def apply_changes(product: Record, changes: dict[str, Any], now: datetime) -> Record:
    """A copy of ``product`` with ``changes`` merged in and ``updated`` set to ``now``.

    Raises InvalidProduct.
    """
    merged = copy.deepcopy(product)
    for name, value in changes.items():
        if name == "values":
            _merge_values(merged["values"], value)
        elif name in ("associations", "quantified_associations"):
            if not isinstance(value, dict):
                raise InvalidProduct(f'Property "{name}" expects an array as data.')
            for kind, links in value.items():
                merged[name].setdefault(kind, {}).update(links)
        elif name in _FIELDS:
            merged[name] = value
        elif name == "identifier":
            merged["identifier"] = str(value)
        elif name in ("uuid", "created", "updated", "_links", "metadata", "quality_scores"):
            continue
        else:
            raise InvalidProduct(
                f'Property "{name}" does not exist. Check the expected format on the API '
                "documentation."
            )
    identifier = merged["identifier"]
    sku = merged["values"].get("sku")
    if sku and sku[0]["data"] != identifier and "identifier" not in changes:
        merged["identifier"] = identifier = str(sku[0]["data"])
    merged["values"]["sku"] = [{"locale": None, "scope": None, "data": identifier}]
    if not identifier:
        raise InvalidProduct('Property "identifier" cannot be empty.')
    merged["updated"] = stamp(now)
    return merged


def new_product(uuid: str, identifier: str, now: datetime) -> Record:
    """An empty product, before its first PATCH is applied."""
    return {
        "uuid": uuid,
        "identifier": identifier,
        "enabled": True,
        "family": None,
        "categories": [],
        "groups": [],
        "parent": None,
        "values": {},
        "created": stamp(now),
        "updated": stamp(now),
        "associations": {},
        "quantified_associations": {},
    }


def identifier_of(body: dict[str, Any]) -> str | None:
    """The identifier a write body carries, in ``identifier`` or in its ``sku`` value."""
    if body.get("identifier"):
        return str(body["identifier"])
    sku = body.get("values", {}).get("sku") if isinstance(body.get("values"), dict) else None
    if isinstance(sku, list) and sku and isinstance(sku[0], dict) and sku[0].get("data"):
        return str(sku[0]["data"])
    return None
