"""A tiny OroCommerce back office for unit tests, served through httpx.MockTransport.

It emulates what the connector relies on (API brief §6): ``/oauth2-token`` (client
credentials, password and refresh grants), 401 with an empty body for a bad token, the
JSON:API media-type checks, products (list with ``filter[sku]`` and ``links.next``,
create, update, delete, ``meta.upsert`` only in ext_id mode, synchronous batch,
``unique entity constraint`` on duplicate SKUs), localizations, and read-only categories.
``overrides`` (path -> handler returning a response or None) inject failures.
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
            return api(201, {"data": self.store(data, None)})
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
            self.store(data, oro_id)
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
            return api(202, {"data": {"type": "asyncoperations", "id": "1"}})
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
        for data in items:
            oro_id = data.get("id") if data.get("meta", {}).get("update") else None
            stored.append(self.store(data, oro_id))
        return api(200, {"data": stored})

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

    def store(self, data: dict[str, Any], oro_id: str | None) -> dict[str, Any]:
        if oro_id is None or oro_id not in self.products:
            oro_id = str(self.next_id)
            self.next_id += 1
            self.products[oro_id] = {"status": "disabled"}
        self.products[oro_id].update(data.get("attributes", {}))
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
