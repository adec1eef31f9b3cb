"""A small fake Salesforce org behind ``httpx.MockTransport``, written from the API brief
(/work/shared/reference/salesforce/API.md): token grants, REST shapes, error bodies and
the ``Sforce-Limit-Info`` header."""

from __future__ import annotations

import base64
import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

LOGIN = "https://login.example.test"
INSTANCE = "https://acme.my.salesforce.com"
ROOT = "/services/data/v62.0"
CLIENT_ID = "3MVG9pimsync"
CLIENT_SECRET = "cs-very-secret-1234"
USERNAME = "integration@acme.test"
PASSWORD = "pw-very-secret-5678"
SECURITY_TOKEN = "st-very-secret-9012"
ORG_ID = "00D5g000004XXXXEAA"
USER_ID = "0055g00000AbCdEAAV"

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = PRIVATE_KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode()

Handler = Callable[[httpx.Request], httpx.Response | None]


def sf_error(status: int, code: str, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json=[{"message": message, "errorCode": code, **extra}])


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(assertion: str, audience: str) -> dict[str, Any]:
    """Check the assertion as Salesforce does: RS256 with the app's certificate, claims."""
    header_b64, claims_b64, signature_b64 = assertion.split(".")
    header = orjson.loads(_b64decode(header_b64))
    assert header == {"alg": "RS256", "typ": "JWT"}
    PRIVATE_KEY.public_key().verify(
        _b64decode(signature_b64),
        f"{header_b64}.{claims_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    claims: dict[str, Any] = orjson.loads(_b64decode(claims_b64))
    assert claims["iss"] == CLIENT_ID
    assert claims["sub"] == USERNAME
    assert claims["aud"] == audience
    assert time.time() < claims["exp"] <= time.time() + 300
    return claims


@dataclass
class FakeSalesforce:
    """Records every request; ``routes`` are tried before the built-in endpoints."""

    audience: str = "https://login.salesforce.com"
    used: int = 0
    allowed: int = 15_000
    requests: list[httpx.Request] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    grants: list[dict[str, str]] = field(default_factory=list)
    routes: list[Handler] = field(default_factory=list)
    refuse_grant: bool = False
    accept_tokens: bool = True  # False: tokens are refused as soon as issued
    limit_header: bool = True

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_sessions(self) -> None:
        self.valid_tokens.clear()

    def api_calls(self, method: str | None = None, path: str = "") -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.url.path.startswith(ROOT)
            and (method is None or r.method == method)
            and path in r.url.path
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/services/oauth2/token":
            return self._token(request)
        assert str(request.url).startswith(INSTANCE), f"API call off the instance: {request.url}"
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.valid_tokens:
            return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        self.used += 1
        response = None
        for route in self.routes:
            response = route(request)
            if response is not None:
                break
        if response is None:
            response = httpx.Response(404, json=[{"errorCode": "NOT_FOUND", "message": "nope"}])
        if self.limit_header:
            response.headers["Sforce-Limit-Info"] = f"api-usage={self.used}/{self.allowed}"
        return response

    def _token(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.grants.append(form)
        grant = form["grant_type"]
        ok = not self.refuse_grant
        if grant == "client_credentials":
            ok = ok and form == {
                "grant_type": grant,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        elif grant == "password":
            ok = ok and form["password"] == PASSWORD + SECURITY_TOKEN
            ok = ok and form["client_secret"] == CLIENT_SECRET and form["username"] == USERNAME
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                verify_jwt(form["assertion"], self.audience)
            except (InvalidSignature, AssertionError, KeyError, ValueError):
                ok = False
        else:
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if not ok:
            return httpx.Response(
                400, json={"error": "invalid_grant", "error_description": "authentication failure"}
            )
        token = f"00D5g000004XXXX!tok{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        if self.accept_tokens:
            self.valid_tokens.add(token)
        return httpx.Response(
            200,
            json={
                "access_token": token,
                "signature": "sig",
                "scope": "api",
                "instance_url": INSTANCE,
                "id": f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
            },
        )


def route(method: str, pattern: str, answer: Callable[..., httpx.Response]) -> Handler:
    """A handler for ``method`` on paths matching ``pattern`` (relative to the REST
    root); ``answer`` gets the request and the match's groups."""
    compiled = re.compile(re.escape(ROOT) + pattern)

    def handler(request: httpx.Request) -> httpx.Response | None:
        match = compiled.fullmatch(request.url.path)
        if request.method != method or match is None:
            return None
        return answer(request, *match.groups())

    return handler


def body(request: httpx.Request) -> Any:
    return orjson.loads(request.content)


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))
