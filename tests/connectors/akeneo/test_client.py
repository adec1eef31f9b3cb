"""AkeneoClient over MockTransport: sign-in, renewal, pagination, edition detection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest

from pimsync.connectors.akeneo import AkeneoClient, AkeneoCredentials
from pimsync.errors import AuthenticationError, ConfigError, FatalSourceError

from ._fake import BASE, CREDENTIALS, FakeAkeneo, client, page, paged

PRODUCTS = "/api/rest/v1/products-uuid"


def test_password_grant_then_bearer_requests() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/channels": paged([[{"code": "ecommerce"}]])})
    with client(fake) as api:
        pages = list(api.pages("/api/rest/v1/channels"))
    assert [p.items for p in pages] == [[{"code": "ecommerce"}]]
    assert fake.grants == [{"grant_type": "password", "username": "julia", "password": "pa55word"}]
    assert fake.requests[-1].headers["Authorization"] == "Bearer access-1"
    assert fake.requests[-1].url.params["limit"] == "100"


def test_wrong_password_is_an_authentication_error_with_akenos_message() -> None:
    fake = FakeAkeneo()
    bad = AkeneoCredentials.of("client", "s3cret-client", "julia", "wrong")
    api = AkeneoClient(BASE, bad, transport=httpx.MockTransport(fake), sleep=lambda s: None)
    with pytest.raises(AuthenticationError) as caught:
        api.token()
    message = str(caught.value)
    assert message == (
        f"authentication failed for {BASE}: No user found for the given username and password"
    )
    assert "wrong" not in message


def test_wrong_secret_is_refused_and_redacted() -> None:
    fake = FakeAkeneo()
    bad = AkeneoCredentials.of("client", "not-the-secret", "julia", "pa55word")
    api = AkeneoClient(BASE, bad, transport=httpx.MockTransport(fake), sleep=lambda s: None)
    with pytest.raises(AuthenticationError, match="does not match any client"):
        api.token()
    assert api.redactor.redact("not-the-secret pa55word") == "*** ***"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, text="<html>Not found</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, text="<html>Welcome</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, json={"hello": "world"}),
        httpx.Response(405, json={"message": "Method not allowed"}),
    ],
)
def test_a_url_that_is_not_akeneo_is_a_config_error(response: httpx.Response) -> None:
    api = AkeneoClient(
        BASE, CREDENTIALS, transport=httpx.MockTransport(lambda r: response), sleep=lambda s: None
    )
    with pytest.raises(ConfigError, match="does not look like an Akeneo PIM"):
        api.token()


def test_expiring_token_is_renewed_with_the_refresh_grant() -> None:
    fake = FakeAkeneo(expires_in=30, routes={"/api/rest/v1/locales": paged([[{"code": "en_US"}]])})
    with client(fake) as api:
        api.token()
        list(api.pages("/api/rest/v1/locales"))  # token within the 60 s margin: renewed
    assert [g["grant_type"] for g in fake.grants] == ["password", "refresh_token"]
    assert fake.grants[1]["refresh_token"] == "refresh-1"


def test_refused_refresh_token_falls_back_to_password() -> None:
    fake = FakeAkeneo(expires_in=30)

    def token(request: httpx.Request) -> httpx.Response:
        response = FakeAkeneo.token(fake, request)
        if response.status_code == 200:
            body = response.json() | {"refresh_token": "bogus"}
            return httpx.Response(200, json=body)
        return response

    fake.token = token  # type: ignore[method-assign]
    with client(fake) as api:
        api.token()
        api.token()
    assert [g["grant_type"] for g in fake.grants] == ["password", "refresh_token", "password"]


def test_a_401_mid_read_signs_in_again_and_continues() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/channels": paged([[{"code": "a"}], [{"code": "b"}]])})
    with client(fake) as api:
        pages = api.pages("/api/rest/v1/channels")
        first = next(pages)
        fake.valid_tokens.clear()  # the PIM forgets every token
        rest = list(pages)
    assert [p.items for p in [first, *rest]] == [[{"code": "a"}], [{"code": "b"}]]
    assert len(fake.grants) == 2


@pytest.mark.parametrize("relative", [False, True])
def test_next_links_absolute_or_relative_are_followed(relative: bool) -> None:
    fake = FakeAkeneo(
        routes={
            "/api/rest/v1/families": paged(
                [[{"code": "a"}], [{"code": "b"}], []], relative=relative
            )
        }
    )
    with client(fake) as api:
        items = [i for p in api.pages("/api/rest/v1/families") for i in p.items]
    assert items == [{"code": "a"}, {"code": "b"}]
    assert fake.paths()[-1] == f"{BASE}/api/rest/v1/families?page=3&limit=100"


def test_products_use_search_after() -> None:
    fake = FakeAkeneo(routes={PRODUCTS: paged([[]])})
    with client(fake) as api:
        list(api.pages(PRODUCTS))
    params = fake.requests[-1].url.params
    assert params["pagination_type"] == "search_after"
    assert params["limit"] == "100"


def test_a_page_failing_after_retries_raises_with_its_url() -> None:
    def families(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return httpx.Response(500, json={"code": 500, "message": "boom"})
        return paged([[{"code": "a"}], [{"code": "b"}]])(request)

    fake = FakeAkeneo(routes={"/api/rest/v1/families": families})
    with client(fake) as api:
        pages = api.pages("/api/rest/v1/families")
        assert next(pages).items == [{"code": "a"}]
        with pytest.raises(FatalSourceError) as caught:
            next(pages)
    assert f"{BASE}/api/rest/v1/families?page=2&limit=100" in str(caught.value)
    assert "page 2" in str(caught.value)


def test_a_first_page_failing_names_the_full_url() -> None:
    fake = FakeAkeneo(routes={PRODUCTS: lambda r: httpx.Response(503)})
    with client(fake) as api, pytest.raises(FatalSourceError) as caught:
        list(api.pages(PRODUCTS))
    assert f"{BASE}{PRODUCTS}?limit=100&pagination_type=search_after" in str(caught.value)


def test_a_page_that_is_not_json_is_fatal_not_the_end() -> None:
    html = httpx.Response(200, text="<html>maintenance</html>")
    fake = FakeAkeneo(routes={"/api/rest/v1/channels": lambda r: html})
    with client(fake) as api, pytest.raises(FatalSourceError, match="not JSON"):
        list(api.pages("/api/rest/v1/channels"))


def test_a_page_with_an_unexpected_error_body_is_fatal() -> None:
    odd = httpx.Response(400, text="Bad Request (from a proxy)")
    fake = FakeAkeneo(routes={"/api/rest/v1/channels": lambda r: odd})
    with client(fake) as api, pytest.raises(FatalSourceError, match="from a proxy"):
        list(api.pages("/api/rest/v1/channels"))


def test_a_pagination_loop_is_detected() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/channels": lambda r: page([{"code": "a"}], str(r.url))})
    with client(fake) as api, pytest.raises(FatalSourceError, match="pagination loop"):
        list(api.pages("/api/rest/v1/channels"))


def test_enterprise_lists_on_community_yield_nothing_and_log_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeAkeneo()
    caplog.set_level(logging.WARNING, "pimsync.akeneo")
    with client(fake) as api:
        assert list(api.pages("/api/rest/v1/asset-families")) == []
        assert list(api.pages("/api/rest/v1/asset-families")) == []
        assert api.edition().value == "community"
    notes = [r for r in caplog.records if "not available on this edition" in r.getMessage()]
    assert len(notes) == 1
    assert sum("asset-families" in p for p in fake.paths()) == 1


def test_enterprise_detected() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/asset-families": paged([[{"code": "packshots"}]])})
    with client(fake) as api:
        assert api.edition().value == "enterprise"


def test_server_time_comes_from_the_date_header() -> None:
    fake = FakeAkeneo(routes={"/api/rest/v1/currencies": paged([[]])})
    with client(fake) as api:
        now = api.server_time()
    assert (
        datetime(2026, 10, 21, 7, 28, tzinfo=UTC) <= now < datetime(2026, 10, 21, 7, 29, tzinfo=UTC)
    )


def test_count_uses_with_count_and_page_pagination() -> None:
    fake = FakeAkeneo(routes={PRODUCTS: lambda r: page([], items_count=1234)})
    with client(fake) as api:
        assert api.count(PRODUCTS) == 1234
    params = fake.requests[-1].url.params
    assert params["with_count"] == "true" and params["pagination_type"] == "page"


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="plain HTTP"):
        AkeneoClient("http://pim.example.test", CREDENTIALS)
