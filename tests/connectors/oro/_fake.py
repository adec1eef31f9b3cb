"""A tiny OroCommerce back office for unit tests, served through httpx.MockTransport.

It emulates what the connector relies on (API brief §6): ``/oauth2-token`` (client
credentials, password and refresh grants), 401 with an empty body for a bad token, the
JSON:API media-type checks, products (list with ``filter[sku]`` and ``links.next``,
create, update, delete, ``meta.upsert`` only in ext_id mode, synchronous batch,
``unique entity constraint`` on duplicate SKUs), localizations, and read-only categories.
Related records written through ``included`` (prices with their back-reference,
productimages + files + productimagetypes, productvariantlinks, localized texts) are kept
in ``records`` by type; temp ids resolve to real ids; ``meta.update`` updates in place;
to-many product relationships are replaced on PATCH (owned images are deleted). The
asynchronous batch (202 + ``asyncoperations``, polling, ``/errors``) rejects only the
records in error, and delete-list requests work on prices (``filter[priceList]``
required) and variant links. ``async_polls`` is how many polls an operation stays
``running``. ``overrides`` (path -> handler returning a response or None) inject failures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from pimsync.connectors.http import RetryPolicy
from pimsync.connectors.oro import MEDIA_TYPE, OroClient, OroCredentials

BASE = "https://oro.example.test"
SECRET = "s3cret-client"
BAD_CLIENT = "Client authentication failed"
CREDENTIALS = OroCredentials.of("client", SECRET)
SKU_PATTERN = re.compile(r"^[-_a-zA-Z0-9]{3,255}$")
Handler = Callable[[httpx.Request], httpx.Response | None]


def api(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = b"" if body is None else orjson.dumps(body)
    return httpx.Response(
        status, content=content, headers={"Content-Type": MEDIA_TYPE, **(headers or {})}
    )


def error(status: int, title: str, detail: str, pointer: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": str(status), "title": title, "detail": detail}
    if pointer:
        entry["source"] = {"pointer": pointer}
    return entry


@dataclass
class FakeOro:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> attributes
    overrides: dict[str, Handler] = field(default_factory=dict)
    grants: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    relative_links: bool = False
    issued: int = 0
    next_id: int = 1
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)  # product id -> rels
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    async_polls: int = 1
    next_related: int = 1

    # -- plumbing ------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth2-token":
            return self.token(request)
        if (
            request.headers.get("Authorization", "").removeprefix("Bearer ")
            not in self.valid_tokens
        ):
            return httpx.Response(401)
        override = self.overrides.get(request.url.path)
        if override is not None:
            answer = override(request)
            if answer is not None:
                return answer
        if request.content and request.headers.get("Content-Type") != MEDIA_TYPE:
            return httpx.Response(415)
        if MEDIA_TYPE not in request.headers.get("Accept", ""):
            return httpx.Response(406)
        parts = request.url.path.removeprefix("/admin/api/").split("/")
        kind, ident = parts[0], parts[1] if len(parts) > 1 else None
        if kind == "categories":
            if request.method == "OPTIONS":
                return httpx.Response(200, headers={"Allow": "GET, OPTIONS"})
            if request.method != "GET":
                return httpx.Response(405, headers={"Allow": "GET, OPTIONS"})
            return api(200, {"data": []})
        if kind == "localizations" and request.method == "GET":
            rows = [("1", "English (United States)"), ("2", "German")]
            data = [{"type": "localizations", "id": i, "attributes": {"name": n}} for i, n in rows]
            return api(200, {"data": data})
        if kind == "products":
            return self.products_endpoint(request, ident)
        if kind == "asyncoperations" and request.method == "GET" and ident:
            return self.operation(ident, len(parts) > 2 and parts[2] == "errors")
        if kind in RELATED and request.method in ("GET", "DELETE") and ident is None:
            return self.related_list(request, kind)
        return api(
            404, {"errors": [error(404, "entity type constraint", f"Unknown entity type: {kind}.")]}
        )

    def token(self, request: httpx.Request) -> httpx.Response:
        grant = orjson.loads(request.content)
        self.grants.append(grant)
        if grant.get("client_id") != "client" or grant.get("client_secret") != SECRET:
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": BAD_CLIENT,
                    "message": BAD_CLIENT,
                },
            )
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": 3600}
        if grant["grant_type"] == "password":
            if (grant.get("username"), grant.get("password")) != ("admin", "pa55word"):
                return httpx.Response(
                    400,
                    json={
                        "error": "invalid_grant",
                        "error_description": "The user credentials were incorrect.",
                        "message": "The user credentials were incorrect.",
                    },
                )
            body["refresh_token"] = f"refresh-{self.issued + 1}"
        elif grant["grant_type"] == "refresh_token":
            if not str(grant.get("refresh_token", "")).startswith("refresh-"):
                return httpx.Response(
                    400, json={"error": "invalid_grant", "message": "bad refresh token"}
                )
            body["refresh_token"] = f"refresh-{self.issued + 1}"
        elif grant["grant_type"] != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        self.issued += 1
        body["access_token"] = f"access-{self.issued}"
        self.valid_tokens.add(body["access_token"])
        return httpx.Response(200, json=body)

    # -- products ------------------------------------------------------------------

    def products_endpoint(self, request: httpx.Request, ident: str | None) -> httpx.Response:
        ext_id = request.headers.get("X-Integration-Type") == "ext_id"
        body: dict[str, Any] = orjson.loads(request.content) if request.content else {}
        if ident is None and request.method == "GET":
            return self.list_products(request)
        if ident is None and request.method == "POST":
            data = body["data"]
            if "upsert" in data.get("meta", {}):
                return api(
                    400,
                    {
                        "errors": [
                            error(
                                400,
                                "value constraint",
                                "The upsert operation is not allowed.",
                                "/meta/upsert",
                            )
                        ]
                    },
                )
            problems = self.validate(data, None, "/data")
            if problems:
                return api(400, {"errors": problems})
            return api(201, {"data": self.store(data, None, body.get("included", []))})
        if ident is None and request.method == "PATCH":
            return self.batch(request, body)
        oro_id = self.by_sku(ident or "") if ext_id else ident
        if request.method == "DELETE":
            if oro_id not in self.products:
                return api(
                    404,
                    {
                        "errors": [
                            error(
                                404,
                                "not found http exception",
                                "An entity with the requested identifier does not exist.",
                            )
                        ]
                    },
                )
            del self.products[str(oro_id)]
            return httpx.Response(204)
        if request.method == "GET":
            if oro_id not in self.products:
                return api(404, {"errors": [error(404, "not found http exception", "Not found.")]})
            return api(200, {"data": self.resource(str(oro_id), ext_id)})
        if request.method == "PATCH":
            data = body["data"]
            upsert = data.get("meta", {}).get("upsert") and ext_id
            if oro_id not in self.products and not upsert:
                return api(404, {"errors": [error(404, "not found http exception", "Not found.")]})
            problems = self.validate(data, oro_id, "/data")
            if problems:
                return api(400, {"errors": problems})
            created = oro_id not in self.products
            self.store(data, oro_id, body.get("included", []))
            oro_id = oro_id or self.by_sku(data["attributes"]["sku"])
            return api(201 if created else 200, {"data": self.resource(str(oro_id), ext_id)})
        return httpx.Response(405)

    def list_products(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        rows = sorted(self.products, key=int)
        skus = params.get("filter[sku]")
        if skus is not None:
            wanted = {s.casefold() for s in skus.split(",")}
            rows = [i for i in rows if self.products[i]["sku"].casefold() in wanted]
        size, number = int(params.get("page[size]", "10")), int(params.get("page[number]", "1"))
        page = rows[(number - 1) * size : number * size]
        response: dict[str, Any] = {"data": [self.resource(i, False) for i in page], "links": {}}
        if number * size < len(rows):
            query = params.set("page[number]", str(number + 1))
            path = f"{request.url.path}?{query}"
            response["links"]["next"] = path if self.relative_links else f"{BASE}{path}"
        headers = (
            {"X-Include-Total-Count": str(len(rows))}
            if "totalCount" in request.headers.get("X-Include", "")
            else {}
        )
        return api(200, response, headers)

    def batch(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if request.headers.get("X-Mode") != "sync":
            return self.batch_async(body)
        items = body["data"]
        if len(items) > 100 or len(body.get("included", [])) > 50:
            return api(
                400,
                {
                    "errors": [
                        error(
                            400,
                            "request data constraint",
                            "The data limit for the synchronous operation exceeded.",
                        )
                    ]
                },
            )
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        for n, data in enumerate(items):
            oro_id = data.get("id") if data.get("meta", {}).get("update") else None
            problems += self.validate(data, oro_id, f"/data/{n}", seen)
            seen.add(str(data.get("attributes", {}).get("sku", "")).casefold())
        if problems:
            return api(400, {"errors": problems})  # atomic: nothing written
        stored = []
        groups = self.included_by_owner(body)
        for n, data in enumerate(items):
            oro_id = data.get("id") if data.get("meta", {}).get("update") else None
            stored.append(self.store(data, oro_id, groups.get(n, [])))
        return api(200, {"data": stored})

    def included_by_owner(self, body: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
        """Each included record given to the primary that reaches it (by temp id prefix:
        every pimsync temp id starts with its primary's ``p<N>-``; others go to 0)."""
        groups: dict[int, list[dict[str, Any]]] = {}
        for item in body.get("included", []):
            owner = 0
            match = re.match(r"^p(\d+)", str(item.get("id", "")))
            if match and not item.get("meta", {}).get("update"):
                owner = int(match.group(1))
            else:  # an update: find the primary it belongs to by back-reference/ownership
                owner = self.update_owner(body, item)
            groups.setdefault(owner, []).append(item)
        return groups

    def update_owner(self, body: dict[str, Any], item: dict[str, Any]) -> int:
        product = (item.get("relationships", {}).get("product") or {}).get("data") or {}
        for n, data in enumerate(body["data"]):
            if product and data.get("id") == product.get("id"):
                return n
            images = data.get("relationships", {}).get("images", {}).get("data", [])
            if any(i["id"] == item.get("id") for i in images):
                return n
        return 0

    def batch_async(self, body: dict[str, Any]) -> httpx.Response:
        """Every record on its own: errors reject only their record (and its included)."""
        items = body.get("data")
        if not isinstance(items, list):
            return api(400, {"errors": [error(400, "request data constraint", "No data.")]})
        groups = self.included_by_owner(body)
        positions = {id(item): n for n, item in enumerate(body.get("included", []))}
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        for n, data in enumerate(items):
            oro_id = data.get("id") if data.get("meta", {}).get("update") else None
            found = self.validate(data, oro_id, f"/data/{n}", seen)
            for item in groups.get(n, []):
                found += self.validate_included(item, f"/included/{positions[id(item)]}")
            seen.add(str(data.get("attributes", {}).get("sku", "")).casefold())
            if found:
                problems += found
                continue
            self.store(data, oro_id, groups.get(n, []))
        op_id = str(len(self.operations) + 1)
        self.operations[op_id] = {"polls": 0, "errors": problems, "count": len(items)}
        return api(
            202,
            {"data": {"type": "asyncoperations", "id": op_id, "attributes": {"status": "new"}}},
            {"Content-Location": f"/admin/api/asyncoperations/{op_id}"},
        )

    def validate_included(self, item: dict[str, Any], at: str) -> list[dict[str, Any]]:
        currency = item.get("attributes", {}).get("currency")
        if item.get("type") == "productprices" and currency not in (None, "EUR", "USD"):
            detail = "This value is not a valid currency."
            return [error(400, "currency constraint", detail, f"{at}/attributes/currency")]
        return []

    def operation(self, op_id: str, errors: bool) -> httpx.Response:
        op = self.operations.get(op_id)
        if op is None:
            return api(404, {"errors": [error(404, "not found http exception", "Not found.")]})
        if errors:
            data = [
                {"type": "asyncoperationerrors", "id": f"{op_id}-{n}", "attributes": e}
                for n, e in enumerate(op["errors"])
            ]
            return api(200, {"data": data})
        op["polls"] += 1
        done = op["polls"] > self.async_polls
        attributes: dict[str, Any] = {"status": "success" if done else "running", "summary": None}
        if done:
            attributes["summary"] = {"errorCount": len(op["errors"]), "readCount": op["count"]}
        return api(
            200, {"data": {"type": "asyncoperations", "id": op_id, "attributes": attributes}}
        )

    # -- related records ------------------------------------------------------------

    def related_list(self, request: httpx.Request, kind: str) -> httpx.Response:
        params = request.url.params
        if kind == "productprices" and "filter[priceList]" not in params:
            return api(
                400,
                {
                    "errors": [
                        error(400, "filter constraint", 'The "priceList" filter is required.')
                    ]
                },
            )
        rows = list(self.records.get(kind, {}).values())
        for name, value in params.items():
            if not name.startswith("filter["):
                continue
            field_ = name[len("filter[") : -1]
            wanted = set(value.split(","))
            if field_ == "id":
                rows = [r for r in rows if r["id"] in wanted]
            else:
                rows = [
                    r
                    for r in rows
                    if (r["relationships"].get(field_) or {}).get("data", {})
                    and r["relationships"][field_]["data"]["id"] in wanted
                ]
        if request.method == "DELETE":
            if not any(n.startswith("filter[") for n in params):
                return api(
                    400,
                    {
                        "errors": [
                            error(400, "filter constraint", "At least one filter must be provided.")
                        ]
                    },
                )
            for row in rows:
                del self.records[kind][row["id"]]
            return httpx.Response(204)
        body: dict[str, Any] = {"data": rows}
        include = params.get("include", "")
        if include:
            body["included"] = [
                self.records[rel["type"]][rel["id"]]
                for row in rows
                for name in include.split(",")
                for rel in _links(row["relationships"].get(name))
            ]
        return api(200, body)

    def related(self, kind: str) -> list[dict[str, Any]]:
        return list(self.records.get(kind, {}).values())

    def prices_of(self, product_id: str) -> dict[tuple[str, str], str]:
        """(price list, currency) -> value of the product's prices."""
        return {
            (
                p["relationships"]["priceList"]["data"]["id"],
                p["attributes"]["currency"],
            ): p["attributes"]["value"]
            for p in self.related("productprices")
            if p["relationships"]["product"]["data"]["id"] == product_id
        }

    def image_names(self, product_id: str) -> list[str]:
        names = []
        for link in self.relations.get(product_id, {}).get("images", {}).get("data", []):
            image = self.records["productimages"][link["id"]]
            file_id = image["relationships"]["image"]["data"]["id"]
            names.append(self.records["files"][file_id]["attributes"]["originalFilename"])
        return names

    def parents_of(self, product_id: str) -> list[str]:
        return [
            link["relationships"]["parentProduct"]["data"]["id"]
            for link in self.related("productvariantlinks")
            if link["relationships"]["product"]["data"]["id"] == product_id
        ]

    def store_included(
        self, included: list[dict[str, Any]], temp_product: str | None, oro_id: str
    ) -> dict[str, str]:
        """Stores included records; returns temp id -> real id."""
        real: dict[str, str] = {}
        if temp_product is not None:
            real[temp_product] = oro_id
        for item in included:
            if item.get("meta", {}).get("update"):
                real[item["id"]] = item["id"]
            else:
                new = str(self.next_related)
                self.next_related += 1
                if item["type"] == "productprices":
                    new = f"uuid{new}-{item['relationships']['priceList']['data']['id']}"
                real[item["id"]] = new
        for item in included:
            kind, rid = item["type"], real[item["id"]]
            record = self.records.setdefault(kind, {}).setdefault(
                rid, {"type": kind, "id": rid, "attributes": {}, "relationships": {}}
            )
            record["attributes"].update(item.get("attributes", {}))
            for name, rel in item.get("relationships", {}).items():
                record["relationships"][name] = _resolved(rel, real)
        return real

    def validate(
        self, data: dict[str, Any], oro_id: str | None, at: str, seen: set[str] | None = None
    ) -> list[dict[str, Any]]:
        attributes = data.get("attributes", {})
        if oro_id in self.products and "sku" not in attributes:
            return []  # a partial update keeps the stored SKU
        sku = str(attributes.get("sku", ""))
        if not SKU_PATTERN.match(sku):
            return [
                error(400, "regex constraint", "This value is not valid.", f"{at}/attributes/sku")
            ]
        others = {a["sku"].casefold() for i, a in self.products.items() if i != oro_id}
        if sku.casefold() in others | (seen or set()):
            return [
                error(
                    400,
                    "unique entity constraint",
                    "This value is already used.",
                    f"{at}/attributes/sku",
                )
            ]
        if oro_id is None and "names" not in data.get("relationships", {}):
            return [
                error(
                    400,
                    "not blank constraint",
                    "This value should not be blank.",
                    f"{at}/relationships/names/data",
                )
            ]
        return []

    def store(
        self,
        data: dict[str, Any],
        oro_id: str | None,
        included: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> dict[str, Any]:
        temp = None
        if oro_id is None or oro_id not in self.products:
            temp = data.get("id")
            oro_id = str(self.next_id)
            self.next_id += 1
            self.products[oro_id] = {"status": "disabled"}
        self.products[oro_id].update(data.get("attributes", {}))
        real = self.store_included(list(included), temp, oro_id)
        rels = self.relations.setdefault(oro_id, {})
        for name, rel in data.get("relationships", {}).items():
            if name == "images":  # owned: images left out are deleted
                kept = {link["id"] for link in _links(_resolved(rel, real))}
                for old in _links(rels.get("images")):
                    if old["id"] not in kept:
                        self.records["productimages"].pop(old["id"], None)
            rels[name] = _resolved(rel, real)
            if name == "images":  # Oro sets the owner of the product's images
                for link in _links(rels[name]):
                    image = self.records["productimages"][link["id"]]
                    image["relationships"]["product"] = {"data": {"type": "products", "id": oro_id}}
        return self.resource(oro_id, False)

    def by_sku(self, sku: str) -> str | None:
        return next(
            (i for i, a in self.products.items() if a["sku"].casefold() == sku.casefold()), None
        )

    def resource(self, oro_id: str, ext_id: bool) -> dict[str, Any]:
        attributes = dict(self.products[oro_id])
        if ext_id:
            return {
                "type": "products",
                "id": attributes["sku"],
                "attributes": {**attributes, "dbId": int(oro_id)},
            }
        return {"type": "products", "id": oro_id, "attributes": attributes}

    def add(self, sku: str, status: str = "enabled") -> str:
        oro_id = str(self.next_id)
        self.next_id += 1
        self.products[oro_id] = {"sku": sku, "status": status}
        return oro_id

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)


RELATED = frozenset({"productprices", "productimages", "productvariantlinks", "files"})


def _links(rel: Any) -> list[dict[str, Any]]:
    data = rel.get("data") if isinstance(rel, dict) else None
    return data if isinstance(data, list) else [data] if isinstance(data, dict) else []


def _resolved(rel: Any, real: dict[str, str]) -> Any:
    data = rel.get("data") if isinstance(rel, dict) else None
    if isinstance(data, list):
        return {"data": [{**d, "id": real.get(d["id"], d["id"])} for d in data]}
    if isinstance(data, dict):
        return {"data": {**data, "id": real.get(data["id"], data["id"])}}
    return {"data": data}


def make_client(
    fake: FakeOro,
    *,
    version: str | None = None,
    credentials: OroCredentials = CREDENTIALS,
    page_size: int = 100,
) -> OroClient:
    return OroClient(
        BASE,
        credentials,
        version=version,
        transport=httpx.MockTransport(fake),
        retry=RetryPolicy(max_attempts=3, base_delay=0, max_delay=0),
        sleep=lambda _: None,
        page_size=page_size,
    )
