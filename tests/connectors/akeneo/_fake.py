"""A tiny Akeneo for unit tests: token endpoint and lists served through MockTransport."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from pimsync.connectors.akeneo import AkeneoClient, AkeneoCredentials
from pimsync.connectors.http import RetryPolicy

BASE = "https://pim.example.test"
BAD_CLIENT = 'Parameter "client_id" is missing or does not match any client, or secret is invalid'
CREDENTIALS = AkeneoCredentials.of("client", "s3cret-client", "julia", "pa55word")
Handler = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeAkeneo:
    """Answers like Akeneo: tokens, then whatever ``routes`` say (path -> handler)."""

    routes: dict[str, Handler] = field(default_factory=dict)
    grants: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    expires_in: int = 3600
    issued: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/oauth/v1/token":
            return self.token(request)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid_tokens:
            return httpx.Response(
                401, json={"code": 401, "message": "The access token provided is invalid."}
            )
        handler = self.routes.get(request.url.path)
        response = handler(request) if handler else None
        if response is None:
            return httpx.Response(404, json={"code": 404, "message": "Resource not found"})
        return response

    def token(self, request: httpx.Request) -> httpx.Response:
        basic = base64.b64encode(b"client:s3cret-client").decode()
        grant = orjson.loads(request.content)
        self.grants.append(grant)
        if request.headers.get("Authorization") != f"Basic {basic}":
            return httpx.Response(
                422,
                json={
                    "code": 422,
                    "message": BAD_CLIENT,
                },
            )
        if grant["grant_type"] == "password" and (grant.get("username"), grant.get("password")) != (
            "julia",
            "pa55word",
        ):
            return httpx.Response(
                422,
                json={"code": 422, "message": "No user found for the given username and password"},
            )
        if grant["grant_type"] == "refresh_token" and not grant["refresh_token"].startswith(
            "refresh-"
        ):
            return httpx.Response(422, json={"code": 422, "message": "Invalid refresh token"})
        self.issued += 1
        access = f"access-{self.issued}"
        self.valid_tokens.add(access)
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "expires_in": self.expires_in,
                "token_type": "bearer",
                "scope": None,
                "refresh_token": f"refresh-{self.issued}",
            },
        )

    def paths(self) -> list[str]:
        return [str(r.url) for r in self.requests if r.url.path != "/api/oauth/v1/token"]


def page(items: list[Any], next_href: str | None = None, **extra: Any) -> httpx.Response:
    links: dict[str, Any] = {"self": {"href": "x"}}
    if next_href is not None:
        links["next"] = {"href": next_href}
    return httpx.Response(
        200,
        json={"_links": links, "_embedded": {"items": items}, **extra},
        headers={"Date": "Wed, 21 Oct 2026 07:28:00 GMT"},
    )


def paged(pages: list[list[Any]], *, relative: bool = False) -> Handler:
    """A list split in ``pages``, linked by ``page=N`` next links (absolute or relative)."""

    def handle(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        more = number < len(pages)
        href = None
        if more:
            href = f"{request.url.path}?page={number + 1}&limit=100"
            if not relative:
                href = BASE + href
        return page(pages[number - 1], href)

    return handle


def client(fake: FakeAkeneo, **options: Any) -> AkeneoClient:
    options.setdefault("retry", RetryPolicy(max_attempts=3))
    return AkeneoClient(
        BASE,
        CREDENTIALS,
        transport=httpx.MockTransport(fake),
        sleep=lambda seconds: None,
        **options,
    )
