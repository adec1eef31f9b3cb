"""Akeneo's Catalogs for Apps API on the sandbox (reference §b.1–§b.5).

A catalog is a product selection owned by the app whose token created it. The app
creates, lists, renames and deletes it; a PIM user sets its criteria, value filters and
enabled flag in the UI — here :meth:`CatalogsApi.configure`. New catalogs are disabled
and start with the criterion ``enabled = true``. A disabled catalog answers its product
endpoints with HTTP 200 and an ``error`` object instead of a page.

The selection is evaluated with :func:`pimsync.catalogs.matches` on the sandbox's products
read through :meth:`pimsync.model.Product.from_akeneo`, so it selects exactly what the hub
would select locally. Scopes: the bearer check gives read/write/delete_catalogs; the
product endpoints also need ``read_products``, checked here.

Not modelled: duplicate, mapping schemas and mapped products, product-identifiers,
``with_count``, EE permissions on the selected products, automatic disabling.
"""

from __future__ import annotations

import secrets
import threading
import uuid as uuid_module
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from pimsync.catalogs import CatalogSpec, matches, validate
from pimsync.mapping import AkeneoMetadata
from pimsync.model import (
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
    MeasurementFamily,
    Product,
    ProductModel,
)
from pimsync.sandbox.akeneo._pages import ApiError, json_response
from pimsync.sandbox.akeneo._store import CatalogStore, Record

if TYPE_CHECKING:
    from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox

__all__ = [
    "CATALOG_LIMIT",
    "CRITERIA_LIMIT",
    "Catalog",
    "CatalogsApi",
    "add_catalog_routes",
    "catalogs_api",
]

API = "/api/rest/v1/catalogs"
CATALOG_LIMIT = 200  # per app, current docs (the 2023 CE code had 15)
CRITERIA_LIMIT = 25
_LIST_LIMIT = 100
_PRODUCT_LIMIT = 1000
_DEFAULT_LIMIT = 100
_PRODUCT_KEYS = (
    "uuid",
    "enabled",
    "family",
    "categories",
    "groups",
    "parent",
    "values",
    "associations",
    "quantified_associations",
    "created",
    "updated",
)
_NO_CATALOG_ACCESS = "Access forbidden. You are not allowed to access app catalogs."
_NO_PRODUCT_ACCESS = "Access forbidden. You are not allowed to access products."
_DISABLED = (
    "No products to synchronize. The catalog {id} has been disabled on the PIM side. "
    "Note that you can get catalogs status with the GET /api/rest/v1/catalogs endpoint."
)
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Catalog:
    """A catalog as the PIM stores it; only ``id``, ``name`` and ``enabled`` are public."""

    id: str
    name: str
    owner: str
    enabled: bool = False
    criteria: list[dict[str, Any]] = field(
        default_factory=lambda: [{"field": "enabled", "operator": "=", "value": True}]
    )
    value_filters: dict[str, list[str]] = field(default_factory=dict)
    version: int = 0

    def public(self) -> Record:
        return {"id": self.id, "name": self.name, "enabled": self.enabled}

    def spec(self) -> CatalogSpec:
        return CatalogSpec.model_validate(
            {"criteria": self.criteria, "value_filters": self.value_filters, "enabled": True}
        )


def store_metadata(store: CatalogStore) -> AkeneoMetadata:
    """The structure held in ``store`` as the hub's :class:`AkeneoMetadata` (what it
    would read from this PIM)."""
    return AkeneoMetadata.from_model(
        attributes=[Attribute.from_akeneo(a) for a in store.attributes.values()],
        options=[
            AttributeOption.from_akeneo(o, attribute=code)
            for code, options in store.attribute_options.items()
            for o in options.values()
        ],
        families=[Family.from_akeneo(f) for f in store.families.values()],
        family_variants=[
            FamilyVariant.from_akeneo(v, family=family)
            for family, variants in store.family_variants.items()
            for v in variants.values()
        ],
        measurement_families=[
            MeasurementFamily.from_akeneo(m) for m in store.measurement_families.values()
        ],
        categories=[Category.from_akeneo(c) for c in store.categories.values()],
        channels=[Channel.from_akeneo(c) for c in store.channels.values()],
        locales=[Locale.from_akeneo(loc) for loc in store.locales.values()],
        currencies=[Currency.from_akeneo(c) for c in store.currencies.values()],
        product_models=[ProductModel.from_akeneo(m) for m in store.product_models.values()],
    )


def sandbox_metadata(sb: AkeneoSandbox) -> AkeneoMetadata:
    """The sandbox's structure as :mod:`pimsync.catalogs` reads it."""
    return store_metadata(sb.store)


def sandbox_requirements(sb: AkeneoSandbox) -> dict[str, dict[str, list[str]]]:
    """Family → channel → required attributes, for ``completeness`` criteria."""
    return {
        code: dict(family.get("attribute_requirements", {}))
        for code, family in sb.store.families.items()
    }


class CatalogsApi:
    """The catalogs of one sandbox PIM, keyed by id, and their selections."""

    def __init__(self, sb: AkeneoSandbox) -> None:
        self._sb = sb
        self.catalogs: dict[str, Catalog] = {}
        self._lock = threading.Lock()
        self._selections: dict[str, tuple[tuple[int, int], list[str]]] = {}

    # --- what the app does ------------------------------------------------------------

    def create(self, owner: str, name: str) -> Catalog:
        """A new, disabled catalog of ``owner``. Raises ValueError past the per-app limit."""
        with self._lock:
            if sum(c.owner == owner for c in self.catalogs.values()) >= CATALOG_LIMIT:
                raise ValueError(f"You can create up to {CATALOG_LIMIT} catalogs.")
            catalog = Catalog(
                str(uuid_module.UUID(bytes=secrets.token_bytes(16), version=4)), name, owner
            )
            self.catalogs[catalog.id] = catalog
        return catalog

    def owned(self, owner: str) -> list[Catalog]:
        return [c for c in self.catalogs.values() if c.owner == owner]

    def get(self, catalog_id: str, owner: str | None = None) -> Catalog | None:
        """The catalog with this id, if ``owner`` (when given) owns it."""
        found = self.catalogs.get(catalog_id)
        if found is None or (owner is not None and found.owner != owner):
            return None
        return found

    def delete(self, catalog_id: str) -> None:
        with self._lock:
            self.catalogs.pop(catalog_id, None)
            self._selections.pop(catalog_id, None)

    # --- what the PIM user does in the UI ----------------------------------------------

    def configure(
        self,
        catalog_id: str,
        *,
        criteria: Sequence[dict[str, Any]] | None = None,
        value_filters: dict[str, list[str]] | None = None,
        enabled: bool | None = None,
        name: str | None = None,
    ) -> Catalog:
        """Set what a PIM user sets in the catalog's UI page.

        Raises KeyError for an unknown catalog and ValueError for criteria or value
        filters the PIM would refuse (more than 25 criteria, unknown codes, bad shapes).
        """
        catalog = self.catalogs[catalog_id]
        new_criteria = catalog.criteria if criteria is None else [dict(c) for c in criteria]
        new_filters = catalog.value_filters if value_filters is None else dict(value_filters)
        if len(new_criteria) > CRITERIA_LIMIT:
            raise ValueError(f"a catalog has at most {CRITERIA_LIMIT} criteria")
        try:
            spec = CatalogSpec.model_validate(
                {"criteria": new_criteria, "value_filters": new_filters}
            )
        except ValidationError as exc:
            raise ValueError(str(exc)) from None
        problems = validate(spec, sandbox_metadata(self._sb))
        if problems:
            raise ValueError("; ".join(problems))
        with self._lock:
            catalog.criteria = new_criteria
            catalog.value_filters = new_filters
            if enabled is not None:
                catalog.enabled = enabled
            if name is not None:
                catalog.name = name
            catalog.version += 1
        return catalog

    # --- selection ----------------------------------------------------------------------

    def selection(self, catalog: Catalog) -> list[str]:
        """The uuids of the products the catalog selects, ascending."""
        store = self._sb.store
        key = (catalog.version, store.version)
        cached = self._selections.get(catalog.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        spec = catalog.spec()
        metadata = sandbox_metadata(self._sb)
        requirements = sandbox_requirements(self._sb)
        with store.lock:
            found = [
                u
                for u in store.uuid_order()
                if matches(
                    spec,
                    Product.from_akeneo(store.products[u]),
                    metadata,
                    requirements=requirements,
                )
            ]
        self._selections[catalog.id] = (key, found)
        return found

    def render(self, catalog: Catalog, item: Record) -> Record:
        """A product as catalog endpoints show it: fixed keys, values trimmed by filters."""
        out = {key: item.get(key) for key in _PRODUCT_KEYS}
        out["values"] = _filter_values(item.get("values", {}), catalog.value_filters)
        return out


def _filter_values(
    values: dict[str, list[Record]], filters: dict[str, list[str]]
) -> dict[str, list[Record]]:
    channels = set(filters.get("channels") or ())
    locales = set(filters.get("locales") or ())
    currencies = set(filters.get("currencies") or ())
    out: dict[str, list[Record]] = {}
    for code, entries in values.items():
        kept = []
        for entry in entries:
            if channels and entry.get("scope") is not None and entry["scope"] not in channels:
                continue
            if locales and entry.get("locale") is not None and entry["locale"] not in locales:
                continue
            data: Any = entry.get("data")
            if currencies and _is_prices(data):
                prices = [p for p in data if p.get("currency") in currencies]
                kept.append({**entry, "data": prices})
            else:
                kept.append(entry)
        if kept:
            out[code] = kept
    return out


def _is_prices(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(p, dict) and "currency" in p for p in data)
    )


def catalogs_api(sb: AkeneoSandbox) -> CatalogsApi:
    """The sandbox's catalogs (``sb.catalogs_api``)."""
    return sb.catalogs_api


# --- HTTP -------------------------------------------------------------------------------


def _owner(sb: AkeneoSandbox, request: Request) -> str:
    """The client id of the calling app. Raises ApiError 403 for a connection token."""
    owner = sb.apps.client_of(request.headers.get("authorization"))
    if owner is None:
        raise ApiError(403, _NO_CATALOG_ACCESS)
    return owner


def _catalog(api: CatalogsApi, sb: AkeneoSandbox, request: Request) -> Catalog:
    catalog_id = request.path_params["id"]
    found = api.get(catalog_id, _owner(sb, request))
    if found is None:
        raise ApiError(404, f'Catalog "{catalog_id}" does not exist or you can\'t access it.')
    return found


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise ApiError(400, "Invalid json message received") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid json message received")
    return body


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, "Validation failed: name: This value should not be blank.")
    if len(name) > 255:
        raise ApiError(422, "Validation failed: name: This value is too long.")
    return name


def _limit(request: Request, maximum: int) -> int:
    raw = request.query_params.get("limit", str(_DEFAULT_LIMIT))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ApiError(422, f"limit: This value should be between 1 and {maximum}.")
    return value


def _moment(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise ApiError(422, f"{name}: ISO 8601 format is required.") from None
    return moment.astimezone(UTC)


def _href(request: Request, **changes: str | None) -> dict[str, str]:
    base = str(request.url.replace(query=""))
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    return {"href": f"{base}?{urlencode(params)}" if params else base}


def _products_page(
    sb: AkeneoSandbox, api: CatalogsApi, request: Request, *, full: bool
) -> Response:
    catalog = _catalog(api, sb, request)
    scopes = sb.tokens.app_scopes(request.headers.get("authorization"))
    if scopes is not None and "read_products" not in scopes:
        raise ApiError(403, _NO_PRODUCT_ACCESS)
    limit = _limit(request, _PRODUCT_LIMIT)
    after, before = _moment(request, "updated_after"), _moment(request, "updated_before")
    if not catalog.enabled:
        return json_response({"error": _DISABLED.format(id=catalog.id)})
    cursor = request.query_params.get("search_after")
    store = sb.store
    page: list[Record] = []
    with store.lock:
        for uuid in api.selection(catalog):
            if cursor is not None and uuid <= cursor:
                continue
            item = store.products.get(uuid)
            if item is None:
                continue
            updated = datetime.fromisoformat(item["updated"]).astimezone(UTC)
            if (after is not None and updated <= after) or (
                before is not None and updated >= before
            ):
                continue
            page.append(item)
            if len(page) == limit:
                break
    links: dict[str, Any] = {"self": _href(request), "first": _href(request, search_after=None)}
    if len(page) == limit:
        links["next"] = _href(request, search_after=page[-1]["uuid"])
    items: list[Any] = [api.render(catalog, p) for p in page] if full else [p["uuid"] for p in page]
    return json_response({"_links": links, "_embedded": {"items": items}})


def add_catalog_routes(app: FastAPI, sb: AkeneoSandbox) -> None:
    """Register the catalog routes on ``app``, serving ``sb.catalogs_api``."""
    api = catalogs_api(sb)

    async def list_catalogs(request: Request) -> Response:
        owner = _owner(sb, request)
        limit = _limit(request, _LIST_LIMIT)
        raw_page = request.query_params.get("page", "1")
        if not raw_page.isdigit() or int(raw_page) < 1:
            raise ApiError(422, "page: This value should be greater than or equal to 1.")
        page = int(raw_page)
        owned = api.owned(owner)
        window = owned[(page - 1) * limit : page * limit]
        links: dict[str, Any] = {"self": _href(request), "first": _href(request, page="1")}
        if page > 1:
            links["previous"] = _href(request, page=str(page - 1))
        if len(window) == limit:
            links["next"] = _href(request, page=str(page + 1))
        items = [c.public() for c in window]
        body = {"_links": links, "current_page": page, "_embedded": {"items": items}}
        return json_response(body)

    async def create_catalog(request: Request) -> Response:
        owner = _owner(sb, request)
        name = _name(await _json_body(request))
        try:
            catalog = api.create(owner, name)
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        return json_response(catalog.public(), 201)

    async def get_catalog(request: Request) -> Response:
        return json_response(_catalog(api, sb, request).public())

    async def patch_catalog(request: Request) -> Response:
        catalog = _catalog(api, sb, request)
        name = _name(await _json_body(request))
        catalog.name = name
        return json_response(catalog.public())

    async def delete_catalog(request: Request) -> Response:
        catalog = _catalog(api, sb, request)
        api.delete(catalog.id)
        return Response(status_code=204)

    async def product_uuids(request: Request) -> Response:
        return _products_page(sb, api, request, full=False)

    async def products(request: Request) -> Response:
        return _products_page(sb, api, request, full=True)

    async def product(request: Request) -> Response:
        catalog = _catalog(api, sb, request)
        scopes = sb.tokens.app_scopes(request.headers.get("authorization"))
        if scopes is not None and "read_products" not in scopes:
            raise ApiError(403, _NO_PRODUCT_ACCESS)
        if not catalog.enabled:
            message = _DISABLED.replace("{id}", '"{id}"').format(id=catalog.id)
            return json_response({"error": message})
        uuid = request.path_params["uuid"]
        item = sb.store.products.get(uuid)
        if item is None or uuid not in api.selection(catalog):
            raise ApiError(
                404,
                f'Either catalog "{catalog.id}" does not exist or you can\'t access it, '
                f'or product "{uuid}" does not exist or you do not have permission to '
                "access it.",
            )
        return json_response(api.render(catalog, item))

    app.add_api_route(API, list_catalogs, methods=["GET"])
    app.add_api_route(API, create_catalog, methods=["POST"])
    app.add_api_route(API + "/{id}", get_catalog, methods=["GET"])
    app.add_api_route(API + "/{id}", patch_catalog, methods=["PATCH"])
    app.add_api_route(API + "/{id}", delete_catalog, methods=["DELETE"])
    app.add_api_route(API + "/{id}/product-uuids", product_uuids, methods=["GET"])
    app.add_api_route(API + "/{id}/products", products, methods=["GET"])
    app.add_api_route(API + "/{id}/products/{uuid}", product, methods=["GET"])
