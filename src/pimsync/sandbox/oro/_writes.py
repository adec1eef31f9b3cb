"""Create, update and delete through a transaction: included records, temp ids, to-many links."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pimsync.sandbox.oro._checks import staged
from pimsync.sandbox.oro._documents import ApiError, not_found, request_error
from pimsync.sandbox.oro._rules import BACK_REFERENCES, MIRRORS, RULES, Rule
from pimsync.sandbox.oro._schema import ResourceType
from pimsync.sandbox.oro._store import Key, Record, Transaction, new_record


@dataclass
class Written:
    """The outcome of one write: the primary record and the included ones with temp ids."""

    primary: Record
    created: bool
    included: list[tuple[Record, str | None]] = field(default_factory=list)


# MIRRORS by child type: (the child's field naming its owner, the owner's list)
_MIRRORS_BY_TYPE: dict[str, list[tuple[str, str]]] = {}
for (_child, _field), _list in MIRRORS.items():
    _MIRRORS_BY_TYPE.setdefault(_child, []).append((_field, _list))


def _data(pointer: str, name: str, index: int | None = None) -> str:
    """The pointer to relationship ``name``'s data (or its item ``index``)."""
    where = f"{pointer}/relationships/{name}/data"
    return where if index is None else f"{where}/{index}"


# An included record to write: its type, record, data, error pointer, the temp id to
# echo, and whether it is new.
_Target = tuple[ResourceType, Record, dict[str, Any], str, str | None, bool]


# BACK_REFERENCES by owner type: (the owner's field, the child's field naming the owner)
_BACK_REFERENCES_BY_TYPE: dict[str, list[tuple[str, str]]] = {}
for (_owner, _field), _back in BACK_REFERENCES.items():
    _BACK_REFERENCES_BY_TYPE.setdefault(_owner, []).append((_field, _back))

# uuid4's variant nibble (10xx) for each random hex digit
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _uuid4() -> str:
    """``str(uuid.uuid4())`` at a third of the cost (every new price needs one)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _conflict(detail: str, pointer: str) -> ApiError:
    return ApiError(409, "conflict constraint", detail, pointer=pointer)


def _extra(pointer: str) -> ApiError:
    return ApiError(
        400,
        "extra fields constraint",
        "This form should not contain extra fields.",
        pointer=pointer,
    )


def _with_sku(data: dict[str, Any], sku: str, pointer: str, *, created: bool) -> dict[str, Any]:
    """A product's data in ext_id mode, where its ``id`` is its SKU.

    A new product takes its ``sku`` from the id when the attributes leave it out; a
    ``sku`` attribute that names another product than the id is a 400.
    """
    attributes = data.get("attributes")
    given = attributes.get("sku") if isinstance(attributes, dict) else None
    if given is not None:
        if str(given).casefold() != sku.casefold():
            raise ApiError(
                400,
                "value constraint",
                'The "sku" attribute must be the same as the product identifier in "id".',
                pointer=f"{pointer}/attributes/sku",
            )
        return data
    if not created or (attributes is not None and not isinstance(attributes, dict)):
        return data
    return {**data, "attributes": {**(attributes or {}), "sku": sku}}


class Writer:
    """Applies JSON:API write documents to a transaction; ``now`` stamps timestamps."""

    def __init__(
        self,
        types: Mapping[str, ResourceType],
        tx: Transaction,
        now: str,
        new_id: Callable[[str], str],
        rules: Callable[[str], Rule | None] = RULES.get,
        ids: dict[Key, str] | None = None,
        *,
        ext_id: bool = False,
    ) -> None:
        self.types = types
        # ext_id mode: every "products" id in the documents is a SKU (API brief §1.13)
        self.ext_id = ext_id
        self.tx = tx
        self.now = now
        self._new_id = new_id
        self._rules = rules
        # (type, temp id) -> real id; a batch shares it between its records' writers
        self._ids: dict[Key, str] = {} if ids is None else ids
        self._pending: set[Key] = set()
        self._rule_of: dict[str, Rule | None] = {}

    # --- whole documents ------------------------------------------------------------

    def write(self, type_: str, doc: Any, url_id: str | None = None) -> Written:
        """POST (``url_id`` None) or PATCH one document. Raises ApiError."""
        rtype = self.types[type_]
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            raise request_error("The primary data object should exist.", "/data")
        data: dict[str, Any] = doc["data"]
        included = doc.get("included", [])
        if not isinstance(included, list):
            raise request_error("The included data should be an array.", "/included")
        return self.write_item(rtype, data, included, url_id)

    def write_item(
        self,
        rtype: ResourceType,
        data: dict[str, Any],
        included: list[Any],
        url_id: str | None,
        where: str = "/data",
        included_at: list[int] | None = None,
    ) -> Written:
        """One primary record and its included records (temp ids shared per writer).

        ``included_at`` gives each included record's index in the request body, for
        error pointers (default: its index in ``included``).
        """
        if data.get("type") != rtype.name:
            raise _conflict(
                "The entity class must be the same as the entity class in the request URL.",
                f"{where}/type",
            )
        meta = data.get("meta") or {}
        upsert = bool(meta.get("upsert")) if isinstance(meta, dict) else False
        by_sku = self.ext_id and rtype.name == "products"
        # ids chosen by the client (a code, or a SKU in ext_id mode) allow upsert by id
        chosen = rtype.client_ids or by_sku
        if upsert and not chosen:
            raise ApiError(
                400,
                "value constraint",
                "The upsert operation is not allowed.",
                pointer=f"{where}/meta/upsert",
            )
        given = data.get("id")
        if url_id is not None and given != url_id:
            raise _conflict(
                "The 'id' property of the primary data object should be the same as the "
                "'id' parameter of the request URL.",
                f"{where}/id",
            )
        if url_id is None and isinstance(meta, dict) and meta.get("update"):
            url_id = str(given)
        if chosen and url_id is None and not given:
            raise ApiError(
                400, "not blank constraint", "The identifier is mandatory.", pointer=f"{where}/id"
            )
        if by_sku:
            sku = url_id if url_id is not None else str(given)
            existing = self._product(sku)
            data = _with_sku(data, sku, where, created=existing is None)
            key_id = None if existing is None else str(existing["id"])
        else:
            key_id = url_id if url_id is not None else (str(given) if rtype.client_ids else None)
            existing = self.tx.get(rtype.name, key_id) if key_id is not None else None
        if url_id is not None and existing is None and not upsert:
            if by_sku and where != "/data":  # a batch item: say which SKU is unknown
                raise ApiError(
                    404,
                    "not found http exception",
                    "The entity does not exist.",
                    pointer=f"{where}/id",
                )
            raise not_found()
        if url_id is None and existing is not None and not upsert:
            raise _conflict("The entity already exists.", f"{where}/id")
        created = existing is None
        if created:
            real = key_id or self._new_id_for(rtype.name, data)
            record = new_record(rtype.name, real)
            if given is not None:
                self._ids[(rtype.name, str(given))] = real
        else:
            assert existing is not None
            record = copy.deepcopy(existing)
        self._pending.add((rtype.name, record["id"]))
        positions = included_at if included_at is not None else list(range(len(included)))
        targets = self._assign_included(included, positions)
        self._apply(rtype, record, data, where, created)
        written = Written(record, created)
        for item_type, item_record, item_data, pointer, temp, is_new in targets:
            self._apply(item_type, item_record, item_data, pointer, is_new)
            written.included.append((item_record, temp))
        self._back_references(record)
        self._check(record, where)
        for target in targets:
            self._check(target[1], target[3])
        self._mirror(record, add=True)
        for target in targets:
            self._mirror(target[1], add=True)
        return written

    def _check(self, record: Record, pointer: str) -> None:
        """Run the record's rule; rules are looked up once per type and writer."""
        type_ = record["type"]
        try:
            rule = self._rule_of[type_]
        except KeyError:
            rule = self._rule_of[type_] = self._rules(type_)
        if rule is not None:
            rule(self.tx, record, pointer)

    def delete(self, type_: str, id_: str) -> None:
        """Remove a record, its owned collections and, for a product, its prices."""
        record = self.tx.get(type_, id_)
        if record is None:
            raise not_found()
        self._mirror(record, add=False)
        if type_ == "products":
            for price in self.tx.find("productprices", "product", id_):
                self.tx.remove("productprices", price["id"])
            for link in self.tx.find("productvariantlinks", "product", id_):
                self._mirror(link, add=False)
                self.tx.remove("productvariantlinks", link["id"])
        self._discard(type_, id_)

    def _discard(self, type_: str, id_: str) -> None:
        """Remove a record and, recursively, the records it owns."""
        record = self.tx.get(type_, id_)
        if record is None:
            return
        self.tx.remove(type_, id_)
        for name, rel in self.types[type_].relationships.items():
            links = record["relationships"].get(name)
            if rel.owned:
                for link in [links] if isinstance(links, dict) else links or []:
                    self._discard(rel.target, link["id"])

    def _mirror(self, record: Record, *, add: bool) -> None:
        """Keep the owner's to-many list in step with a child written or deleted alone."""
        for field_name, owner_list in _MIRRORS_BY_TYPE.get(record["type"], ()):
            owner_links = record["relationships"].get(field_name)
            for owner_link in owner_links if isinstance(owner_links, list) else [owner_links]:
                if isinstance(owner_link, dict):
                    self._mirror_one(
                        record, (owner_link["type"], owner_link["id"]), owner_list, add
                    )

    def _mirror_one(self, record: Record, key: Key, owner_list: str, add: bool) -> None:
        owner = self.tx.get(*key)
        if owner is None:
            return
        links = owner["relationships"].get(owner_list) or []
        present = any(link["id"] == record["id"] for link in links)
        if present == add:
            return
        if key not in self.tx.staged:  # stored records are never changed in place
            owner = staged(self.tx, *key)
            assert owner is not None
        if add:
            links = [*links, {"type": record["type"], "id": record["id"]}]
        else:
            links = [link for link in links if link["id"] != record["id"]]
        owner["relationships"][owner_list] = links
        self.tx.put(owner)

    # --- pieces ------------------------------------------------------------------------

    def _new_id_for(self, type_: str, data: dict[str, Any]) -> str:
        if type_ == "productprices":
            rel = (data.get("relationships") or {}).get("priceList") or {}
            linkage = rel.get("data") if isinstance(rel, dict) else None
            price_list = linkage.get("id") if isinstance(linkage, dict) else None
            return f"{_uuid4()}-{self._ids.get(('pricelists', str(price_list)), price_list)}"
        return self._new_id(type_)

    def _assign_included(self, included: list[Any], positions: list[int]) -> list[_Target]:
        """Give every included record its real id before any linkage is resolved."""
        targets: list[_Target] = []
        types = self.types
        for index, item in zip(positions, included, strict=True):
            pointer = f"/included/{index}"
            if not isinstance(item, dict) or item.get("type") not in types:
                raise ApiError(
                    400,
                    "entity type constraint",
                    f"Unknown entity type: {item.get('type') if isinstance(item, dict) else ''}.",
                    pointer=f"{pointer}/type",
                )
            type_, temp = str(item["type"]), item.get("id")
            if temp is None:
                raise ApiError(
                    400,
                    "not blank constraint",
                    "The identifier is mandatory.",
                    pointer=f"{pointer}/id",
                )
            meta = item.get("meta") or {}
            data = item
            if self.ext_id and type_ == "products":
                record, is_new, echoed, data = self._included_product(
                    item, str(temp), meta, pointer
                )
            elif isinstance(meta, dict) and meta.get("update"):
                existing = self.tx.get(type_, str(temp))
                if existing is None:
                    raise ApiError(
                        404,
                        "not found http exception",
                        "The entity does not exist.",
                        pointer=pointer,
                    )
                record, is_new, echoed = copy.deepcopy(existing), False, None
            else:
                temp = str(temp)
                real = temp if types[type_].client_ids else self._new_id_for(type_, item)
                self._ids[(type_, temp)] = real
                record, is_new, echoed = new_record(type_, real), True, temp
            self._pending.add((type_, record["id"]))
            targets.append((types[type_], record, data, pointer, echoed, is_new))
        return targets

    def _product(self, sku: str) -> Record | None:
        """The product with this SKU (case-insensitive), staged writes included.

        A SKU created earlier in this request or batch is found through the temp ids
        first; the SKU index answers the rest, so no lookup scans every product.
        """
        real = self._ids.get(("products", sku))
        if real is not None:
            found = self.tx.get("products", real)
            if found is not None:
                return found
        matches = self.tx.find("products", "sku", sku)
        return matches[0] if matches else None

    def _included_product(
        self, item: dict[str, Any], sku: str, meta: Any, pointer: str
    ) -> tuple[Record, bool, str | None, dict[str, Any]]:
        """An included product in ext_id mode, whose id is its SKU: the record to write,
        whether it is new, the temp id to echo and the data (with ``sku`` filled in).

        ``meta.update`` needs the SKU to exist, ``meta.upsert`` takes either case, and
        no flag means create, which conflicts with an existing SKU (409).
        """
        flags = meta if isinstance(meta, dict) else {}
        existing = self._product(sku)
        if existing is not None and (flags.get("update") or flags.get("upsert")):
            item = _with_sku(item, sku, pointer, created=False)
            return copy.deepcopy(existing), False, None, item
        if flags.get("update"):
            raise ApiError(
                404, "not found http exception", "The entity does not exist.", pointer=pointer
            )
        if existing is not None:
            raise _conflict("The entity already exists.", f"{pointer}/id")
        real = self._new_id("products")
        self._ids[("products", sku)] = real
        return new_record("products", real), True, sku, _with_sku(item, sku, pointer, created=True)

    def _apply(
        self, rtype: ResourceType, record: Record, data: dict[str, Any], pointer: str, new: bool
    ) -> None:
        """Copy ``data``'s fields onto ``record`` and stage it.

        Runs for every record of a batch, so error pointers are built only when raising.
        """
        attributes = data.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise request_error('The "attributes" property should be an object.', pointer)
        ignored = rtype.ignored_on_create if new else rtype.ignored_on_update
        stored = record["attributes"]
        for name, value in attributes.items():
            if name in ignored:
                continue
            if name not in rtype.attributes:
                raise _extra(f"{pointer}/attributes/{name}")
            stored[name] = value
        relationships = data.get("relationships") or {}
        if not isinstance(relationships, dict):
            raise request_error('The "relationships" property should be an object.', pointer)
        links = record["relationships"]
        for name, value in relationships.items():
            rel = rtype.relationships.get(name)
            if rel is None:
                raise _extra(f"{pointer}/relationships/{name}")
            if name in ignored:
                continue
            if not isinstance(value, dict) or "data" not in value:
                raise request_error(
                    "The relationship should have 'data' property.", _data(pointer, name)
                )
            linkage = value["data"]
            if rel.many:
                if not isinstance(linkage, list):
                    raise request_error(
                        'The "data" property should be an array.', _data(pointer, name)
                    )
                new_links = [
                    self._link(rel.target, item, pointer, name, i) for i, item in enumerate(linkage)
                ]
                if rel.owned:
                    kept = {link["id"] for link in new_links}
                    for old in links.get(name) or []:
                        if old["id"] not in kept:
                            self._discard(rel.target, old["id"])
                links[name] = new_links
            elif linkage is None:
                links[name] = None
            else:
                links[name] = self._link(rel.target, linkage, pointer, name)
        if rtype.timestamps:
            if new:
                stored["createdAt"] = self.now
            stored["updatedAt"] = self.now
        self.tx.put(record)

    def _link(
        self, target: str, linkage: Any, pointer: str, name: str, index: int | None = None
    ) -> dict[str, str]:
        """The stored linkage for ``linkage`` of relationship ``name`` (item ``index`` of
        a to-many); ``pointer`` is the record's, completed only for an error."""
        if not isinstance(linkage, dict) or "type" not in linkage or "id" not in linkage:
            raise request_error(
                "The relationship should have 'type' and 'id' properties.",
                _data(pointer, name, index),
            )
        if linkage["type"] != target:
            raise ApiError(
                400,
                "form constraint",
                "This value is not valid.",
                pointer=_data(pointer, name, index),
            )
        raw = linkage["id"]
        if type(raw) is not str:
            raw = str(raw)
        real = self._ids.get((target, raw))
        if real is None:
            found = self._product(raw) if self.ext_id and target == "products" else None
            real = raw if found is None else str(found["id"])
        if (target, real) not in self._pending and self.tx.get(target, real) is None:
            raise ApiError(
                400,
                "form constraint",
                "The entity does not exist.",
                pointer=_data(pointer, name, index),
            )
        return {"type": target, "id": real}

    def _back_references(self, record: Record) -> None:
        owner = record["type"]
        for name, back in _BACK_REFERENCES_BY_TYPE.get(owner, ()):
            links = record["relationships"].get(name) or []
            for link in [links] if isinstance(links, dict) else links:
                key = (link["type"], link["id"])
                child = self.tx.get(*key)
                if child is None:
                    continue
                if key not in self.tx.staged:
                    child = copy.deepcopy(child)
                link_back = {"type": owner, "id": record["id"]}
                if self.types[child["type"]].relationships[back].many:  # orderlineitems.orders
                    present = child["relationships"].get(back) or []
                    if link_back not in present:
                        child["relationships"][back] = [*present, link_back]
                else:
                    child["relationships"][back] = link_back
                self.tx.put(child)
